"""Every validation SQS documents, answered with AWS's error: the modeled exception for boto3 (its legacy
code from x-amzn-query-error, its status, its __type), never a 500, and a failed request changes nothing.
Also the wire itself: the JSON error document, malformed JSON, wrong types, unknown operations."""

from __future__ import annotations

import json

import pytest

from .helpers import (DEFAULT_ACCOUNT, ONE_MIB, attributes, expect_common, expect_modeled, json_error_type,
                      queue_arn, sqs_json, unique)


def _s(v):
    return {"DataType": "String", "StringValue": v}


def assert_empty(sqs, url):
    assert attributes(sqs, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed") == {
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesDelayed": "0"}


# ------------------------------------------------------------------------------------- queue names
@pytest.mark.parametrize("name", ["has space", "dot.name", "slash/name", "colon:name", "ünïcode", "a" * 81, "q.fifo"])
def test_invalid_queue_names(sqs, name):
    before = sqs.list_queues().get("QueueUrls", [])
    expect_common(sqs.create_queue, "InvalidParameterValue", QueueName=name)
    assert not [u for u in sqs.list_queues().get("QueueUrls", []) if u not in before and u.endswith(name)]


def test_80_character_name_with_hyphens_and_underscores_is_valid(sqs):
    name = ("A-b_9" + unique("x").replace("-", "_")) * 5
    name = name[:80]
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url.endswith(f"/{DEFAULT_ACCOUNT}/{name}")


# -------------------------------------------------------------------------------- queue attributes
OUT_OF_RANGE = [
    ("VisibilityTimeout", "-1"), ("VisibilityTimeout", "43201"), ("VisibilityTimeout", "abc"),
    ("DelaySeconds", "901"), ("DelaySeconds", "-1"),
    ("MaximumMessageSize", "1023"), ("MaximumMessageSize", str(ONE_MIB + 1)),
    ("MessageRetentionPeriod", "59"), ("MessageRetentionPeriod", "1209601"),
    ("ReceiveMessageWaitTimeSeconds", "21"), ("ReceiveMessageWaitTimeSeconds", "-1"),
    ("VisibilityTimeout", "1.5"), ("DelaySeconds", ""), ("MaximumMessageSize", "1e6"),
]


@pytest.mark.parametrize("attr, value", OUT_OF_RANGE)
def test_create_queue_with_attribute_out_of_range(sqs, attr, value):
    name = unique()
    expect_modeled(sqs, "InvalidAttributeValue", sqs.create_queue, QueueName=name, Attributes={attr: value})
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name)


@pytest.mark.parametrize("attr, value", OUT_OF_RANGE)
def test_set_queue_attribute_out_of_range_changes_nothing(sqs, make_queue, attr, value):
    url, _ = make_queue(VisibilityTimeout=5)
    expect_modeled(sqs, "InvalidAttributeValue", sqs.set_queue_attributes, QueueUrl=url,
                   Attributes={"VisibilityTimeout": "17", attr: value})
    assert attributes(sqs, url, "VisibilityTimeout") == {"VisibilityTimeout": "5"}


def test_attribute_range_boundaries_are_accepted(sqs):
    attrs = {"VisibilityTimeout": "43200", "DelaySeconds": "900", "MaximumMessageSize": "1024",
             "MessageRetentionPeriod": "1209600", "ReceiveMessageWaitTimeSeconds": "20"}
    url = sqs.create_queue(QueueName=unique(), Attributes=attrs)["QueueUrl"]
    assert attributes(sqs, url, *attrs) == attrs
    low = {"VisibilityTimeout": "0", "DelaySeconds": "0", "MaximumMessageSize": str(ONE_MIB),
           "MessageRetentionPeriod": "60", "ReceiveMessageWaitTimeSeconds": "0"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes=low)
    assert attributes(sqs, url, *low) == low


def test_unknown_queue_attribute_on_create(sqs):
    name = unique()
    expect_modeled(sqs, "InvalidAttributeName", sqs.create_queue, QueueName=name,
                   Attributes={"VisibilityTimeout": "10", "NoSuchAttribute": "1"})
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name)


def test_unknown_queue_attribute_on_set_changes_nothing(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=5)
    expect_modeled(sqs, "InvalidAttributeName", sqs.set_queue_attributes, QueueUrl=url,
                   Attributes={"VisibilityTimeout": "17", "NoSuchAttribute": "1"})
    assert attributes(sqs, url, "VisibilityTimeout") == {"VisibilityTimeout": "5"}


@pytest.mark.parametrize("attr", ["ApproximateNumberOfMessages", "QueueArn", "CreatedTimestamp"])
def test_read_only_attributes_cannot_be_set(sqs, make_queue, attr):
    url, _ = make_queue()
    expect_modeled(sqs, "InvalidAttributeName", sqs.set_queue_attributes, QueueUrl=url, Attributes={attr: "1"})


# -------------------------------------------------------------------------- per-request parameters
@pytest.mark.parametrize("kwargs", [
    {"MaxNumberOfMessages": 0}, {"MaxNumberOfMessages": 11},
    {"WaitTimeSeconds": 21}, {"WaitTimeSeconds": -1},
    {"VisibilityTimeout": 43201}, {"VisibilityTimeout": -1},
])
def test_receive_parameters_out_of_range(sqs, queue, kwargs):
    url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="stays")
    expect_common(sqs.receive_message, "InvalidParameterValue", QueueUrl=url, **kwargs)
    # nothing was received: the message is still visible
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "1"}


@pytest.mark.parametrize("delay", [901, -1])
def test_send_delay_out_of_range(sqs, queue, delay):
    url, _ = queue
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x", DelaySeconds=delay)
    assert_empty(sqs, url)


def test_change_visibility_out_of_range(sqs, queue):
    url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]["ReceiptHandle"]
    expect_common(sqs.change_message_visibility, "InvalidParameterValue", QueueUrl=url, ReceiptHandle=handle,
                  VisibilityTimeout=43201)


# ---------------------------------------------------------------------------------------- bodies
@pytest.mark.parametrize("body", ["nul \x00", "backspace \x08", "escape \x1b", "non-char \ufffe", "\uffff"])
def test_invalid_body_characters(sqs, queue, body):
    url, _ = queue
    expect_modeled(sqs, "InvalidMessageContents", sqs.send_message, QueueUrl=url, MessageBody=body)
    assert_empty(sqs, url)


def test_lone_surrogate_in_body_is_invalid_message_contents(server, sqs, queue):
    url, _ = queue
    raw = b'{"QueueUrl": "%s", "MessageBody": "half \\ud800 a pair"}' % url.encode()
    resp = sqs_json(server.url, "SendMessage", raw_body=raw)
    assert resp.status_code == 400, resp.text
    assert json_error_type(resp) == "InvalidMessageContents"
    assert_empty(sqs, url)


def test_empty_body_is_missing_parameter(sqs, queue):
    url, _ = queue
    expect_common(sqs.send_message, "MissingParameter", QueueUrl=url, MessageBody="")
    assert_empty(sqs, url)


# ---------------------------------------------------------------------------- message attributes
@pytest.mark.parametrize("attrs", [
    pytest.param({f"a{i}": _s("v") for i in range(11)}, id="eleven-attributes"),
    pytest.param({"empty": _s("")}, id="empty-string-value"),
    pytest.param({"bad": {"DataType": "Foo", "StringValue": "x"}}, id="unknown-data-type"),
    pytest.param({"n": {"DataType": "Number", "StringValue": "not a number"}}, id="number-not-numeric"),
    pytest.param({"AWS.reserved": _s("x")}, id="aws-prefix"),
    pytest.param({"Amazon.reserved": _s("x")}, id="amazon-prefix"),
    pytest.param({".leading": _s("x")}, id="leading-dot"),
    pytest.param({"trailing.": _s("x")}, id="trailing-dot"),
    pytest.param({"double..dot": _s("x")}, id="double-dot"),
    pytest.param({"has space": _s("x")}, id="space-in-name"),
    pytest.param({"n\u00e4me": _s("x")}, id="non-ascii-name"),
    pytest.param({"n" * 257: _s("x")}, id="name-too-long"),
    pytest.param({"b": {"DataType": "Binary", "StringValue": "text"}}, id="binary-without-binary-value"),
    pytest.param({"s": {"DataType": "String", "BinaryValue": b"\x01"}}, id="string-without-string-value"),
    pytest.param({"ctl": _s("bad \x00 char")}, id="invalid-char-in-value"),
])
def test_invalid_message_attributes(sqs, queue, attrs):
    url, _ = queue
    expect_common(sqs.send_message, "InvalidParameterValue", QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
    assert_empty(sqs, url)


# ------------------------------------------------------------------------------------------ batches
def test_empty_batches(sqs, queue):
    url, _ = queue
    expect_modeled(sqs, "EmptyBatchRequest", sqs.send_message_batch, QueueUrl=url, Entries=[])
    expect_modeled(sqs, "EmptyBatchRequest", sqs.delete_message_batch, QueueUrl=url, Entries=[])
    expect_modeled(sqs, "EmptyBatchRequest", sqs.change_message_visibility_batch, QueueUrl=url, Entries=[])


def test_too_many_entries(sqs, queue):
    url, _ = queue
    err = expect_modeled(sqs, "TooManyEntriesInBatchRequest", sqs.send_message_batch, QueueUrl=url,
                         Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
    assert "11" in err.response["Error"]["Message"]
    assert_empty(sqs, url)
    expect_modeled(sqs, "TooManyEntriesInBatchRequest", sqs.delete_message_batch, QueueUrl=url,
                   Entries=[{"Id": str(i), "ReceiptHandle": "h"} for i in range(11)])
    expect_modeled(sqs, "TooManyEntriesInBatchRequest", sqs.change_message_visibility_batch, QueueUrl=url,
                   Entries=[{"Id": str(i), "ReceiptHandle": "h", "VisibilityTimeout": 1} for i in range(11)])


def test_duplicate_batch_ids(sqs, queue):
    url, _ = queue
    expect_modeled(sqs, "BatchEntryIdsNotDistinct", sqs.send_message_batch, QueueUrl=url, Entries=[
        {"Id": "same", "MessageBody": "one"}, {"Id": "other", "MessageBody": "two"},
        {"Id": "same", "MessageBody": "three"}])
    assert_empty(sqs, url)
    expect_modeled(sqs, "BatchEntryIdsNotDistinct", sqs.delete_message_batch, QueueUrl=url, Entries=[
        {"Id": "same", "ReceiptHandle": "h1"}, {"Id": "same", "ReceiptHandle": "h2"}])


@pytest.mark.parametrize("bad_id", ["invalid:id", "", "x" * 81, "sp ace", "dot.id"])
def test_invalid_batch_entry_ids(sqs, queue, bad_id):
    url, _ = queue
    expect_modeled(sqs, "InvalidBatchEntryId", sqs.send_message_batch, QueueUrl=url, Entries=[
        {"Id": "fine", "MessageBody": "one"}, {"Id": bad_id, "MessageBody": "two"}])
    assert_empty(sqs, url)
    expect_modeled(sqs, "InvalidBatchEntryId", sqs.delete_message_batch, QueueUrl=url,
                   Entries=[{"Id": bad_id, "ReceiptHandle": "h"}])


def test_batch_ids_of_80_allowed_characters_are_valid(sqs, queue):
    url, _ = queue
    ok = ("Ab-_9" * 16)[:80]
    resp = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": ok, "MessageBody": "x"}])
    assert [e["Id"] for e in resp["Successful"]] == [ok]


def test_batch_over_one_mib_is_batch_request_too_long(sqs, queue):
    url, _ = queue
    size = ONE_MIB // 10 + 100  # each entry is fine, ten of them are not
    expect_modeled(sqs, "BatchRequestTooLong", sqs.send_message_batch, QueueUrl=url,
                   Entries=[{"Id": str(i), "MessageBody": "z" * size} for i in range(10)])
    assert_empty(sqs, url)


def test_batch_of_exactly_one_mib_is_accepted(sqs, queue):
    url, _ = queue
    size = ONE_MIB // 8
    resp = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "z" * size}
                                                         for i in range(8)])
    assert len(resp["Successful"]) == 8 and resp.get("Failed", []) == []


# ------------------------------------------------------------------------------ unknown queues
def _missing_url(server):
    return f"{server.url}/{DEFAULT_ACCOUNT}/{unique('missing')}"


@pytest.mark.parametrize("op, kwargs", [
    ("send_message", {"MessageBody": "x"}),
    ("send_message_batch", {"Entries": [{"Id": "a", "MessageBody": "x"}]}),
    ("receive_message", {}),
    ("get_queue_attributes", {"AttributeNames": ["All"]}),
    ("set_queue_attributes", {"Attributes": {"VisibilityTimeout": "5"}}),
    ("purge_queue", {}),
    ("delete_queue", {}),
    ("list_queue_tags", {}),
    ("tag_queue", {"Tags": {"a": "b"}}),
    ("untag_queue", {"TagKeys": ["a"]}),
    ("add_permission", {"Label": "l", "AWSAccountIds": ["111122223333"], "Actions": ["SendMessage"]}),
    ("remove_permission", {"Label": "l"}),
    ("list_dead_letter_source_queues", {}),
])
def test_operations_on_unknown_queue(sqs, server, op, kwargs):
    expect_modeled(sqs, "QueueDoesNotExist", getattr(sqs, op), QueueUrl=_missing_url(server), **kwargs)


def test_unknown_queue_with_wait_time_answers_at_once(sqs, server):
    import time
    start = time.monotonic()
    expect_modeled(sqs, "QueueDoesNotExist", sqs.receive_message, QueueUrl=_missing_url(server), WaitTimeSeconds=5)
    assert time.monotonic() - start < 2


# --------------------------------------------------------------------------------- wire level
def test_json_error_document_for_missing_queue(server):
    resp = sqs_json(server.url, "GetQueueUrl", {"QueueName": unique("missing")})
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/x-amz-json-1.0")
    assert resp.headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    body = resp.json()
    assert body["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert body["message"] == "The specified queue does not exist."
    assert resp.headers.get("x-amzn-requestid")


def test_json_success_response(server, sqs, queue):
    url, _ = queue
    resp = sqs_json(server.url, "SendMessage", {"QueueUrl": url, "MessageBody": "wire"})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/x-amz-json-1.0")
    assert resp.headers.get("x-amzn-requestid")
    body = resp.json()
    assert set(body) == {"MessageId", "MD5OfMessageBody"}


def test_query_mode_header_is_accepted(server, sqs, queue):
    """Newer SDKs send `x-amzn-query-mode: true` to query-compatible JSON services."""
    import requests

    from .helpers import signed_headers

    url, _ = queue
    body = json.dumps({"QueueUrl": url, "MessageBody": "query mode"}).encode()
    headers = signed_headers(server.url + "/", body, {"X-Amz-Target": "AmazonSQS.SendMessage",
                                                       "Content-Type": "application/x-amz-json-1.0",
                                                       "x-amzn-query-mode": "true"})
    resp = requests.post(server.url + "/", data=body, headers=headers, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["MessageId"]


def test_json_error_document_for_invalid_parameter_value(server, sqs, queue):
    url, _ = queue
    resp = sqs_json(server.url, "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 11})
    assert resp.status_code == 400
    assert resp.headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    assert resp.json()["__type"] == "com.amazonaws.sqs#InvalidParameterValueException"


@pytest.mark.parametrize("shape", ["EmptyBatchRequest", "InvalidAttributeName"])
def test_json_error_type_is_namespaced_shape(server, sqs, queue, shape):
    url, _ = queue
    if shape == "EmptyBatchRequest":
        resp = sqs_json(server.url, "SendMessageBatch", {"QueueUrl": url, "Entries": []})
    else:
        resp = sqs_json(server.url, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["Nope"]})
    code, status = {"EmptyBatchRequest": ("AWS.SimpleQueueService.EmptyBatchRequest", 400),
                    "InvalidAttributeName": ("InvalidAttributeName", 400)}[shape]
    assert resp.status_code == status
    assert resp.json()["__type"] == f"com.amazonaws.sqs#{shape}"
    assert resp.headers["x-amzn-query-error"] == f"{code};Sender"


def test_malformed_json_body(server):
    resp = sqs_json(server.url, "ListQueues", raw_body=b'{"QueueNamePrefix": ')
    assert resp.status_code == 400, resp.text
    assert json_error_type(resp) == "SerializationException"


def test_json_body_that_is_not_an_object(server):
    resp = sqs_json(server.url, "ListQueues", raw_body=b'["not", "an", "object"]')
    assert resp.status_code == 400, resp.text
    assert json_error_type(resp) == "SerializationException"


@pytest.mark.parametrize("payload", [
    pytest.param({"MaxNumberOfMessages": "ten"}, id="string-for-integer"),
    pytest.param({"MaxNumberOfMessages": {"n": 1}}, id="object-for-integer"),
    pytest.param({"AttributeNames": "All"}, id="string-for-list"),
    pytest.param({"MessageAttributeNames": {"a": 1}}, id="object-for-list"),
])
def test_wrong_types(server, sqs, queue, payload):
    url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="untouched")
    resp = sqs_json(server.url, "ReceiveMessage", {"QueueUrl": url, **payload})
    assert resp.status_code == 400, resp.text
    assert json_error_type(resp) == "SerializationException"
    assert attributes(sqs, url, "ApproximateNumberOfMessages") == {"ApproximateNumberOfMessages": "1"}


def test_wrong_type_for_map(server, sqs):
    name = unique()
    resp = sqs_json(server.url, "CreateQueue", {"QueueName": name, "Attributes": "VisibilityTimeout=5"})
    assert resp.status_code == 400, resp.text
    assert json_error_type(resp) == "SerializationException"
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name)


def test_missing_required_parameter(server, sqs, queue):
    url, _ = queue
    resp = sqs_json(server.url, "SendMessage", {"QueueUrl": url})
    assert resp.status_code == 400, resp.text
    assert resp.headers["x-amzn-query-error"] == "MissingParameter;Sender"
    assert_empty(sqs, url)


def test_json_error_document_for_missing_parameter(server, sqs, make_queue):
    """Real SQS: __type MissingRequiredParameterException, legacy code MissingParameter (LocalStack's AWS-recorded
    snapshot of a FIFO send without MessageGroupId)."""
    url, _ = make_queue(fifo=True)
    resp = sqs_json(server.url, "SendMessage", {"QueueUrl": url, "MessageBody": "x", "MessageDeduplicationId": "d"})
    assert resp.status_code == 400, resp.text
    assert resp.headers["x-amzn-query-error"] == "MissingParameter;Sender"
    assert resp.json()["__type"] == "com.amazonaws.sqs#MissingRequiredParameterException"


def test_unknown_operation(server):
    resp = sqs_json(server.url, "NoSuchOperation", {})
    assert resp.status_code == 400, resp.text
    assert json_error_type(resp) in {"UnknownOperationException", "InvalidAction"}


def test_unknown_target_prefix(server):
    resp = sqs_json(server.url, "ListQueues", {}, target="NotAService.ListQueues")
    assert 400 <= resp.status_code < 500, resp.text


@pytest.mark.parametrize("raw", [
    b"", b"null", b"{}", b"\xff\xfe garbage", b'{"QueueUrl": null}', b'{"QueueUrl": 12}',
    b'{"QueueUrl": "http://x/1/2", "Entries": [null]}', b'{"QueueUrl": "", "Entries": [{}]}',
    b'{"QueueUrl": "not a url", "MessageBody": "x", "MessageAttributes": {"a": null}}',
    b'{"QueueUrl": "http://127.0.0.1/000000000000/q", "MessageBody": "x", "DelaySeconds": 1e309}',
])
@pytest.mark.parametrize("operation", ["SendMessage", "SendMessageBatch", "ReceiveMessage", "CreateQueue",
                                       "DeleteMessageBatch", "ListQueues"])
def test_garbage_never_gives_a_500(server, operation, raw):
    resp = sqs_json(server.url, operation, raw_body=raw)
    assert resp.status_code < 500, (resp.status_code, resp.text)


def test_oversized_request_is_rejected_not_crashing(server, sqs, queue):
    url, _ = queue
    body = json.dumps({"QueueUrl": url, "MessageBody": "x" * (5 * ONE_MIB)}).encode()
    resp = sqs_json(server.url, "SendMessage", raw_body=body)
    assert resp.status_code in (400, 413), resp.status_code
    assert_empty(sqs, url)
    # and the server is fine afterwards
    assert sqs.get_queue_url(QueueName=url.rsplit("/", 1)[1])["QueueUrl"] == url


def test_queue_url_of_another_account_is_not_found(sqs, server, make_queue):
    _, name = make_queue()
    expect_modeled(sqs, "QueueDoesNotExist", sqs.send_message, QueueUrl=f"{server.url}/123456789012/{name}",
                   MessageBody="x")


def test_redrive_policy_that_is_not_json(sqs, make_queue):
    url, _ = make_queue()
    expect_common(sqs.set_queue_attributes, "InvalidParameterValue", QueueUrl=url,
                  Attributes={"RedrivePolicy": "{not json"})


def test_failed_create_fifo_changes_nothing(sqs):
    name = unique("fifo") + ".fifo"
    expect_modeled(sqs, "InvalidAttributeValue", sqs.create_queue, QueueName=name,
                   Attributes={"FifoQueue": "true", "VisibilityTimeout": "99999"})
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name)
    assert queue_arn(name)  # name is still free: creating it properly works
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert url.endswith(name)


def test_visibility_cannot_exceed_12_hours_from_the_receive(sqs, queue):
    """The visibility timeout of a message counts from its receive and may not exceed 12 hours in total."""
    import time

    url, _ = queue
    sqs.send_message(QueueUrl=url, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=30)["Messages"][0]["ReceiptHandle"]
    time.sleep(1.1)
    expect_common(sqs.change_message_visibility, "InvalidParameterValue", QueueUrl=url, ReceiptHandle=handle,
                  VisibilityTimeout=43200)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43000)


@pytest.mark.parametrize("value", ["yes", "1", ""])
def test_boolean_attribute_values(sqs, value):
    name = unique("fifo") + ".fifo"
    expect_modeled(sqs, "InvalidAttributeValue", sqs.create_queue, QueueName=name,
                   Attributes={"FifoQueue": "true", "ContentBasedDeduplication": value})


def test_add_permission_with_unknown_action(sqs, make_queue):
    url, _ = make_queue()
    expect_common(sqs.add_permission, "InvalidParameterValue", QueueUrl=url, Label="bad",
                  AWSAccountIds=["111122223333"], Actions=["NoSuchAction"])
    assert "Policy" not in attributes(sqs, url)


@pytest.mark.parametrize("max_results", [0, 1001])
def test_list_queues_max_results_out_of_range(sqs, max_results):
    expect_common(sqs.list_queues, "InvalidParameterValue", MaxResults=max_results)
