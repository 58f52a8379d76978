"""Messages on standard queues: send/receive/delete, batches with per-entry results, visibility timeouts
(queue default, per receive, ChangeMessageVisibility), receipt handles, system attributes, attribute
filters, delays, size limits and purge - as the SQS API reference documents them."""

from __future__ import annotations

import re
import threading
import time
import uuid

from .helpers import (ONE_MIB, attributes, expect_common, expect_modeled, md5_hex, md5_of_attributes,
                      now_ms, receive_all)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def receive_one(sqs, url, wait=2, **kwargs) -> dict:
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait, **kwargs).get("Messages", [])
    assert len(msgs) == 1, msgs
    return msgs[0]


def receive_none(sqs, url, **kwargs) -> None:
    resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0, **kwargs)
    assert resp.get("Messages", []) == []


# ------------------------------------------------------------------------------------------ basics
def test_send_receive_delete(sqs, queue):
    url, _ = queue
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert UUID_RE.match(sent["MessageId"]), sent["MessageId"]
    assert sent["MD5OfMessageBody"] == md5_hex("hello")
    msg = receive_one(sqs, url)
    assert msg["MessageId"] == sent["MessageId"]
    assert msg["Body"] == "hello"
    assert msg["MD5OfBody"] == md5_hex("hello")
    assert msg["ReceiptHandle"]
    assert msg.get("Attributes", {}) == {}
    assert "MessageAttributes" not in msg and "MD5OfMessageAttributes" not in msg
    sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    time.sleep(2.2)  # past the 2 s visibility timeout: a deleted message never comes back
    receive_none(sqs, url)
    assert attributes(sqs, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible") == {
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_unicode_and_allowed_control_characters_round_trip(sqs, queue):
    url, _ = queue
    body = "tab\there\nnewline\rcr ünïcödé 日本語 \U0001F600 \ue000 \ufffd \U0010ffff"
    sqs.send_message(QueueUrl=url, MessageBody=body)
    msg = receive_one(sqs, url)
    assert msg["Body"] == body
    assert msg["MD5OfBody"] == md5_hex(body)


def test_receive_from_empty_queue_returns_no_messages(sqs, queue):
    url, _ = queue
    resp = sqs.receive_message(QueueUrl=url)
    assert resp.get("Messages", []) == []


def test_receive_max_number_of_messages(sqs, queue):
    url, _ = queue
    for i in range(15):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                VisibilityTimeout=30)["Messages"]
    assert 1 <= len(first) <= 10
    rest = receive_all(sqs, url, 15 - len(first), timeout=8, VisibilityTimeout=30)
    assert sorted(m["Body"] for m in first + rest) == sorted(f"m{i}" for i in range(15))


def test_approximate_counts(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=30)
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"v{i}")
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=60)
    receive_one(sqs, url)
    assert attributes(sqs, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                      "ApproximateNumberOfMessagesDelayed") == {
        "ApproximateNumberOfMessages": "2", "ApproximateNumberOfMessagesNotVisible": "1",
        "ApproximateNumberOfMessagesDelayed": "1"}


# ----------------------------------------------------------------------------------- visibility
def test_queue_visibility_timeout_hides_then_redelivers(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=1)
    sqs.send_message(QueueUrl=url, MessageBody="vt")
    first = receive_one(sqs, url)
    receive_none(sqs, url)
    time.sleep(1.3)
    second = receive_one(sqs, url, AttributeNames=["ApproximateReceiveCount"])
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"


def test_per_receive_visibility_timeout_overrides_queue_default(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="short")
    first = receive_one(sqs, url, VisibilityTimeout=1)
    receive_none(sqs, url)
    time.sleep(1.3)
    assert receive_one(sqs, url)["MessageId"] == first["MessageId"]


def test_receive_with_zero_visibility_timeout_leaves_message_visible(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="zero")
    first = receive_one(sqs, url, VisibilityTimeout=0)
    assert receive_one(sqs, url, wait=0)["MessageId"] == first["MessageId"]


def test_one_receive_never_returns_a_message_twice(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="first")
    sqs.send_message(QueueUrl=url, MessageBody="second")
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=1,
                               AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert len({m["MessageId"] for m in msgs}) == len(msgs), [m["Body"] for m in msgs]
    assert 1 <= len(msgs) <= 2
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in msgs} == {"1"}


def test_receipt_handle_changes_on_every_receive(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="rh")
    handles = [receive_one(sqs, url, VisibilityTimeout=0)["ReceiptHandle"] for _ in range(3)]
    assert len(set(handles)) == 3
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handles[-1])
    receive_none(sqs, url)


def test_change_message_visibility_to_zero_makes_message_visible(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="cmv")
    msg = receive_one(sqs, url)
    receive_none(sqs, url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0)
    assert receive_one(sqs, url, wait=0)["MessageId"] == msg["MessageId"]


def test_change_message_visibility_extends_the_timeout(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=1)
    sqs.send_message(QueueUrl=url, MessageBody="extend")
    msg = receive_one(sqs, url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=3)
    time.sleep(1.5)
    receive_none(sqs, url)  # would be visible again at 1 s without the change
    assert attributes(sqs, url, "ApproximateNumberOfMessagesNotVisible") == {
        "ApproximateNumberOfMessagesNotVisible": "1"}


def test_change_visibility_after_the_timeout_expired_is_accepted(sqs, make_queue):
    """Real SQS answers 200 here for a standard queue (LocalStack's AWS-recorded snapshot)."""
    url, _ = make_queue(VisibilityTimeout=1)
    sqs.send_message(QueueUrl=url, MessageBody="expired")
    msg = receive_one(sqs, url)
    time.sleep(1.3)
    resp = sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=5)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_changed_visibility_is_not_remembered_for_the_next_receive(sqs, make_queue):
    """A ChangeMessageVisibility applies to that receive only; the next receive uses the queue default again."""
    url, _ = make_queue(VisibilityTimeout=1)
    sqs.send_message(QueueUrl=url, MessageBody="revert")
    msg = receive_one(sqs, url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=2)
    time.sleep(2.2)
    receive_one(sqs, url, wait=1)  # second receive, queue default (1 s) applies
    time.sleep(1.2)
    third = receive_one(sqs, url, wait=0, AttributeNames=["ApproximateReceiveCount"])
    assert third["Attributes"]["ApproximateReceiveCount"] == "3"


def test_change_message_visibility_batch(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    for i in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=f"b{i}")
    msgs = receive_all(sqs, url, 2)
    assert len(msgs) == 2
    resp = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "ok0", "ReceiptHandle": msgs[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "ok1", "ReceiptHandle": msgs[1]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "bad", "ReceiptHandle": "definitely-not-a-receipt-handle", "VisibilityTimeout": 0},
    ])
    assert sorted(e["Id"] for e in resp["Successful"]) == ["ok0", "ok1"]
    assert len(resp["Failed"]) == 1
    failed = resp["Failed"][0]
    assert (failed["Id"], failed["SenderFault"], failed["Code"]) == ("bad", True, "ReceiptHandleIsInvalid")
    assert sorted(m["Body"] for m in receive_all(sqs, url, 2)) == ["b0", "b1"]


def test_change_visibility_with_invalid_receipt_handle(sqs, queue):
    url, _ = queue
    expect_modeled(sqs, "ReceiptHandleIsInvalid", sqs.change_message_visibility, QueueUrl=url,
                   ReceiptHandle="garbage", VisibilityTimeout=10)


def test_delete_with_invalid_receipt_handle(sqs, queue):
    url, _ = queue
    expect_modeled(sqs, "ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")


# ------------------------------------------------------------------------------- system attributes
def test_system_attributes_all(sqs, queue):
    url, _ = queue
    before = now_ms()
    sqs.send_message(QueueUrl=url, MessageBody="attrs")
    msg = receive_one(sqs, url, MessageSystemAttributeNames=["All"])
    after = now_ms()
    attrs = msg["Attributes"]
    assert set(attrs) == {"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"}
    assert attrs["ApproximateReceiveCount"] == "1"
    assert attrs["SenderId"]
    sent, first = int(attrs["SentTimestamp"]), int(attrs["ApproximateFirstReceiveTimestamp"])
    assert before - 1000 <= sent <= first <= after + 1000


def test_receive_count_and_first_receive_timestamp_across_receives(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="count")
    seen = []
    for _ in range(3):
        msg = receive_one(sqs, url, VisibilityTimeout=0, AttributeNames=["All"])
        seen.append(msg["Attributes"])
        time.sleep(0.05)
    assert [a["ApproximateReceiveCount"] for a in seen] == ["1", "2", "3"]
    assert len({a["ApproximateFirstReceiveTimestamp"] for a in seen}) == 1
    assert len({a["SentTimestamp"] for a in seen}) == 1


def test_message_system_attribute_names_filter(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="filter")
    msg = receive_one(sqs, url, VisibilityTimeout=0, MessageSystemAttributeNames=["SentTimestamp"])
    assert set(msg["Attributes"]) == {"SentTimestamp"}
    msg = receive_one(sqs, url, VisibilityTimeout=0,
                      MessageSystemAttributeNames=["ApproximateReceiveCount", "SenderId"])
    assert set(msg["Attributes"]) == {"ApproximateReceiveCount", "SenderId"}
    assert msg["Attributes"]["ApproximateReceiveCount"] == "2"


def test_deprecated_attribute_names_parameter_still_filters(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="legacy")
    msg = receive_one(sqs, url, VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"])
    assert msg["Attributes"] == {"ApproximateReceiveCount": "1"}
    msg = receive_one(sqs, url, AttributeNames=["All"])
    assert set(msg["Attributes"]) == {"SenderId", "SentTimestamp", "ApproximateReceiveCount",
                                      "ApproximateFirstReceiveTimestamp"}


# ------------------------------------------------------------------------------ message attributes
def _s(v):
    return {"DataType": "String", "StringValue": v}


NAMED = {"General": _s("Kenobi"), "Hello": _s("There"), "Help.Me": _s("Me")}


def _receive_with_names(sqs, url, names):
    kwargs = {"MessageAttributeNames": names} if names is not None else {}
    return receive_one(sqs, url, VisibilityTimeout=0, **kwargs)


def test_message_attribute_name_filters(sqs, make_queue):
    """The cases and digests real SQS answered in LocalStack's recorded snapshot."""
    url, _ = make_queue(VisibilityTimeout=60)
    sent = sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes=NAMED)
    assert sent["MD5OfMessageAttributes"] == "4c360f3fdafd970e05fae2f149d997f5"
    cases = [
        (None, {}, None),
        (["All"], NAMED, "4c360f3fdafd970e05fae2f149d997f5"),
        ([".*"], NAMED, "4c360f3fdafd970e05fae2f149d997f5"),
        (["General", "Hello"], {k: NAMED[k] for k in ("General", "Hello")}, "fca026605781cb4126a1e9044df24232"),
        (["Hello", "NotThere"], {"Hello": NAMED["Hello"]}, "a311262e065454b75da111d535b8dacd"),
        (["He.*"], {k: NAMED[k] for k in ("Hello", "Help.Me")}, "83fee93c1bcd8b9a5a923ffacdc636c7"),
        (["NotThere"], {}, None),
    ]
    for names, expected, digest in cases:
        msg = _receive_with_names(sqs, url, names)
        assert msg.get("MessageAttributes", {}) == expected, names
        assert msg.get("MD5OfMessageAttributes") == digest, names


def test_message_attribute_types_round_trip(sqs, queue):
    url, _ = queue
    attrs = {
        "s": _s("text"), "n": {"DataType": "Number", "StringValue": "-12.5e3"},
        "i": {"DataType": "Number.int", "StringValue": "7"},
        "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
    }
    sqs.send_message(QueueUrl=url, MessageBody="types", MessageAttributes=attrs)
    msg = receive_one(sqs, url, MessageAttributeNames=["All"])
    assert msg["MessageAttributes"] == attrs
    assert msg["MD5OfMessageAttributes"] == md5_of_attributes(attrs)


def test_ten_message_attributes_are_allowed(sqs, queue):
    url, _ = queue
    attrs = {f"a{i}": _s(str(i)) for i in range(10)}
    sqs.send_message(QueueUrl=url, MessageBody="ten", MessageAttributes=attrs)
    assert receive_one(sqs, url, MessageAttributeNames=["All"])["MessageAttributes"] == attrs


# ----------------------------------------------------------------------------------------- delays
def test_queue_delay_seconds(sqs, make_queue):
    url, _ = make_queue(DelaySeconds=1)
    sqs.send_message(QueueUrl=url, MessageBody="later")
    receive_none(sqs, url)
    assert attributes(sqs, url, "ApproximateNumberOfMessagesDelayed") == {"ApproximateNumberOfMessagesDelayed": "1"}
    time.sleep(1.3)
    assert receive_one(sqs, url, wait=1)["Body"] == "later"


def test_per_message_delay_seconds(sqs, queue):
    url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=1)
    sqs.send_message(QueueUrl=url, MessageBody="now")
    assert receive_one(sqs, url, wait=0)["Body"] == "now"
    receive_none(sqs, url)
    time.sleep(1.3)
    assert receive_one(sqs, url, wait=1)["Body"] == "delayed"


def test_per_message_delay_zero_overrides_queue_delay(sqs, make_queue):
    url, _ = make_queue(DelaySeconds=60)
    sqs.send_message(QueueUrl=url, MessageBody="immediate", DelaySeconds=0)
    assert receive_one(sqs, url, wait=0)["Body"] == "immediate"


def test_batch_entry_delay_seconds(sqs, queue):
    url, _ = queue
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "d", "MessageBody": "delayed", "DelaySeconds": 1},
                                                  {"Id": "n", "MessageBody": "now"}])
    assert receive_one(sqs, url, wait=0)["Body"] == "now"
    receive_none(sqs, url)
    time.sleep(1.3)
    assert receive_one(sqs, url, wait=1)["Body"] == "delayed"


# ---------------------------------------------------------------------------------------- batches
def test_send_message_batch(sqs, queue):
    url, _ = queue
    entries = [{"Id": f"id-{i}", "MessageBody": f"batch {i}"} for i in range(10)]
    resp = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert resp.get("Failed", []) == []
    assert sorted(e["Id"] for e in resp["Successful"]) == sorted(e["Id"] for e in entries)
    for entry in resp["Successful"]:
        assert UUID_RE.match(entry["MessageId"])
        assert entry["MD5OfMessageBody"] == md5_hex(f"batch {entry['Id'][3:]}")
    ids = {e["MessageId"] for e in resp["Successful"]}
    got = receive_all(sqs, url, 10)
    assert {m["MessageId"] for m in got} == ids


def test_send_message_batch_per_entry_failure(sqs, queue):
    url, _ = queue
    resp = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "good1", "MessageBody": "fine"},
        {"Id": "bad", "MessageBody": "nul \x00 not allowed"},
        {"Id": "good2", "MessageBody": "also fine"},
    ])
    assert sorted(e["Id"] for e in resp["Successful"]) == ["good1", "good2"]
    assert len(resp["Failed"]) == 1
    failed = resp["Failed"][0]
    assert (failed["Id"], failed["SenderFault"], failed["Code"]) == ("bad", True, "InvalidMessageContents")
    assert sorted(m["Body"] for m in receive_all(sqs, url, 2)) == ["also fine", "fine"]


def test_delete_message_batch(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=1)
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"d{i}")
    msgs = receive_all(sqs, url, 3)
    resp = sqs.delete_message_batch(QueueUrl=url, Entries=[
        *({"Id": f"m{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)),
        {"Id": "bad", "ReceiptHandle": "not-a-receipt-handle"},
    ])
    assert sorted(e["Id"] for e in resp["Successful"]) == ["m0", "m1", "m2"]
    failed = resp["Failed"]
    assert [(f["Id"], f["SenderFault"], f["Code"]) for f in failed] == [("bad", True, "ReceiptHandleIsInvalid")]
    time.sleep(1.2)
    receive_none(sqs, url)


# ------------------------------------------------------------------------------------------ sizes
def test_maximum_message_size_default_is_one_mib(sqs, queue):
    url, _ = queue
    body = "x" * ONE_MIB
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sent["MD5OfMessageBody"] == md5_hex(body)
    msg = receive_one(sqs, url)
    assert len(msg["Body"]) == ONE_MIB and msg["MD5OfBody"] == md5_hex(body)
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x" * (ONE_MIB + 1))


def test_message_size_counts_attributes(sqs, queue):
    url, _ = queue
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x" * (ONE_MIB - 5),
                  MessageAttributes={"attribute-name": _s("value")})


def test_attribute_name_type_and_value_count_toward_the_size(sqs, make_queue):
    """Attribute size = name + data type + value (UTF-8 bytes); body + attributes may not exceed the maximum."""
    url, _ = make_queue(MaximumMessageSize=1024)
    attrs = {"ab": _s("x" * 16)}  # 2 + 6 ("String") + 16 = 24 bytes
    sqs.send_message(QueueUrl=url, MessageBody="b" * 1000, MessageAttributes=attrs)
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="b" * 1001,
                  MessageAttributes=attrs)
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "1"}


def test_message_size_counts_utf8_bytes(sqs, queue):
    url, _ = queue
    # 2-byte characters: half a MiB of them is exactly 1 MiB
    sqs.send_message(QueueUrl=url, MessageBody="é" * (ONE_MIB // 2))
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="é" * (ONE_MIB // 2 + 1))


def test_queue_maximum_message_size(sqs, make_queue):
    url, _ = make_queue(MaximumMessageSize=1024)
    sqs.send_message(QueueUrl=url, MessageBody="y" * 1024)
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="y" * 1025)
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "1"}


# ------------------------------------------------------------------------------------------ purge
def test_purge_queue(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"p{i}")
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=1)
    receive_one(sqs, url)  # one in flight too
    sqs.purge_queue(QueueUrl=url)
    time.sleep(1.2)  # the delayed one would be visible by now
    receive_none(sqs, url)
    assert attributes(sqs, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                      "ApproximateNumberOfMessagesDelayed") == {
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0"}
    # messages sent after the purge are kept
    sqs.send_message(QueueUrl=url, MessageBody="after")
    assert receive_one(sqs, url)["Body"] == "after"


def test_second_purge_within_60s_is_purge_queue_in_progress(sqs, queue):
    url, _ = queue
    sqs.purge_queue(QueueUrl=url)
    expect_modeled(sqs, "PurgeQueueInProgress", sqs.purge_queue, QueueUrl=url)


def test_purge_unknown_queue(sqs, server):
    expect_modeled(sqs, "QueueDoesNotExist", sqs.purge_queue,
                   QueueUrl=f"{server.url}/000000000000/{uuid.uuid4().hex}")


# ------------------------------------------------------------------------------------ concurrency
def test_concurrent_receivers_never_share_a_message(server, make_queue):
    from conftest import aws_client

    url, _ = make_queue(VisibilityTimeout=60)
    client = aws_client("sqs", server.url)
    for start in range(0, 200, 10):
        client.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"c{start + i}"}
                                                         for i in range(10)])
    seen: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker():
        sqs = aws_client("sqs", server.url)
        idle = 0
        try:
            while idle < 2:
                msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
                if not msgs:
                    idle += 1
                    continue
                idle = 0
                with lock:
                    seen.extend(m["Body"] for m in msgs)
                sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                                for i, m in enumerate(msgs)])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    duplicates = sorted(b for b in set(seen) if seen.count(b) > 1)
    assert not duplicates, f"handed to two receivers inside the visibility timeout: {duplicates[:10]}"
    assert sorted(seen) == sorted(f"c{i}" for i in range(200))


# ----------------------------------------------------------------------- standard-only parameters
def test_deduplication_id_is_rejected_on_a_standard_queue(sqs, queue):
    url, _ = queue
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x",
                  MessageDeduplicationId="d")
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "0"}


def test_message_group_id_on_a_standard_queue_is_kept(sqs, queue):
    """Fair queues (2025): standard queues accept MessageGroupId and report it as a system attribute."""
    url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="tenant message", MessageGroupId="tenant-1")
    msg = receive_one(sqs, url, MessageSystemAttributeNames=["MessageGroupId"])
    assert msg["Attributes"] == {"MessageGroupId": "tenant-1"}
