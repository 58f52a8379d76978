"""FIFO queues: ordering within a message group, a group locked while one of its messages is in flight,
other groups still deliverable, deduplication (explicit id and content-based, 5-minute window, answered with
the original MessageId, even after delete), SequenceNumber, ReceiveRequestAttemptId, and the validation of
FIFO-only parameters and the high-throughput attributes."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest

from .helpers import attributes, expect_common, expect_modeled, unique


def send(sqs, url, body, group="g", dedup=None, **kwargs):
    return sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                            MessageDeduplicationId=dedup or body, **kwargs)


def bodies(msgs):
    return [m["Body"] for m in msgs]


def test_create_fifo_queue_requires_fifo_suffix(sqs):
    expect_common(sqs.create_queue, "InvalidParameterValue", QueueName=unique("nosuffix"),
                  Attributes={"FifoQueue": "true"})


def test_fifo_suffix_requires_fifo_queue_attribute(sqs):
    expect_common(sqs.create_queue, "InvalidParameterValue", QueueName=unique("suffix") + ".fifo")


def test_fifo_name_may_be_80_characters_including_suffix(sqs):
    stem = (uuid.uuid4().hex * 3)[:75]
    name = stem + ".fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert url.endswith("/" + name)
    sqs.delete_queue(QueueUrl=url)
    expect_common(sqs.create_queue, "InvalidParameterValue", QueueName=stem + "f.fifo",
                  Attributes={"FifoQueue": "true"})


def test_order_within_a_group(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=30)
    sent = [f"m{i:02d}" for i in range(12)]
    for body in sent:
        send(sqs, url, body)
    got = []
    deadline = time.time() + 10
    while len(got) < len(sent) and time.time() < deadline:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        got.extend(msgs)
        if msgs:
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
    assert bodies(got) == sent


def test_group_is_locked_while_a_message_is_in_flight(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=30)
    send(sqs, url, "a1", group="A")
    send(sqs, url, "a2", group="A")
    send(sqs, url, "b1", group="B")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert bodies(first) == ["a1"]
    # A is locked by a1: the next receive may only hand out B's head
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert bodies(second) == ["b1"]
    # both groups locked now
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    third = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert bodies(third) == ["a2"]


def test_expired_visibility_redelivers_the_head_of_the_group_not_the_next(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=1)
    send(sqs, url, "first")
    send(sqs, url, "second")
    assert bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]) == ["first"]
    time.sleep(1.3)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"]
    assert bodies(again) == ["first"]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"


def test_receive_returns_several_messages_of_one_group_in_order(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=30)
    for i in range(3):
        send(sqs, url, f"x{i}")
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert 1 <= len(msgs) <= 3
    assert bodies(msgs) == [f"x{i}" for i in range(len(msgs))]


def test_explicit_deduplication_returns_the_original_message_id(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    first = send(sqs, url, "one", dedup="same-id")
    dup = send(sqs, url, "different body, same dedup id", dedup="same-id")
    assert dup["MessageId"] == first["MessageId"]
    other = send(sqs, url, "two", dedup="other-id")
    assert other["MessageId"] != first["MessageId"]
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert bodies(msgs) == ["one", "two"]


def test_content_based_deduplication(sqs, make_queue):
    url, _ = make_queue(fifo=True, ContentBasedDeduplication="true")
    first = sqs.send_message(QueueUrl=url, MessageBody="payload", MessageGroupId="g")
    dup = sqs.send_message(QueueUrl=url, MessageBody="payload", MessageGroupId="g")
    assert dup["MessageId"] == first["MessageId"]
    # attributes are not part of the content hash
    dup2 = sqs.send_message(QueueUrl=url, MessageBody="payload", MessageGroupId="g",
                            MessageAttributes={"a": {"DataType": "String", "StringValue": "b"}})
    assert dup2["MessageId"] == first["MessageId"]
    other = sqs.send_message(QueueUrl=url, MessageBody="payload 2", MessageGroupId="g")
    assert other["MessageId"] != first["MessageId"]
    # an explicit id equal to the generated SHA-256 is a duplicate too
    explicit = sqs.send_message(QueueUrl=url, MessageBody="anything", MessageGroupId="g",
                                MessageDeduplicationId=hashlib.sha256(b"payload").hexdigest())
    assert explicit["MessageId"] == first["MessageId"]
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                               AttributeNames=["MessageDeduplicationId"])["Messages"]
    assert bodies(msgs) == ["payload", "payload 2"]
    assert msgs[0]["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"payload").hexdigest()


def test_deleted_message_still_deduplicates_within_the_window(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    first = send(sqs, url, "once", dedup="d-1")
    msg = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    again = send(sqs, url, "once", dedup="d-1")
    assert again["MessageId"] == first["MessageId"]
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []


def test_batch_deduplication(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    first = send(sqs, url, "x", dedup="batch-dup")
    resp = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "dup", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "batch-dup"},
        {"Id": "new", "MessageBody": "y", "MessageGroupId": "g", "MessageDeduplicationId": "batch-new"},
    ])
    by_id = {e["Id"]: e for e in resp["Successful"]}
    assert by_id["dup"]["MessageId"] == first["MessageId"]
    assert by_id["new"]["MessageId"] != first["MessageId"]
    assert by_id["new"]["SequenceNumber"].isdigit()


def test_sequence_numbers_increase(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    seqs = [send(sqs, url, f"s{i}")["SequenceNumber"] for i in range(5)]  # one group: numbers increase
    assert all(s.isdigit() for s in seqs), seqs
    numbers = [int(s) for s in seqs]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                               MessageSystemAttributeNames=["SequenceNumber"])["Messages"]
    for m in msgs:
        assert m["Attributes"]["SequenceNumber"] == seqs[int(m["Body"][1:])]


def test_fifo_system_attributes(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    sent = send(sqs, url, "body-1", group="group-1", dedup="dedup-1")
    msg = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=1)["Messages"][0]
    attrs = msg["Attributes"]
    assert set(attrs) == {"ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "MessageDeduplicationId",
                          "MessageGroupId", "SenderId", "SentTimestamp", "SequenceNumber"}
    assert (attrs["MessageGroupId"], attrs["MessageDeduplicationId"], attrs["SequenceNumber"]) == (
        "group-1", "dedup-1", sent["SequenceNumber"])


def test_receive_request_attempt_id_returns_the_same_messages_and_handles(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=30)
    for i in range(3):
        send(sqs, url, f"r{i}")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1")["Messages"]
    retry = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1")["Messages"]
    assert [m["MessageId"] for m in retry] == [m["MessageId"] for m in first]
    assert [m["ReceiptHandle"] for m in retry] == [m["ReceiptHandle"] for m in first]
    # the handles work
    for m in retry:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_send_without_message_group_id_is_missing_parameter(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    expect_common(sqs.send_message, "MissingParameter", QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")


def test_send_without_dedup_id_or_content_based_dedup(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "0"}


def test_per_message_delay_is_rejected_on_fifo(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x", MessageGroupId="g",
                  MessageDeduplicationId="d", DelaySeconds=2)


def test_fifo_queue_delay_applies(sqs, make_queue):
    url, _ = make_queue(fifo=True, DelaySeconds=1)
    send(sqs, url, "late")
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    time.sleep(1.3)
    assert bodies(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]) == ["late"]


def test_deduplication_id_too_long_is_invalid(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x", MessageGroupId="g",
                  MessageDeduplicationId="d" * 129)
    send(sqs, url, "ok", dedup="d" * 128)


def test_high_throughput_attributes(sqs, make_queue):
    url, _ = make_queue(fifo=True, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    assert attributes(sqs, url, "DeduplicationScope", "FifoThroughputLimit") == {
        "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoThroughputLimit": "perQueue",
                                                       "DeduplicationScope": "queue"})
    assert attributes(sqs, url, "DeduplicationScope", "FifoThroughputLimit") == {
        "DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"}


def test_message_group_deduplication_scope(sqs, make_queue):
    url, _ = make_queue(fifo=True, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    a = send(sqs, url, "x", group="A", dedup="same")
    b = send(sqs, url, "x", group="B", dedup="same")
    assert a["MessageId"] != b["MessageId"]
    assert send(sqs, url, "x", group="A", dedup="same")["MessageId"] == a["MessageId"]


@pytest.mark.parametrize("attrs", [
    {"DeduplicationScope": "everything"},
    {"FifoThroughputLimit": "unlimited"},
])
def test_invalid_high_throughput_values(sqs, attrs):
    name = unique("fifo") + ".fifo"
    expect_modeled(sqs, "InvalidAttributeValue", sqs.create_queue, QueueName=name,
                   Attributes={"FifoQueue": "true", **attrs})
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name)


@pytest.mark.parametrize("attr, value", [("DeduplicationScope", "queue"), ("FifoThroughputLimit", "perQueue")])
def test_high_throughput_attributes_on_standard_queue_are_rejected(sqs, attr, value):
    name = unique()
    expect_modeled(sqs, "InvalidAttributeName", sqs.create_queue, QueueName=name, Attributes={attr: value})
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name)


def test_turning_a_fifo_queue_into_standard_is_rejected(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    expect_modeled(sqs, "InvalidAttributeValue", sqs.set_queue_attributes, QueueUrl=url,
                   Attributes={"FifoQueue": "false"})


def test_batch_without_message_group_id_fails_as_a_whole(sqs, make_queue):
    """Real SQS rejects the whole batch with InvalidParameterValue (not MissingParameter), per LocalStack's
    AWS-recorded snapshot."""
    url, _ = make_queue(fifo=True)
    expect_common(sqs.send_message_batch, "InvalidParameterValue", QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "nogroup", "MessageBody": "y", "MessageDeduplicationId": "2"}])
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "0"}


def test_batch_without_deduplication_id_fails_as_a_whole(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    expect_common(sqs.send_message_batch, "InvalidParameterValue", QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "nodedup", "MessageBody": "y", "MessageGroupId": "g"}])
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "0"}


def test_delete_with_expired_receipt_handle_on_fifo(sqs, make_queue):
    """FIFO: a receipt handle whose visibility timeout expired no longer deletes (AWS: InvalidParameterValue,
    'The receipt handle has expired.', per LocalStack's AWS-recorded snapshot)."""
    url, _ = make_queue(fifo=True, VisibilityTimeout=1)
    send(sqs, url, "g1-m1")
    msg = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    time.sleep(1.3)
    expect_common(sqs.delete_message, "InvalidParameterValue", QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert bodies(again) == ["g1-m1"]


def test_concurrent_consumers_keep_each_group_in_order_and_exclusive(server, make_queue):
    import threading

    from conftest import aws_client

    url, _ = make_queue(fifo=True, VisibilityTimeout=30)
    client = aws_client("sqs", server.url)
    for i in range(10):
        client.send_message_batch(QueueUrl=url, Entries=[
            {"Id": g, "MessageBody": f"{g}-{i:02d}", "MessageGroupId": g, "MessageDeduplicationId": f"{g}-{i}"}
            for g in ("A", "B", "C")])
    in_flight: dict[str, int] = {"A": 0, "B": 0, "C": 0}
    processed: dict[str, list[str]] = {"A": [], "B": [], "C": []}
    violations: list[str] = []
    lock = threading.Lock()

    def worker():
        sqs = aws_client("sqs", server.url)
        idle = 0
        while idle < 2:
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, WaitTimeSeconds=1).get("Messages", [])
            if not msgs:
                idle += 1
                continue
            idle = 0
            groups = {m["Body"][0] for m in msgs}
            with lock:
                for g in groups:
                    if in_flight[g]:
                        violations.append(f"group {g} handed out while in flight")
                    in_flight[g] += 1
                for m in msgs:
                    processed[m["Body"][0]].append(m["Body"])
            time.sleep(0.02)
            with lock:
                for g in groups:
                    in_flight[g] -= 1
            for m in msgs:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not violations, violations[:5]
    for g in ("A", "B", "C"):
        assert processed[g] == [f"{g}-{i:02d}" for i in range(10)], processed[g]


@pytest.mark.parametrize("group", ["g" * 129, "caf\u00e9", "tab\tgroup", ""])
def test_invalid_message_group_ids(sqs, make_queue, group):
    url, _ = make_queue(fifo=True)
    with pytest.raises(sqs.exceptions.ClientError) as info:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId=group, MessageDeduplicationId="d")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert info.value.response["Error"]["Code"] in {"InvalidParameterValue", "MissingParameter"}
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "0"}


def test_punctuation_is_allowed_in_group_and_deduplication_ids(sqs, make_queue):
    url, _ = make_queue(fifo=True)
    ident = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~Az09"
    sent = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId=ident, MessageDeduplicationId=ident)
    msg = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=1)["Messages"][0]
    assert msg["MessageId"] == sent["MessageId"]
    assert (msg["Attributes"]["MessageGroupId"], msg["Attributes"]["MessageDeduplicationId"]) == (ident, ident)


def test_purge_frees_a_locked_group(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=30)
    send(sqs, url, "before purge", dedup="before")
    assert bodies(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]) == ["before purge"]
    sqs.purge_queue(QueueUrl=url)
    send(sqs, url, "after purge", dedup="after")
    assert bodies(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]) == ["after purge"]


def test_zero_visibility_unlocks_the_group_and_keeps_the_order(sqs, make_queue):
    url, _ = make_queue(fifo=True, VisibilityTimeout=30)
    send(sqs, url, "head")
    send(sqs, url, "tail")
    head = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=head["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert bodies(again) == ["head"]
