"""Acknowledged means durable: clients send (single and batch) while the server is SIGKILLed and restarted;
every acknowledged message is received afterwards, none is lost, nothing unknown appears, a deleted message
is not resurrected; queue state (attributes, tags, redrive, FIFO deduplication and sequence) survives both
kill -9 and a clean restart."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

from conftest import aws_client

from .helpers import drain, queue_arn, receive_all, unique


def _client(url):
    return aws_client("sqs", url, connect_timeout=1, read_timeout=5)


class Sender(threading.Thread):
    """Sends `count` distinct bodies, each retried until acknowledged; records attempts and acks."""

    def __init__(self, url: str, queue_url: str, prefix: str, count: int, batch: bool) -> None:
        super().__init__(daemon=True)
        self.client = _client(url)
        self.queue_url = queue_url
        self.bodies = [f"{prefix}-{i}" for i in range(count)]
        self.batch = batch
        self.acked: dict[str, str] = {}  # body -> MessageId
        self.attempts: Counter = Counter()
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        step = 10 if self.batch else 1
        i = 0
        while i < len(self.bodies) and not self.stop.is_set():
            chunk = self.bodies[i:i + step]
            for body in chunk:
                self.attempts[body] += 1
            try:
                if self.batch:
                    resp = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=[
                        {"Id": str(n), "MessageBody": body} for n, body in enumerate(chunk)])
                    for entry in resp.get("Successful", []):
                        self.acked[chunk[int(entry["Id"])]] = entry["MessageId"]
                    if resp.get("Failed"):
                        raise RuntimeError(resp["Failed"])
                else:
                    self.acked[chunk[0]] = self.client.send_message(QueueUrl=self.queue_url,
                                                                    MessageBody=chunk[0])["MessageId"]
                i += step
            except Exception:  # connection refused/reset while the server is down: retry the same chunk
                self.failures += 1
                time.sleep(0.02)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_acknowledged_messages_survive_sigkill(fresh_server):
    server = fresh_server.start()
    sqs = _client(server.url)
    url = sqs.create_queue(QueueName=unique("crash"), Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    single = Sender(server.url, url, "single", 200, batch=False)
    batch = Sender(server.url, url, "batch", 400, batch=True)
    single.start()
    batch.start()

    # some acknowledged deletes before the first crash: they must stay deleted
    wait_for(lambda: len(single.acked) + len(batch.acked) >= 30, 30, "first acknowledgements")
    deleted: set[str] = set()
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
    if msgs:
        resp = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(msgs)])
        deleted |= {msgs[int(e["Id"])]["Body"] for e in resp.get("Successful", [])}
    assert deleted, "no message could be received and deleted before the crash"

    for threshold in (60, 180):
        wait_for(lambda: len(single.acked) + len(batch.acked) >= threshold, 60, f"{threshold} acknowledgements")
        fresh_server.kill()
        time.sleep(0.2)
        fresh_server.start()
    single.join(60)
    batch.join(60)
    assert not single.is_alive() and not batch.is_alive(), "senders did not finish after the restarts"
    assert single.failures + batch.failures > 0, "the crash did not interrupt the senders; the test proved nothing"

    fresh_server.kill()  # one more crash with everything acknowledged and idle
    fresh_server.start()
    sqs = _client(server.url)
    received = drain(sqs, url, timeout=60, VisibilityTimeout=60)
    bodies = Counter(m["Body"] for m in received)
    acked = {**single.acked, **batch.acked}
    assert len(acked) == 600
    expected = set(acked) - deleted
    missing = expected - set(bodies)
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:5]}"
    resurrected = deleted & set(bodies)
    assert not resurrected, f"deleted messages came back: {sorted(resurrected)[:5]}"
    unknown = set(bodies) - set(acked)
    assert not unknown, f"messages nobody sent: {sorted(unknown)[:5]}"
    # a body sent once and acknowledged at the first attempt is delivered exactly once
    attempts = single.attempts + batch.attempts
    duplicated = [b for b, n in bodies.items() if n > 1 and attempts[b] == 1]
    assert not duplicated, f"delivered twice although sent once: {duplicated[:5]}"
    # message ids survive too
    ids = {m["Body"]: m["MessageId"] for m in received}
    wrong_ids = [b for b in expected if attempts[b] == 1 and ids[b] != acked[b]]
    assert not wrong_ids, wrong_ids[:5]


def test_deletes_are_durable_across_sigkill(fresh_server):
    server = fresh_server.start()
    sqs = _client(server.url)
    url = sqs.create_queue(QueueName=unique("del"), Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    for start in range(0, 50, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{start + i}"}
                                                      for i in range(10)])
    deleted = {m["Body"] for m in drain(sqs, url, timeout=20, idle_rounds=1)}
    assert len(deleted) == 50
    sqs.send_message(QueueUrl=url, MessageBody="survivor")
    fresh_server.kill()
    fresh_server.start()
    time.sleep(1.1)  # past the visibility timeout of anything received before the crash
    sqs = _client(server.url)
    got = receive_all(sqs, url, 1, VisibilityTimeout=30)
    assert [m["Body"] for m in got] == ["survivor"]
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []) == []


def _queue_state(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return {k: v for k, v in attrs.items() if not k.startswith("Approximate")}


def _restart_keeps_state(fresh_server, restart):
    server = fresh_server.start()
    sqs = _client(server.url)
    dlq_name = unique("dlq")
    dlq_url = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    src_name = unique("src")
    src_url = sqs.create_queue(QueueName=src_name, Attributes={
        "VisibilityTimeout": "7", "DelaySeconds": "0", "MaximumMessageSize": "4096",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 4})},
        tags={"team": "core"})["QueueUrl"]
    fifo_url = sqs.create_queue(QueueName=unique("ord") + ".fifo",
                                Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    gone_url = sqs.create_queue(QueueName=unique("gone"))["QueueUrl"]
    sqs.delete_queue(QueueUrl=gone_url)
    sent = sqs.send_message(QueueUrl=src_url, MessageBody="kept", MessageAttributes={
        "k": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    in_flight = sqs.send_message(QueueUrl=src_url, MessageBody="in flight")
    got = receive_all(sqs, src_url, 2, VisibilityTimeout=1)
    assert sorted(m["Body"] for m in got) == ["in flight", "kept"]
    time.sleep(1.1)  # visible again, with one receive counted
    fifo_first = sqs.send_message(QueueUrl=fifo_url, MessageBody="order-1", MessageGroupId="g")
    state_before = {u: _queue_state(sqs, u) for u in (src_url, dlq_url, fifo_url)}

    restart()

    sqs = _client(server.url)
    assert sqs.get_queue_url(QueueName=src_name)["QueueUrl"] == src_url
    for u, state in state_before.items():
        assert _queue_state(sqs, u) == state
    assert sqs.list_queue_tags(QueueUrl=src_url)["Tags"] == {"team": "core"}
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [src_url]
    assert sqs.list_queues(QueueNamePrefix=gone_url.rsplit("/", 1)[1]).get("QueueUrls", []) == []
    # FIFO deduplication window and sequence numbers survive
    dup = sqs.send_message(QueueUrl=fifo_url, MessageBody="order-1", MessageGroupId="g")
    assert dup["MessageId"] == fifo_first["MessageId"]
    second = sqs.send_message(QueueUrl=fifo_url, MessageBody="order-2", MessageGroupId="g")
    assert int(second["SequenceNumber"]) > int(fifo_first["SequenceNumber"])
    # messages, their ids, attributes and receive counts survive
    msgs = receive_all(sqs, src_url, 2, MessageAttributeNames=["All"], AttributeNames=["All"], VisibilityTimeout=30)
    by_body = {m["Body"]: m for m in msgs}
    assert set(by_body) == {"kept", "in flight"}
    assert by_body["kept"]["MessageId"] == sent["MessageId"]
    assert by_body["in flight"]["MessageId"] == in_flight["MessageId"]
    assert by_body["kept"]["MessageAttributes"] == {"k": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    assert by_body["kept"]["Attributes"]["ApproximateReceiveCount"] == "2"
    fifo_msgs = drain(sqs, fifo_url, timeout=10, idle_rounds=1)
    assert [m["Body"] for m in fifo_msgs] == ["order-1", "order-2"]


def test_state_survives_clean_restart(fresh_server):
    def restart():
        assert fresh_server.stop() == 0
        fresh_server.start()
    _restart_keeps_state(fresh_server, restart)


def test_state_survives_sigkill(fresh_server):
    def restart():
        fresh_server.kill()
        fresh_server.start()
    _restart_keeps_state(fresh_server, restart)


def test_in_memory_mode_serves_queues(tmp_path):
    """--in-memory is the explicit opt-out of durability; it must still speak SQS."""
    from conftest import ServerProcess

    proc = ServerProcess(tmp_path / "mem", in_memory=True).start()
    try:
        sqs = _client(proc.url)
        url = sqs.create_queue(QueueName=unique("mem"))["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="volatile")
        assert [m["Body"] for m in drain(sqs, url, timeout=5)] == ["volatile"]
    finally:
        proc.kill()



def test_visibility_changes_are_durable(fresh_server):
    server = fresh_server.start()
    sqs = _client(server.url)
    url = sqs.create_queue(QueueName=unique("vis"), Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hidden for a while")
    msg = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=120)
    fresh_server.kill()
    fresh_server.start()
    time.sleep(1.2)  # past the queue's 1 s default: only the acknowledged change keeps it hidden
    sqs = _client(server.url)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
        "Attributes"] == {"ApproximateNumberOfMessagesNotVisible": "1"}
    # and the receipt handle from before the crash still works
    sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
        "Attributes"] == {"ApproximateNumberOfMessagesNotVisible": "0"}
