"""cloudlet.workers against a live Cloudlet server over a real socket, through boto3.

WORKERS_TEST_ENDPOINT=http://127.0.0.1:5000 runs the same tests against another SQS (moto's server, say),
to check that they hold for more than Cloudlet; the two tests that kill and restart a server always use Cloudlet.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager

import pytest

from cloudlet.workers import WorkerPool

from conftest import ROOT, aws_client, free_port


@pytest.fixture
def endpoint(request) -> str:
    return os.environ.get("WORKERS_TEST_ENDPOINT") or request.getfixturevalue("server").url


@pytest.fixture
def client(endpoint):
    return aws_client("sqs", endpoint)


def make_queue(client, **attributes) -> str:
    name = f"workers-{uuid.uuid4().hex[:12]}"
    return client.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]


def send(client, url: str, count: int) -> list[str]:
    bodies = [f"message-{i}" for i in range(count)]
    for start in range(0, count, 10):
        reply = client.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start:start + 10])])
        assert not reply.get("Failed"), reply
    return bodies


def depth(client, url: str) -> tuple[int, int]:
    """(visible, in flight) as the queue reports them."""
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def wait_until(condition, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@contextmanager
def running(pool: WorkerPool, stop_within: float = 5.0):
    """Run the pool in a thread; on exit stop it and insist that run() returns promptly."""
    thread = threading.Thread(target=pool.run, kwargs={"handle_signals": False}, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        pool.stop()
        thread.join(stop_within)
        assert not thread.is_alive(), "run() did not return after stop()"


class CountingClient:
    """A boto3 client that counts its ReceiveMessage calls."""

    def __init__(self, client) -> None:
        self.client, self.receives = client, 0

    def receive_message(self, **kwargs):
        self.receives += 1
        return self.client.receive_message(**kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_every_message_is_handled_exactly_once(client):
    url = make_queue(client)
    bodies = send(client, url, 35)
    seen: list[str] = []
    lock = threading.Lock()

    def handler(message):
        with lock:
            seen.append(message["Body"])

    pool = WorkerPool(client, url, handler, workers=4, wait_time=1)
    with running(pool):
        assert wait_until(lambda: pool.counters.processed == 35)
    assert sorted(seen) == sorted(bodies)
    assert (pool.counters.received, pool.counters.failed) == (35, 0)
    assert depth(client, url) == (0, 0)


def test_concurrency_never_exceeds_the_number_of_workers(client):
    url = make_queue(client)
    send(client, url, 24)
    lock = threading.Lock()
    active = peak = 0

    def handler(message):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.1)
        with lock:
            active -= 1

    pool = WorkerPool(client, url, handler, workers=3, wait_time=1)
    with running(pool):
        assert wait_until(lambda: pool.counters.processed == 24)
    assert peak == 3


def test_holds_no_more_messages_than_workers_however_deep_the_queue(client):
    url = make_queue(client)
    send(client, url, 40)
    gate = threading.Event()
    started = []

    def handler(message):
        started.append(message["Body"])
        gate.wait(10)

    pool = WorkerPool(client, url, handler, workers=3, wait_time=1)
    with running(pool):
        try:
            assert wait_until(lambda: len(started) == 3)
            time.sleep(0.5)  # room for an over-eager receiver to fetch more
            assert depth(client, url) == (37, 3)
            assert len(started) == 3
        finally:
            gate.set()
        assert wait_until(lambda: pool.counters.processed == 40)
    assert depth(client, url) == (0, 0)


def test_async_handlers_share_one_loop_and_stay_bounded(client):
    url = make_queue(client)
    bodies = send(client, url, 20)
    seen, loops = [], set()
    active = peak = 0

    async def handler(message):
        nonlocal active, peak
        loops.add(id(asyncio.get_running_loop()))
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.1)
        active -= 1
        seen.append(message["Body"])

    pool = WorkerPool(client, url, handler, workers=4, wait_time=1)
    with running(pool):
        assert wait_until(lambda: pool.counters.processed == 20)
    assert sorted(seen) == sorted(bodies)
    assert peak == 4 and len(loops) == 1


def test_fifo_group_is_handled_in_order_even_after_a_failure(client):
    url = client.create_queue(QueueName=f"workers-{uuid.uuid4().hex[:12]}.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    bodies = [f"message-{i}" for i in range(12)]
    for start in range(0, 12, 6):  # two sends, so that a receive can split the group anywhere
        client.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": b, "MessageGroupId": "g"} for i, b in enumerate(bodies[start:start + 6])])
    handled, failures = [], []

    def handler(message):
        if message["Body"] == "message-3" and not failures:
            failures.append(message["Body"])
            raise RuntimeError("once")
        time.sleep(0.01)
        handled.append(message["Body"])

    pool = WorkerPool(client, url, handler, workers=5, wait_time=1, retry_delay=0)
    with running(pool):
        assert wait_until(lambda: pool.counters.processed == 12)
    assert failures == ["message-3"]
    assert handled == bodies  # in order, each once: nothing after message-3 ran before its retry


def test_slow_handler_keeps_its_message_invisible(client, endpoint):
    url = make_queue(client)
    send(client, url, 1)
    calls = []

    def handler(message):
        calls.append(message["MessageId"])
        time.sleep(5)  # two and a half visibility timeouts

    pool = WorkerPool(client, url, handler, workers=2, visibility_timeout=2, wait_time=1)
    rival = aws_client("sqs", endpoint)
    with running(pool, stop_within=10):
        assert wait_until(lambda: calls)
        stolen = []
        while pool.counters.processed == 0 and not stolen:  # another consumer must never see it meanwhile
            stolen += rival.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=1).get("Messages", [])
    assert stolen == []
    assert len(calls) == 1
    assert pool.counters.processed == 1
    assert pool.counters.extended >= 2
    assert depth(client, url) == (0, 0)


def test_failing_message_reaches_the_dead_letter_queue(client):
    dead = make_queue(client)
    dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = make_queue(client, RedrivePolicy=json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "2"}))
    send(client, url, 1)
    attempts = []

    def handler(message):
        attempts.append(message["Attributes"]["ApproximateReceiveCount"])
        raise RuntimeError("poison")

    # a 30 s visibility timeout: only retry_delay=0 makes the retries fast enough for this test
    pool = WorkerPool(client, url, handler, workers=2, visibility_timeout=30, wait_time=1, retry_delay=0)
    with running(pool):
        assert wait_until(lambda: depth(client, dead) == (1, 0), interval=0.2)
        time.sleep(0.5)
    assert attempts == ["1", "2"]
    assert pool.counters.failed == 2 and pool.counters.processed == 0
    assert depth(client, url) == (0, 0)
    moved = client.receive_message(QueueUrl=dead)["Messages"]
    assert [m["Body"] for m in moved] == ["message-0"]


def test_stop_finishes_the_messages_in_hand(client):
    url = make_queue(client)
    send(client, url, 10)
    started, finished = [], []

    def handler(message):
        started.append(message["Body"])
        time.sleep(1)
        finished.append(message["Body"])

    pool = WorkerPool(client, url, handler, workers=3, wait_time=1)
    with running(pool):
        assert wait_until(lambda: len(started) == 3)
        stopped_at = time.monotonic()
    assert time.monotonic() - stopped_at < 2.5
    assert sorted(finished) == sorted(started)
    assert pool.counters.processed == 3
    assert depth(client, url) == (7, 0)  # the three deleted, nothing left in flight


def test_stop_abandons_a_long_poll_and_gives_back_what_it_brings(client):
    url = make_queue(client, VisibilityTimeout=30)
    calls = []
    pool = WorkerPool(client, url, calls.append, workers=1, wait_time=3)
    thread = threading.Thread(target=pool.run, kwargs={"handle_signals": False}, daemon=True)
    thread.start()
    time.sleep(0.5)  # the receiver is now waiting in a long poll on the empty queue
    stopped_at = time.monotonic()
    pool.stop()
    thread.join(2)
    assert not thread.is_alive() and time.monotonic() - stopped_at < 1.0
    send(client, url, 1)  # the abandoned poll receives it, and must hand it straight back
    time.sleep(0.5)  # so that the poll below cannot win the race for it
    got = client.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in got] == ["message-0"]
    assert calls == [] and pool.counters.received == 0


POOL_SCRIPT = """
import json, sys, time
sys.path.insert(0, {tests!r})
from conftest import aws_client
from cloudlet.workers import WorkerPool

log = open({log!r}, "a", buffering=1)

def handler(message):
    log.write("start " + message["Body"] + "\\n")
    time.sleep(1)
    log.write("end " + message["Body"] + "\\n")

counters = WorkerPool(aws_client("sqs", {endpoint!r}), {url!r}, handler, workers=2, wait_time=1).run()
print(json.dumps(counters.__dict__))
"""


def test_sigterm_finishes_the_messages_in_hand(client, endpoint, tmp_path):
    url = make_queue(client)
    send(client, url, 10)
    log = tmp_path / "handled.log"
    log.touch()
    script = POOL_SCRIPT.format(tests=str(ROOT / "tests"), log=str(log), endpoint=endpoint, url=url)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: log.read_text().count("start") >= 2, timeout=15)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0
    lines = log.read_text().split()
    started = [b for kind, b in zip(lines[::2], lines[1::2]) if kind == "start"]
    finished = [b for kind, b in zip(lines[::2], lines[1::2]) if kind == "end"]
    assert sorted(started) == sorted(finished)
    counters = json.loads(out)
    assert counters["processed"] == len(finished) >= 2
    assert depth(client, url) == (10 - len(finished), 0)


def unretried_client(endpoint: str):
    """A client that makes exactly one attempt per call, so that the pool's own back-off is what is measured."""
    import boto3
    from botocore.config import Config

    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                        aws_secret_access_key="secret",
                        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=25))


def test_backs_off_and_keeps_running_when_the_endpoint_is_unreachable():
    closed = unretried_client(f"http://127.0.0.1:{free_port()}")
    counting = CountingClient(closed)
    pool = WorkerPool(counting, "http://127.0.0.1:1/000000000000/nowhere", lambda m: None, wait_time=1,
                      max_backoff=0.5)
    with running(pool, stop_within=1.0) as thread:
        time.sleep(2)
        assert thread.is_alive()
    # run() does not wait for a receive still in flight at stop(): let the last refused call be counted
    assert wait_until(lambda: pool.counters.receive_errors == counting.receives, timeout=3)
    # refused connections fail in about a millisecond: without back-off this would be hundreds of calls
    assert 3 <= pool.counters.receive_errors <= 40


def test_backs_off_when_the_queue_is_empty_and_still_sees_new_messages(client):
    url = make_queue(client)
    counting = CountingClient(client)
    pool = WorkerPool(counting, url, lambda m: None, wait_time=0, max_backoff=1.0)
    with running(pool):
        time.sleep(1.5)
        assert 2 <= counting.receives <= 25  # short polls of an empty queue, spaced out
        send(client, url, 1)
        assert wait_until(lambda: pool.counters.processed == 1, timeout=3)


def test_recovers_when_the_server_comes_back(fresh_server):
    fresh_server.start()
    client = unretried_client(fresh_server.url)
    url = make_queue(client)
    bodies = send(client, url, 5)
    fresh_server.kill()
    seen = []
    pool = WorkerPool(client, url, lambda m: seen.append(m["Body"]), workers=2, wait_time=1, max_backoff=0.5)
    with running(pool):
        assert wait_until(lambda: pool.counters.receive_errors >= 2)
        fresh_server.start()
        assert wait_until(lambda: pool.counters.processed == 5, timeout=15)
    assert sorted(seen) == sorted(bodies)


def test_stop_returns_when_finished_messages_cannot_be_deleted(fresh_server):
    fresh_server.start()
    client = unretried_client(fresh_server.url)
    url = make_queue(client)
    bodies = send(client, url, 2)
    gate, started = threading.Event(), []

    def handler(message):
        started.append(message["Body"])
        gate.wait(10)

    pool = WorkerPool(client, url, handler, workers=2, visibility_timeout=2, wait_time=1, max_backoff=0.5)
    with running(pool):
        try:
            assert wait_until(lambda: len(started) == 2)
            fresh_server.kill()  # the handlers succeed, but their deletes cannot reach the queue
        finally:
            gate.set()
    assert pool.counters.processed == 0 and pool.counters.failed == 0
    fresh_server.start()  # nothing was lost: both come back once their visibility runs out
    again: list[str] = []
    deadline = time.monotonic() + 8
    while len(again) < 2 and time.monotonic() < deadline:
        reply = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        again += [m["Body"] for m in reply.get("Messages", [])]
    assert sorted(again) == bodies
