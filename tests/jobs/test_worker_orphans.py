"""Analysis processes end with the server: a SIGKILLed server cannot stop them, so they watch their parent."""

import os
import signal
import subprocess
import sys
import time

SCRIPT = r"""
import asyncio, os, sys
from cloudlet.jobs.pool import ProcessSlots

async def main():
    slots = ProcessSlots(1)
    pid = await slots.run(0, 30, os.getpid)
    print(pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is gone for our purpose
        return f.read().split()[2] != "Z"


def test_worker_process_exits_when_the_server_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert worker != parent.pid and _alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.time() + 10
        while _alive(worker) and time.time() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the analysis process outlived the killed server"
    finally:
        if parent.poll() is None:
            parent.kill()
