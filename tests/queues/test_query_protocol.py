"""The query protocol (form POST in, XML out) that SDKs before late 2023 speak: a real old client, boto3
1.26.126 / botocore 1.29.126 (the last botocore whose SQS model is query), runs in its own virtualenv
(.venv-legacy, created here if missing) and drives the server; plus raw form requests for the XML shapes."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT, aws_client

from .helpers import DEFAULT_ACCOUNT, md5_hex, md5_of_attributes, sqs_query, unique

LEGACY_BOTOCORE = "1.29.126"
NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


@pytest.fixture(scope="session")
def legacy_python():
    venv = ROOT / ".venv-legacy"
    python = venv / "bin" / "python"

    def version():
        if not python.exists():
            return None
        proc = subprocess.run([str(python), "-c", "import botocore, boto3; print(botocore.__version__)"],
                              capture_output=True, text=True)
        return proc.stdout.strip() if proc.returncode == 0 else None

    if version() != LEGACY_BOTOCORE:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "boto3==1.26.126", f"botocore=={LEGACY_BOTOCORE}"],
                       check=True, timeout=900)
    assert version() == LEGACY_BOTOCORE
    return python


CLIENT = textwrap.dedent('''
    import base64, json, sys, time, uuid
    import boto3, botocore
    from botocore.config import Config
    from botocore.exceptions import ClientError

    endpoint, name = sys.argv[1], sys.argv[2]
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="secret",
                       config=Config(retries={"max_attempts": 1}))
    out = {"botocore": botocore.__version__, "protocol": sqs.meta.service_model.protocol}

    def err(fn, **kw):
        try:
            fn(**kw)
        except ClientError as e:
            return {"Code": e.response["Error"].get("Code"), "Type": e.response["Error"].get("Type"),
                    "Status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                    "Message": e.response["Error"].get("Message"), "Class": type(e).__name__}
        return None

    def plain(msg):
        m = dict(msg)
        for attr in (m.get("MessageAttributes") or {}).values():
            if "BinaryValue" in attr:
                attr["BinaryValue"] = base64.b64encode(attr["BinaryValue"]).decode()
        return m

    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "5"}, tags={"team": "legacy"})["QueueUrl"]
    out["url"] = url
    out["get_url"] = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    out["list"] = sqs.list_queues(QueueNamePrefix=name).get("QueueUrls")
    attrs = {"s": {"DataType": "String", "StringValue": "\\u00fcn\\u00ef \\u2713 <b>&amp;</b>"},
             "n": {"DataType": "Number", "StringValue": "12.5"},
             "b": {"DataType": "Binary", "BinaryValue": b"\\x00\\xff\\x10"}}
    body = "legacy body \\u2713 <xml attr=\\"1\\"> & ]]> stuff\\r\\n\\ttab"
    out["body"] = body
    out["sent"] = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
    out["sent"].pop("ResponseMetadata")
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"],
                              WaitTimeSeconds=2)["Messages"]
    out["received"] = [plain(m) for m in got]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"], WaitTimeSeconds=2)["Messages"]
    out["again"] = [plain(m) for m in again]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])

    batch = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "one"},
        {"Id": "b", "MessageBody": "two", "MessageAttributes": {"x": {"DataType": "String", "StringValue": "y"}}},
        {"Id": "bad", "MessageBody": "nul \\x00 char"}])
    batch.pop("ResponseMetadata")
    out["batch"] = batch
    msgs = []
    for _ in range(5):
        msgs += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if len(msgs) >= 2:
            break
    out["batch_received"] = sorted(m["Body"] for m in msgs)
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        *({"Id": "m%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)),
        {"Id": "junk", "ReceiptHandle": "garbage"}])
    deleted.pop("ResponseMetadata")
    out["delete_batch"] = deleted
    out["attributes"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    out["tags"] = sqs.list_queue_tags(QueueUrl=url).get("Tags")

    fifo = sqs.create_queue(QueueName=name + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    f1 = sqs.send_message(QueueUrl=fifo, MessageBody="f1", MessageGroupId="g", MessageDeduplicationId="d1")
    f2 = sqs.send_message(QueueUrl=fifo, MessageBody="f1 again", MessageGroupId="g", MessageDeduplicationId="d1")
    out["fifo_send"] = [f1["MessageId"], f2["MessageId"], f1.get("SequenceNumber")]
    fm = sqs.receive_message(QueueUrl=fifo, AttributeNames=["All"], MaxNumberOfMessages=10, WaitTimeSeconds=1)
    out["fifo_received"] = [plain(m) for m in fm.get("Messages", [])]

    out["errors"] = {
        "nonexistent": err(sqs.get_queue_url, QueueName=name + "-nope"),
        "too_many": err(sqs.send_message_batch, QueueUrl=url,
                        Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)]),
        "empty_batch": err(sqs.send_message_batch, QueueUrl=url, Entries=[]),
        "duplicate_ids": err(sqs.send_message_batch, QueueUrl=url,
                             Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}]),
        "invalid_attribute_value": err(sqs.set_queue_attributes, QueueUrl=url,
                                       Attributes={"VisibilityTimeout": "99999"}),
        "invalid_attribute_name": err(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Nope"]),
        "invalid_parameter": err(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11),
        "queue_exists": err(sqs.create_queue, QueueName=name, Attributes={"VisibilityTimeout": "6"}),
        "receipt_handle": err(sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage"),
        "invalid_body": err(sqs.send_message, QueueUrl=url, MessageBody="bad \\x08"),
        "fifo_missing_group": err(sqs.send_message, QueueUrl=fifo, MessageBody="x", MessageDeduplicationId="z"),
    }
    # more operations over query
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
        "DelaySeconds": "0"})
    out["dlq_sources"] = sqs.list_dead_letter_source_queues(QueueUrl=dlq).get("queueUrls")
    sqs.tag_queue(QueueUrl=url, Tags={"extra": "1"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    out["tags_after"] = sqs.list_queue_tags(QueueUrl=url).get("Tags")
    sqs.add_permission(QueueUrl=url, Label="perm", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    out["policy"] = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    sqs.remove_permission(QueueUrl=url, Label="perm")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "v%d" % i} for i in range(3)])
    inflight = []
    for _ in range(5):
        inflight += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                        WaitTimeSeconds=1).get("Messages", [])
        if len(inflight) >= 3:
            break
    cmv = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "e%d" % i, "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(inflight)])
    cmv.pop("ResponseMetadata")
    out["cmv_batch"] = cmv
    sqs.purge_queue(QueueUrl=url)
    out["after_purge"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                                 "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    pages, kwargs = [], {"QueueNamePrefix": name, "MaxResults": 1}
    while True:
        page = sqs.list_queues(**kwargs)
        pages.append(page.get("QueueUrls", []))
        if "NextToken" not in page or len(pages) > 5:
            break
        kwargs["NextToken"] = page["NextToken"]
    out["pages"] = pages
    sqs.delete_queue(QueueUrl=url)
    out["after_delete"] = err(sqs.send_message, QueueUrl=url, MessageBody="x")
    print(json.dumps(out))
''')


@pytest.fixture(scope="module")
def legacy(server, legacy_python):
    name = unique("legacy")
    proc = subprocess.run([str(legacy_python), "-c", CLIENT, server.url, name], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return name, json.loads(proc.stdout)


def test_legacy_client_really_speaks_query(legacy):
    _, out = legacy
    assert (out["botocore"], out["protocol"]) == (LEGACY_BOTOCORE, "query")


def test_create_get_list(legacy, server):
    name, out = legacy
    assert out["url"] == f"{server.url}/{DEFAULT_ACCOUNT}/{name}"
    assert out["get_url"] == out["url"]
    assert out["list"] == [out["url"]]
    assert out["tags"] == {"team": "legacy"}


LEGACY_ATTRS = {"s": {"DataType": "String", "StringValue": "ün\u00ef \u2713 <b>&amp;</b>"},
                "n": {"DataType": "Number", "StringValue": "12.5"},
                "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff\x10"}}


def test_send_and_receive_with_attributes(legacy):
    _, out = legacy
    body = out["body"]
    assert body == 'legacy body \u2713 <xml attr="1"> & ]]> stuff\r\n\ttab'
    assert out["sent"]["MD5OfMessageBody"] == md5_hex(body)
    assert out["sent"]["MD5OfMessageAttributes"] == md5_of_attributes(LEGACY_ATTRS)
    (msg,) = out["received"]
    assert msg["Body"] == body
    assert msg["MessageId"] == out["sent"]["MessageId"]
    assert msg["MD5OfBody"] == md5_hex(body)
    assert msg["MD5OfMessageAttributes"] == md5_of_attributes(LEGACY_ATTRS)
    received_attrs = dict(msg["MessageAttributes"])
    received_attrs["b"] = {**received_attrs["b"], "BinaryValue": base64.b64decode(received_attrs["b"]["BinaryValue"])}
    assert received_attrs == LEGACY_ATTRS
    assert set(msg["Attributes"]) == {"SenderId", "SentTimestamp", "ApproximateReceiveCount",
                                      "ApproximateFirstReceiveTimestamp"}
    assert msg["Attributes"]["ApproximateReceiveCount"] == "1"
    (again,) = out["again"]
    assert again["Attributes"] == {"ApproximateReceiveCount": "2"}
    assert again["ReceiptHandle"] != msg["ReceiptHandle"]


def test_batches_with_per_entry_results(legacy):
    _, out = legacy
    batch = out["batch"]
    assert sorted(e["Id"] for e in batch["Successful"]) == ["a", "b"]
    by_id = {e["Id"]: e for e in batch["Successful"]}
    assert by_id["a"]["MD5OfMessageBody"] == md5_hex("one")
    assert by_id["b"]["MD5OfMessageAttributes"] == md5_of_attributes({"x": {"DataType": "String", "StringValue": "y"}})
    assert [(f["Id"], f["SenderFault"], f["Code"]) for f in batch["Failed"]] == [("bad", True, "InvalidMessageContents")]
    assert out["batch_received"] == ["one", "two"]
    deleted = out["delete_batch"]
    assert sorted(e["Id"] for e in deleted["Successful"]) == ["m0", "m1"]
    assert [(f["Id"], f["SenderFault"], f["Code"]) for f in deleted["Failed"]] == [
        ("junk", True, "ReceiptHandleIsInvalid")]


def test_get_queue_attributes(legacy):
    name, out = legacy
    attrs = out["attributes"]
    assert attrs["VisibilityTimeout"] == "5"
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT}:{name}"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["MaximumMessageSize"] == "1048576"


def test_fifo_over_query(legacy):
    _, out = legacy
    first, second, seq = out["fifo_send"]
    assert first == second
    assert seq and seq.isdigit()
    (msg,) = out["fifo_received"]
    assert msg["Body"] == "f1"
    assert msg["Attributes"]["MessageGroupId"] == "g"
    assert msg["Attributes"]["MessageDeduplicationId"] == "d1"
    assert msg["Attributes"]["SequenceNumber"] == seq


@pytest.mark.parametrize("case, code, status, cls", [
    ("nonexistent", "AWS.SimpleQueueService.NonExistentQueue", 400, "QueueDoesNotExist"),
    ("too_many", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, "TooManyEntriesInBatchRequest"),
    ("empty_batch", "AWS.SimpleQueueService.EmptyBatchRequest", 400, "EmptyBatchRequest"),
    ("duplicate_ids", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, "BatchEntryIdsNotDistinct"),
    ("invalid_attribute_value", "InvalidAttributeValue", 400, "ClientError"),
    ("invalid_attribute_name", "InvalidAttributeName", 400, "InvalidAttributeName"),
    ("invalid_parameter", "InvalidParameterValue", 400, "ClientError"),
    ("queue_exists", "QueueAlreadyExists", 400, "QueueNameExists"),
    ("receipt_handle", "ReceiptHandleIsInvalid", 404, "ReceiptHandleIsInvalid"),
    ("invalid_body", "InvalidMessageContents", 400, "InvalidMessageContents"),
    ("fifo_missing_group", "MissingParameter", 400, "ClientError"),
])
def test_query_errors(legacy, case, code, status, cls):
    _, out = legacy
    error = out["errors"][case]
    assert error is not None, f"{case}: no error raised"
    assert (error["Code"], error["Status"], error["Type"], error["Class"]) == (code, status, "Sender", cls), error


def test_more_operations_over_query(legacy):
    name, out = legacy
    assert out["dlq_sources"] == [out["url"]]
    assert out["tags_after"] == {"extra": "1"}
    statement = out["policy"]["Statement"][0]
    assert statement["Sid"] == "perm"
    assert sorted(e["Id"] for e in out["cmv_batch"]["Successful"]) == ["e0", "e1", "e2"]
    assert out["cmv_batch"].get("Failed", []) == []
    assert out["after_purge"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
    # the queue, its .fifo sibling and its -dlq: three names with the prefix, one per page
    assert [len(p) for p in out["pages"]] == [1, 1, 1]
    assert len({u for p in out["pages"] for u in p}) == 3


def test_deleted_queue_over_query(legacy):
    _, out = legacy
    assert out["after_delete"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert out["after_delete"]["Class"] == "QueueDoesNotExist"


# ------------------------------------------------------------------------------ raw XML shapes
def parse(resp):
    return ET.fromstring(resp.content)


def test_xml_success_shape(server):
    sqs = aws_client("sqs", server.url)
    name = unique("xml")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    resp = sqs_query(server.url, {"Action": "ListQueues", "QueueNamePrefix": name})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/xml")
    root = parse(resp)
    assert root.tag == f"{NS}ListQueuesResponse"
    assert [e.text for e in root.findall(f"{NS}ListQueuesResult/{NS}QueueUrl")] == [url]
    assert root.find(f"{NS}ResponseMetadata/{NS}RequestId").text


def test_xml_send_and_receive_shape(server):
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("xml"))["QueueUrl"]
    body = "a < b & c > d"
    sent = parse(sqs_query(server.url, {"Action": "SendMessage", "QueueUrl": url, "MessageBody": body,
                                        "MessageAttribute.1.Name": "k",
                                        "MessageAttribute.1.Value.DataType": "String",
                                        "MessageAttribute.1.Value.StringValue": "v"}))
    assert sent.tag == f"{NS}SendMessageResponse"
    result = sent.find(f"{NS}SendMessageResult")
    assert result.find(f"{NS}MD5OfMessageBody").text == md5_hex(body)
    assert result.find(f"{NS}MD5OfMessageAttributes").text == md5_of_attributes(
        {"k": {"DataType": "String", "StringValue": "v"}})
    received = parse(sqs_query(server.url, {"Action": "ReceiveMessage", "QueueUrl": url, "WaitTimeSeconds": "1",
                                            "AttributeName.1": "SentTimestamp", "MessageAttributeName.1": "All"}))
    (msg,) = received.findall(f"{NS}ReceiveMessageResult/{NS}Message")
    assert msg.find(f"{NS}Body").text == body
    assert msg.find(f"{NS}MessageId").text == result.find(f"{NS}MessageId").text
    attrs = {a.find(f"{NS}Name").text: a.find(f"{NS}Value").text for a in msg.findall(f"{NS}Attribute")}
    assert set(attrs) == {"SentTimestamp"}
    (mattr,) = msg.findall(f"{NS}MessageAttribute")
    assert mattr.find(f"{NS}Name").text == "k"
    assert mattr.find(f"{NS}Value/{NS}DataType").text == "String"
    assert mattr.find(f"{NS}Value/{NS}StringValue").text == "v"


def test_xml_error_shape(server):
    resp = sqs_query(server.url, {"Action": "GetQueueUrl", "QueueName": unique("nope")})
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("text/xml")
    root = parse(resp)
    assert root.tag == f"{NS}ErrorResponse"
    error = root.find(f"{NS}Error")
    assert error.find(f"{NS}Type").text == "Sender"
    assert error.find(f"{NS}Code").text == "AWS.SimpleQueueService.NonExistentQueue"
    assert error.find(f"{NS}Message").text
    assert root.find(f"{NS}RequestId").text


def test_unknown_query_action(server):
    resp = sqs_query(server.url, {"Action": "NoSuchAction"})
    assert resp.status_code == 400, resp.text
    error = parse(resp).find(f"{NS}Error")
    assert error.find(f"{NS}Code").text == "InvalidAction"


def test_query_missing_parameter(server):
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("xml"))["QueueUrl"]
    resp = sqs_query(server.url, {"Action": "SendMessage", "QueueUrl": url})
    assert resp.status_code == 400, resp.text
    assert parse(resp).find(f"{NS}Error/{NS}Code").text == "MissingParameter"


def test_query_post_to_the_queue_url_without_queue_url_parameter(server):
    """boto2-era clients POST to the queue URL and leave QueueUrl out of the form."""
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("path"))["QueueUrl"]
    resp = sqs_query(url, {"Action": "SendMessage", "MessageBody": "via path"})
    assert resp.status_code == 200, resp.text
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in msgs] == ["via path"]


def test_query_garbage_never_gives_a_500(server):
    for params in ({"Action": "SendMessage", "QueueUrl": "nonsense", "MessageBody": "x"},
                   {"Action": "SendMessageBatch", "QueueUrl": f"{server.url}/{DEFAULT_ACCOUNT}/x",
                    "SendMessageBatchRequestEntry.1.Id": "a"},
                   {"Action": "ReceiveMessage", "QueueUrl": f"{server.url}/{DEFAULT_ACCOUNT}/x",
                    "MaxNumberOfMessages": "lots"},
                   {"Action": "CreateQueue"},
                   {"Action": "CreateQueue", "QueueName": "q", "Attribute.1.Name": "VisibilityTimeout"},
                   {}):
        resp = sqs_query(server.url, params)
        assert resp.status_code < 500, (params, resp.status_code, resp.text)


def _signed_get(url: str, params: dict):
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from urllib.parse import urlencode

    full = f"{url}?{urlencode({'Version': '2012-11-05', **params})}"
    request = AWSRequest(method="GET", url=full)
    SigV4Auth(Credentials("AKIAIOSFODNN7EXAMPLE", "secret"), "sqs", "us-east-1").add_auth(request)
    return requests.get(full, headers=dict(request.headers.items()), timeout=10)


def test_query_get_requests_on_the_queue_url(server):
    """Real SQS accepts signed GET requests on the queue URL (LocalStack's AWS-validated HTTP tests)."""
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("get"))["QueueUrl"]
    sent = _signed_get(url, {"Action": "SendMessage", "MessageBody": "foobar"})
    assert sent.status_code == 200, sent.text
    got = _signed_get(url, {"Action": "ReceiveMessage"})
    assert got.status_code == 200, got.text
    assert parse(got).find(f"{NS}ReceiveMessageResult/{NS}Message/{NS}Body").text == "foobar"
    empty = _signed_get(url, {"Action": "ReceiveMessage"})
    assert parse(empty).find(f"{NS}ReceiveMessageResult") is not None
    assert parse(empty).findall(f"{NS}ReceiveMessageResult/{NS}Message") == []


def test_query_error_on_deleted_queue_via_get(server):
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("get"))["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    resp = _signed_get(url, {"Action": "GetQueueAttributes", "AttributeName.1": "QueueArn"})
    assert resp.status_code == 400
    assert parse(resp).find(f"{NS}Error/{NS}Code").text == "AWS.SimpleQueueService.NonExistentQueue"


def test_query_get_without_action_is_unknown_operation(server):
    """AWS-validated (LocalStack): a bare GET on a queue URL answers 404 with an UnknownOperationException."""
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("get"))["QueueUrl"]
    import requests

    resp = requests.get(url, timeout=10)
    assert resp.status_code == 404, resp.text
    assert "<UnknownOperationException" in resp.text


def test_query_queue_level_endpoint_refuses_service_level_actions(server):
    """AWS-validated (LocalStack): CreateQueue/ListQueues sent to a queue URL are InvalidAction, 400."""
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("get"))["QueueUrl"]
    for action, extra in (("CreateQueue", {"QueueName": unique("nope")}), ("ListQueues", {})):
        resp = _signed_get(url, {"Action": action, **extra})
        assert resp.status_code == 400, resp.text
        error = parse(resp).find(f"{NS}Error")
        assert error.find(f"{NS}Code").text == "InvalidAction"
        assert error.find(f"{NS}Message").text.startswith(f"The action {action} is not valid for this endpoint")


def test_query_unknown_attribute_message(server):
    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique("get"))["QueueUrl"]
    resp = _signed_get(url, {"Action": "GetQueueAttributes", "AttributeName.1": "Foobar"})
    assert resp.status_code == 400
    error = parse(resp).find(f"{NS}Error")
    assert (error.find(f"{NS}Type").text, error.find(f"{NS}Code").text, error.find(f"{NS}Message").text) == (
        "Sender", "InvalidAttributeName", "Unknown Attribute Foobar.")


def test_query_queue_url_parameter_wins_over_the_path(server):
    """AWS-validated (LocalStack): a QueueUrl parameter overrides the queue in the request path."""
    sqs = aws_client("sqs", server.url)
    first = sqs.create_queue(QueueName=unique("first"))["QueueUrl"]
    second_name = unique("second")
    second = sqs.create_queue(QueueName=second_name)["QueueUrl"]
    resp = _signed_get(first, {"Action": "GetQueueAttributes", "QueueUrl": second, "AttributeName.1": "QueueArn"})
    assert resp.status_code == 200, resp.text
    values = [a.find(f"{NS}Value").text for a in parse(resp).findall(f"{NS}GetQueueAttributesResult/{NS}Attribute")]
    assert values == [f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT}:{second_name}"]


def test_query_nonexistent_queue_message(server):
    resp = sqs_query(server.url, {"Action": "GetQueueUrl", "QueueName": unique("nope")})
    message = parse(resp).find(f"{NS}Error/{NS}Message").text
    assert message == "The specified queue does not exist for this wsdl version."
