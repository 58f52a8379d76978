"""SQLite access for an asyncio server: one writer thread with group commit, reader threads.

Every write is a function `fn(conn, *args)` run inside one transaction shared with whatever other writes
were waiting at the same moment (group commit): one fsync covers them all, and each write runs in its own
savepoint so that a failing write rolls back alone. The caller awaits a future that resolves only after
COMMIT returned, so an acknowledged write is durable.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

_STOP = object()
MAX_GROUP = 512


class Database:
    def __init__(self, path: Path | None, sync: str = "full", readers: int = 2) -> None:
        """path=None keeps the database in memory (reads then go through the writer's connection)."""
        self.path = path
        self.sync = sync
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._schema: list[str] = []
        self._writer: threading.Thread | None = None
        self._reader_count = 0 if path is None else readers
        self._reads: queue.SimpleQueue = queue.SimpleQueue()
        self._readers: list[threading.Thread] = []
        self._conn: sqlite3.Connection | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self.commits = 0  # transactions committed, and writes they carried: group commit shows as writes > commits
        self.writes = 0

    # -- lifecycle -------------------------------------------------------------------------------
    def add_schema(self, sql: str) -> None:
        """Register DDL (idempotent: CREATE ... IF NOT EXISTS) run when the database starts."""
        self._schema.append(sql)

    def start(self) -> None:
        self._writer = threading.Thread(target=self._run_writer, name="db-writer", daemon=True)
        self._writer.start()
        self._ready.wait()
        if self._start_error:
            raise self._start_error
        for i in range(self._reader_count):
            reader = threading.Thread(target=self._run_reader, name=f"db-read_{i}", daemon=True)
            reader.start()
            self._readers.append(reader)

    def close(self) -> None:
        if self._writer is not None:
            self._tasks.put(_STOP)
            self._writer.join(timeout=10)
            self._writer = None
        for _ in self._readers:
            self._reads.put(_STOP)
        for reader in self._readers:
            reader.join(timeout=10)
        self._readers = []

    def _connect(self) -> sqlite3.Connection:
        target = ":memory:" if self.path is None else str(self.path)
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False, timeout=30)
        conn.row_factory = sqlite3.Row
        if self.path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self.sync == 'full' else 'NORMAL'}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-65536")
        return conn

    # -- writer ----------------------------------------------------------------------------------
    def _run_writer(self) -> None:
        try:
            conn = self._conn = self._connect()
            for ddl in self._schema:
                conn.executescript(ddl)
        except BaseException as exc:  # surfaced to start()
            self._start_error = exc
            self._ready.set()
            return
        self._ready.set()
        while True:
            first = self._tasks.get()
            if first is _STOP:
                break
            batch = [first]
            while len(batch) < MAX_GROUP:
                try:
                    nxt = self._tasks.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._tasks.put(_STOP)
                    break
                batch.append(nxt)
            self._run_group(conn, batch)
        conn.close()

    def _run_group(self, conn: sqlite3.Connection, batch: list) -> None:
        outcomes: list[tuple[Any, Any, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for task in batch:
                fut, fn, args, bare = task
                if bare:  # a read, or a write of one statement (atomic by itself): no savepoint needed
                    try:
                        outcomes.append((fut, fn(conn, *args), None))
                    except BaseException as exc:
                        outcomes.append((fut, None, exc))
                    continue
                conn.execute("SAVEPOINT w")
                try:
                    result = fn(conn, *args)
                    conn.execute("RELEASE w")
                    outcomes.append((fut, result, None))
                except BaseException as exc:
                    conn.execute("ROLLBACK TO w")
                    conn.execute("RELEASE w")
                    outcomes.append((fut, None, exc))
            conn.execute("COMMIT")
            self.commits += 1
            self.writes += len(batch)
        except BaseException as exc:  # the commit itself failed: nothing in the group is durable
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            outcomes = [(task[0], None, exc) for task in batch]
        resolve_all(outcomes)

    # -- public API ------------------------------------------------------------------------------
    async def write(self, fn: Callable[..., Any], *args: Any, single_statement: bool = False) -> Any:
        """Run fn(conn, *args) in the writer thread inside a transaction; returns after COMMIT. With
        single_statement, fn runs one statement at most, which SQLite undoes by itself if it fails: it then
        goes without the savepoint of its own (two statements less, each a GIL hand-off in the writer)."""
        fut = asyncio.get_running_loop().create_future()
        self._tasks.put((fut, fn, args, single_statement))
        return await fut

    async def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run fn(conn, *args) on a reader connection (a consistent WAL snapshot)."""
        fut = asyncio.get_running_loop().create_future()
        if not self._readers:
            self._tasks.put((fut, fn, args, True))
        else:
            self._reads.put((fut, fn, args))
        return await fut

    def _run_reader(self) -> None:
        """A reader thread: its own connection, one read transaction per task. Tasks come through a SimpleQueue
        and results go back with one call_soon_threadsafe, the same hand-off as the writer's: half the cost of
        a ThreadPoolExecutor round trip (its locks, its concurrent Future chained to an asyncio one)."""
        conn = self._connect()
        try:
            while True:
                task = self._reads.get()
                if task is _STOP:
                    return
                fut, fn, args = task
                try:
                    conn.execute("BEGIN")
                    try:
                        outcome = (fut, fn(conn, *args), None)
                    finally:
                        conn.execute("COMMIT")
                except BaseException as exc:  # the caller's to handle
                    outcome = (fut, None, exc)
                resolve_all([outcome])
        finally:
            conn.close()

    def write_sync(self, fn: Callable[..., Any], *args: Any) -> Any:
        """For code outside the event loop (start-up, CLI): blocks until committed."""
        import concurrent.futures

        fut: concurrent.futures.Future = concurrent.futures.Future()
        self._tasks.put((fut, fn, args, False))
        return fut.result()


def resolve_all(outcomes: list[tuple[Any, Any, BaseException | None]]) -> None:
    """Settle (future, result, exception) triples from a worker thread: one wake-up of each event loop for the
    whole list rather than one per future."""
    by_loop: dict[Any, list] = {}
    for fut, result, exc in outcomes:
        if isinstance(fut, asyncio.Future):
            by_loop.setdefault(fut.get_loop(), []).append((fut, result, exc))
        elif exc is None:
            fut.set_result(result)
        else:
            fut.set_exception(exc)
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, settled)
        except RuntimeError:  # the loop was closed meanwhile: nobody is waiting any more
            pass


def _settle(settled: list[tuple[asyncio.Future, Any, BaseException | None]]) -> None:
    for fut, result, exc in settled:
        if exc is None:
            _set_result(fut, result)
        else:
            _set_exception(fut, exc)


def _set_result(fut: asyncio.Future, result: Any) -> None:
    if not fut.done():
        fut.set_result(result)


def _set_exception(fut: asyncio.Future, exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)
