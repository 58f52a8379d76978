"""The analysis process slots: a crashed or hung process fails its own job only, and the slot recovers."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from cloudlet.jobs.pool import ProcessSlots, WorkerCrashed, WorkerTimeout


def _crash() -> None:
    os._exit(3)


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_crash_fails_its_job_and_the_slot_gets_a_new_process():
    async def run() -> None:
        pool = ProcessSlots(2)
        try:
            other = asyncio.ensure_future(pool.run(1, 60, _sleep, 1.0))
            with pytest.raises(WorkerCrashed):
                await pool.run(0, 60, _crash)
            assert await pool.run(0, 60, _sleep, 0.0) == 0.0  # the slot works again
            assert await other == 1.0  # the other slot never noticed
        finally:
            pool.close()

    asyncio.run(run())


def test_a_hung_job_times_out_and_its_process_is_killed():
    async def run() -> None:
        pool = ProcessSlots(1)
        try:
            await pool.run(0, 60, _sleep, 0.0)  # warm the process up so the timeout measures the job
            started = time.monotonic()
            with pytest.raises(WorkerTimeout):
                await pool.run(0, 1.0, _sleep, 30.0)
            assert time.monotonic() - started < 10
            assert await pool.run(0, 60, _sleep, 0.0) == 0.0
        finally:
            pool.close()

    asyncio.run(run())
