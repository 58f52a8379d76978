import asyncio
import threading

import pytest


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
