import asyncio
import threading

import pytest

from cloudlet.store.database import Database
from cloudlet.store.sqlite_queues import SqliteQueueStore


def _run_in_fresh_loop(coro):
    """asyncio.run in a thread of its own: other suites (Playwright's sync API) may keep a loop running in
    the main thread, where asyncio.run refuses to start."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture
def run():
    return _run_in_fresh_loop


@pytest.fixture
def queue_store(tmp_path):
    """A started SQLite database in tmp_path and the queue store on it; closed after the test."""
    db = Database(tmp_path / "queues.db")
    store = SqliteQueueStore(db)
    db.start()
    yield db, store
    db.close()
