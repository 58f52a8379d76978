"""A bounded pool of analysis processes. Each slot is its own one-process executor, so a job that crashes
its process (a segfault in a decoder, the OOM killer) fails alone: the slot gets a fresh process and the
other slots keep running. Processes are spawned, never forked from the threaded server, and keep their
loaded models between jobs."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable


def exit_with_parent(parent: int) -> None:
    """In a worker process: end when the server is gone (a SIGKILLed server cannot stop its workers)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class WorkerCrashed(Exception):
    pass


class WorkerTimeout(Exception):
    pass


class _Slot:
    def __init__(self) -> None:
        self.executor: ProcessPoolExecutor | None = None

    def ensure(self) -> ProcessPoolExecutor:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=exit_with_parent, initargs=(os.getpid(),))
        return self.executor

    def discard(self, kill: bool) -> None:
        executor, self.executor = self.executor, None
        if executor is None:
            return
        if kill:
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)


class ProcessSlots:
    """`size` slots; `run(slot, fn, *args)` runs fn in that slot's process without blocking the loop."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.slots = [_Slot() for _ in range(size)]

    async def run(self, index: int, timeout: float, fn: Callable[..., Any], *args: Any) -> Any:
        slot = self.slots[index]
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(slot.ensure(), fn, *args)
            return await asyncio.wait_for(future, timeout)
        except BrokenProcessPool:
            slot.discard(kill=True)
            raise WorkerCrashed("The analysis worker process ended unexpectedly.") from None
        except asyncio.TimeoutError:
            slot.discard(kill=True)
            raise WorkerTimeout(f"The analysis did not finish within {timeout:g} seconds.") from None
        except asyncio.CancelledError:
            slot.discard(kill=True)
            raise

    def close(self) -> None:
        """At shutdown (running jobs were cancelled and their processes killed): idle processes exit cleanly."""
        for slot in self.slots:
            executor, slot.executor = slot.executor, None
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
