"""MD5OfMessageBody, MD5OfMessageAttributes and MD5OfMessageSystemAttributes, computed independently here
(helpers.md5_of_attributes, checked below against digests AWS itself returned) and compared with what the
server sends on SendMessage, SendMessageBatch and ReceiveMessage. The Java, JS, Go, .NET SDKs reject a
response whose digest differs, so any mismatch breaks those clients."""

from __future__ import annotations

import pytest

from .helpers import md5_hex, md5_of_attributes


def s(value: str, data_type: str = "String") -> dict:
    return {"DataType": data_type, "StringValue": value}


def b(value: bytes, data_type: str = "Binary") -> dict:
    return {"DataType": data_type, "BinaryValue": value}


# Digests returned by real SQS (recorded in LocalStack's AWS-validated snapshots), to prove the helper itself.
@pytest.mark.parametrize("attrs, expected", [
    ({"General": s("Kenobi"), "Hello": s("There"), "Help.Me": s("Me")}, "4c360f3fdafd970e05fae2f149d997f5"),
    ({"General": s("Kenobi"), "Hello": s("There")}, "fca026605781cb4126a1e9044df24232"),
    ({"Hello": s("There"), "Help.Me": s("Me")}, "83fee93c1bcd8b9a5a923ffacdc636c7"),
    ({"Foo": s("Bar")}, "ae7155c6026991b6d54b11589678bf9c"),
    ({"attr1": b(b"traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01")},
     "8cbe4db156db8a94db8b801b7addb984"),
])
def test_helper_matches_digests_recorded_from_aws(attrs, expected):
    assert md5_of_attributes(attrs) == expected


MIXED = {
    "zeta": s("last by name"),
    "Alpha": s("ünïcödé ✓ 日本"),
    "count": s("42", "Number"),
    "price": s("-1.50e3", "Number.float"),
    "blob": b(bytes(range(256))),
    "image": b(b"\x89PNG\r\n\x1a\n\x00\x00", "Binary.png"),
    "custom": s("v", "String.custom-type"),
    "Zulu": s("emoji \U0001F600 four bytes"),  # ASCII order: "Zulu" sorts before "apple"
    "apple": s("x"),
}


def test_send_message_md5s(sqs, queue):
    url, _ = queue
    body = "héllo wörld ✓ \U0001F600 \t\n\r end"
    resp = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=MIXED)
    assert resp["MD5OfMessageBody"] == md5_hex(body)
    assert resp["MD5OfMessageAttributes"] == md5_of_attributes(MIXED)
    assert "MD5OfMessageSystemAttributes" not in resp


def test_send_message_without_attributes_has_no_attribute_md5(sqs, queue):
    url, _ = queue
    resp = sqs.send_message(QueueUrl=url, MessageBody="plain")
    assert resp["MD5OfMessageBody"] == md5_hex("plain")
    assert "MD5OfMessageAttributes" not in resp


def test_receive_md5s_match_what_was_sent(sqs, queue):
    url, _ = queue
    body = "receive me ✓"
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=MIXED)
    msg = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=2)["Messages"][0]
    assert msg["Body"] == body
    assert msg["MD5OfBody"] == md5_hex(body)
    assert msg["MessageAttributes"]["blob"]["BinaryValue"] == bytes(range(256))
    assert msg["MessageAttributes"]["price"] == s("-1.50e3", "Number.float")
    assert msg["MessageAttributes"]["image"]["DataType"] == "Binary.png"
    assert msg["MessageAttributes"] == MIXED
    assert msg["MD5OfMessageAttributes"] == md5_of_attributes(MIXED)


def test_receive_md5_covers_only_the_returned_attributes(sqs, queue):
    url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=MIXED)
    msg = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["count", "blob"],
                              WaitTimeSeconds=2)["Messages"][0]
    subset = {k: MIXED[k] for k in ("count", "blob")}
    assert msg["MessageAttributes"] == subset
    assert msg["MD5OfMessageAttributes"] == md5_of_attributes(subset)


def test_batch_md5s(sqs, queue):
    url, _ = queue
    entries = [
        {"Id": "plain", "MessageBody": "one"},
        {"Id": "attrs", "MessageBody": "two ✓", "MessageAttributes": MIXED},
        {"Id": "number", "MessageBody": "three", "MessageAttributes": {"n": s("3.14", "Number")}},
    ]
    resp = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert resp.get("Failed", []) == []
    by_id = {e["Id"]: e for e in resp["Successful"]}
    assert set(by_id) == {"plain", "attrs", "number"}
    assert by_id["plain"]["MD5OfMessageBody"] == md5_hex("one")
    assert "MD5OfMessageAttributes" not in by_id["plain"]
    assert by_id["attrs"]["MD5OfMessageBody"] == md5_hex("two ✓")
    assert by_id["attrs"]["MD5OfMessageAttributes"] == md5_of_attributes(MIXED)
    assert by_id["number"]["MD5OfMessageAttributes"] == md5_of_attributes({"n": s("3.14", "Number")})


TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_system_attribute_md5_and_aws_trace_header(sqs, queue):
    url, _ = queue
    system = {"AWSTraceHeader": s(TRACE)}
    resp = sqs.send_message(QueueUrl=url, MessageBody="traced", MessageSystemAttributes=system)
    assert resp["MD5OfMessageSystemAttributes"] == md5_of_attributes(system)
    assert resp["MD5OfMessageBody"] == md5_hex("traced")
    msg = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"],
                              WaitTimeSeconds=2)["Messages"][0]
    assert msg["Attributes"] == {"AWSTraceHeader": TRACE}


def test_batch_system_attribute_md5(sqs, queue):
    url, _ = queue
    system = {"AWSTraceHeader": s(TRACE)}
    resp = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "traced", "MessageSystemAttributes": system},
        {"Id": "b", "MessageBody": "untraced"},
    ])
    by_id = {e["Id"]: e for e in resp["Successful"]}
    assert by_id["a"]["MD5OfMessageSystemAttributes"] == md5_of_attributes(system)
    assert "MD5OfMessageSystemAttributes" not in by_id["b"]
