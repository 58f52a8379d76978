"""Long polling: WaitTimeSeconds returns as soon as a message is available (sent, delay ended, visibility
expired), waits the full time when none arrives, the queue's ReceiveMessageWaitTimeSeconds is the default,
and hundreds of concurrent long polls (raw HTTP, one connection each) block neither the server nor each
other."""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from .helpers import signed_headers


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    return result, time.monotonic() - start


def test_long_poll_returns_as_soon_as_a_message_arrives(sqs, queue):
    url, _ = queue
    timer = threading.Timer(0.5, lambda: sqs.send_message(QueueUrl=url, MessageBody="wake up"))
    timer.start()
    try:
        resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=10)
    finally:
        timer.join()
    assert [m["Body"] for m in resp["Messages"]] == ["wake up"]
    assert 0.4 <= elapsed < 2.0, elapsed


def test_long_poll_on_empty_queue_waits_the_full_time(sqs, queue):
    url, _ = queue
    resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=1)
    assert resp.get("Messages", []) == []
    assert 0.9 <= elapsed < 2.5, elapsed


def test_short_poll_returns_immediately(sqs, queue):
    url, _ = queue
    resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=0)
    assert resp.get("Messages", []) == []
    assert elapsed < 1.0, elapsed


def test_queue_receive_message_wait_time_is_the_default(sqs, make_queue):
    url, _ = make_queue(ReceiveMessageWaitTimeSeconds=2)
    resp, elapsed = timed(sqs.receive_message, QueueUrl=url)
    assert resp.get("Messages", []) == []
    assert 1.9 <= elapsed < 4.0, elapsed
    # an explicit WaitTimeSeconds=0 overrides the queue default
    resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=0)
    assert elapsed < 1.0, elapsed


def test_queue_default_long_poll_wakes_on_send(sqs, make_queue):
    url, _ = make_queue(ReceiveMessageWaitTimeSeconds=10)
    timer = threading.Timer(0.3, lambda: sqs.send_message(QueueUrl=url, MessageBody="default wait"))
    timer.start()
    try:
        resp, elapsed = timed(sqs.receive_message, QueueUrl=url)
    finally:
        timer.join()
    assert [m["Body"] for m in resp["Messages"]] == ["default wait"]
    assert elapsed < 2.0, elapsed


def test_long_poll_wakes_when_a_delay_ends(sqs, queue):
    url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=1)
    resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=10)
    assert [m["Body"] for m in resp["Messages"]] == ["delayed"]
    assert 0.7 <= elapsed < 3.0, elapsed


def test_long_poll_wakes_when_visibility_expires(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=1)
    sqs.send_message(QueueUrl=url, MessageBody="again")
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=10)
    assert [m["Body"] for m in resp["Messages"]] == ["again"]
    assert elapsed < 3.0, elapsed


def test_long_poll_wakes_on_batch_send_and_returns_several(sqs, queue):
    url, _ = queue
    timer = threading.Timer(0.3, lambda: sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": f"b{i}"} for i in range(5)]))
    timer.start()
    try:
        resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=10, MaxNumberOfMessages=10)
    finally:
        timer.join()
    assert 1 <= len(resp["Messages"]) <= 5
    assert elapsed < 2.0, elapsed


def _raw_receive(endpoint: str, queue_url: str, wait: int) -> tuple[int, dict, float]:
    """One ReceiveMessage on its own TCP connection, no SDK involved."""
    parsed = urlparse(endpoint)
    body = json.dumps({"QueueUrl": queue_url, "WaitTimeSeconds": wait, "MaxNumberOfMessages": 1}).encode()
    headers = signed_headers(endpoint + "/", body, {"X-Amz-Target": "AmazonSQS.ReceiveMessage",
                                                     "Content-Type": "application/x-amz-json-1.0"})
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=wait + 30)
    start = time.monotonic()
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, json.loads(data or b"{}"), time.monotonic() - start
    finally:
        conn.close()


def test_hundreds_of_concurrent_long_polls_do_not_block_other_queues(sqs, server, make_queue):
    polled_url, _ = make_queue()
    other_url, _ = make_queue()
    pollers = 520
    wait = 4
    with ThreadPoolExecutor(max_workers=pollers) as pool:
        futures = [pool.submit(_raw_receive, server.url, polled_url, wait) for _ in range(pollers)]
        time.sleep(1.0)  # let them all connect and park
        # the server still answers promptly on another queue
        t0 = time.monotonic()
        sqs.send_message(QueueUrl=other_url, MessageBody="unblocked")
        got = sqs.receive_message(QueueUrl=other_url, WaitTimeSeconds=0)
        latency = time.monotonic() - t0
        assert [m["Body"] for m in got["Messages"]] == ["unblocked"]
        assert latency < 1.0, f"send+receive took {latency:.2f}s with {pollers} long polls parked"
        # one message for the parked pollers: exactly one of them gets it, early
        sqs.send_message(QueueUrl=polled_url, MessageBody="for one poller")
        results = [f.result(timeout=wait + 30) for f in futures]
    statuses = {status for status, _, _ in results}
    assert statuses == {200}, statuses
    winners = [(body, elapsed) for _, body, elapsed in results if body.get("Messages")]
    assert len(winners) == 1, len(winners)
    assert winners[0][0]["Messages"][0]["Body"] == "for one poller"
    assert winners[0][1] < wait - 0.5, winners[0][1]
    # everyone else waited (close to) the full time and came back empty
    losers = sorted(elapsed for _, body, elapsed in results if not body.get("Messages"))
    assert len(losers) == pollers - 1
    assert losers[0] >= wait - 1.5, losers[0]
    assert losers[-1] < wait + 5, losers[-1]


def test_ctrl_c_with_parked_long_polls_stops_cleanly(fresh_server):
    """`cloudlet serve` stops cleanly on Ctrl-C (SIGINT) even while clients are parked in 20 s long polls."""
    from conftest import aws_client

    server = fresh_server.start()
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName="parked")["QueueUrl"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        futures = [pool.submit(_raw_receive_or_error, server.url, url, 20) for _ in range(20)]
        time.sleep(1.0)
        start = time.monotonic()
        code = fresh_server.stop()
        elapsed = time.monotonic() - start
        results = [f.result(timeout=30) for f in futures]
    assert code == 0, code
    assert elapsed < 10, f"shutdown took {elapsed:.1f}s with parked long polls"
    # every parked poll was answered or disconnected, none hung for the full 20 s
    assert all(r < 15 for r in results), results


def _raw_receive_or_error(endpoint: str, queue_url: str, wait: int) -> float:
    start = time.monotonic()
    try:
        _raw_receive(endpoint, queue_url, wait)
    except (OSError, ValueError, http.client.HTTPException):
        pass  # a 503 or a closed connection is a fine answer to a poll cut short by shutdown
    return time.monotonic() - start


def test_every_parked_poller_gets_its_own_message(sqs, server, queue):
    """No lost wake-ups: five parked long polls, five sends, five distinct messages handed out promptly."""
    url, _ = queue
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(_raw_receive, server.url, url, 10) for _ in range(5)]
        time.sleep(0.5)
        for i in range(5):
            sqs.send_message(QueueUrl=url, MessageBody=f"for poller {i}")
        results = [f.result(timeout=40) for f in futures]
    bodies = sorted(r[1]["Messages"][0]["Body"] for r in results if r[1].get("Messages"))
    assert bodies == [f"for poller {i}" for i in range(5)]
    assert max(r[2] for r in results) < 4.0, [round(r[2], 2) for r in results]


def test_fifo_long_poll_wakes_when_the_group_is_unlocked_by_a_delete(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=30)
    for body in ("a1", "a2"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="A", MessageDeduplicationId=body)
    head = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert head["Body"] == "a1"
    timer = threading.Timer(0.5, lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=head["ReceiptHandle"]))
    timer.start()
    try:
        resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=10)
    finally:
        timer.join()
    assert [m["Body"] for m in resp["Messages"]] == ["a2"]
    assert elapsed < 3.0, elapsed


def test_fifo_long_poll_wakes_when_the_head_becomes_visible_again(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=1)
    for body in ("h1", "h2"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="H", MessageDeduplicationId=body)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "h1"
    resp, elapsed = timed(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=10, MaxNumberOfMessages=1)
    assert [m["Body"] for m in resp["Messages"]] == ["h1"]
    assert elapsed < 3.0, elapsed
