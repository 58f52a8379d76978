"""Queue management: CreateQueue, GetQueueUrl, ListQueues (prefix, pagination), DeleteQueue,
Get/SetQueueAttributes, tags, AddPermission/RemovePermission, QueueDeletedRecently, QueueNameExists.
Expected values follow the SQS API reference (defaults, ranges) and what real SQS returns."""

from __future__ import annotations

import json
import time

from .helpers import (DEFAULT_ACCOUNT, ONE_MIB, attributes, expect_common, expect_modeled, queue_arn,
                      unique)

STANDARD_ATTRIBUTES = {
    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp", "DelaySeconds", "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod",
    "QueueArn", "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled", "VisibilityTimeout",
}
FIFO_EXTRA = {"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}


def test_create_queue_returns_url_with_host_account_and_name(sqs, server):
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{server.url}/{DEFAULT_ACCOUNT}/{name}"


def test_create_is_idempotent_with_same_attributes(sqs):
    name = unique()
    first = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "7", "DelaySeconds": "1"})["QueueUrl"]
    again = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "7", "DelaySeconds": "1"})["QueueUrl"]
    assert again == first
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == first


def test_create_existing_name_with_different_attribute_is_queue_name_exists(sqs):
    name = unique()
    url = sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})["QueueUrl"]
    err = expect_modeled(sqs, "QueueNameExists", sqs.create_queue, QueueName=name, Attributes={"DelaySeconds": "2"})
    assert "DelaySeconds" in err.response["Error"]["Message"]
    # and nothing changed
    assert attributes(sqs, url, "DelaySeconds") == {"DelaySeconds": "1"}


def test_create_existing_fifo_with_different_content_based_dedup_is_queue_name_exists(sqs):
    name = unique("fifo") + ".fifo"
    sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})
    expect_modeled(sqs, "QueueNameExists", sqs.create_queue, QueueName=name,
                   Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"})


def test_get_queue_url(sqs, make_queue):
    url, name = make_queue()
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=DEFAULT_ACCOUNT)["QueueUrl"] == url


def test_get_queue_url_unknown_is_queue_does_not_exist(sqs):
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=unique("missing"))


def test_queue_names_are_case_sensitive(sqs, make_queue):
    _, name = make_queue()
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name.upper())


def test_list_queues_with_prefix(sqs):
    prefix = unique("lst")
    urls = sorted(sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(3))
    sqs.create_queue(QueueName=unique("other"))
    listed = sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]
    assert sorted(listed) == urls
    assert sqs.list_queues(QueueNamePrefix=f"{prefix}-1")["QueueUrls"] == [urls[1]]


def test_list_queues_prefix_without_match_is_empty(sqs):
    resp = sqs.list_queues(QueueNamePrefix=unique("nothing-here"))
    assert resp.get("QueueUrls", []) == []
    assert "NextToken" not in resp


def test_list_queues_pagination(sqs):
    prefix = unique("page")
    urls = {sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5)}
    pages = []
    kwargs = {"QueueNamePrefix": prefix, "MaxResults": 2}
    while True:
        resp = sqs.list_queues(**kwargs)
        pages.append(resp["QueueUrls"])
        if "NextToken" not in resp:
            break
        kwargs["NextToken"] = resp["NextToken"]
        assert len(pages) < 10, "pagination does not terminate"
    assert [len(p) for p in pages] == [2, 2, 1]
    assert {u for p in pages for u in p} == urls


def test_list_queues_without_max_results_has_no_next_token(sqs):
    prefix = unique("all")
    for i in range(3):
        sqs.create_queue(QueueName=f"{prefix}-{i}")
    resp = sqs.list_queues(QueueNamePrefix=prefix)
    assert len(resp["QueueUrls"]) == 3
    assert "NextToken" not in resp


def test_list_queues_paginator(sqs):
    prefix = unique("pgr")
    urls = {sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(3)}
    seen = []
    for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix, PaginationConfig={"PageSize": 1}):
        seen.extend(page.get("QueueUrls", []))
    assert sorted(seen) == sorted(urls)


def test_delete_queue(sqs, make_queue):
    url, name = make_queue()
    sqs.delete_queue(QueueUrl=url)
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name)
    expect_modeled(sqs, "QueueDoesNotExist", sqs.send_message, QueueUrl=url, MessageBody="x")
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"])
    assert url not in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])


def test_delete_unknown_queue_is_queue_does_not_exist(sqs, server):
    expect_modeled(sqs, "QueueDoesNotExist", sqs.delete_queue,
                   QueueUrl=f"{server.url}/{DEFAULT_ACCOUNT}/{unique('never')}")


def test_recreate_within_60s_of_delete_is_queue_deleted_recently(sqs, make_queue):
    url, name = make_queue()
    sqs.delete_queue(QueueUrl=url)
    expect_modeled(sqs, "QueueDeletedRecently", sqs.create_queue, QueueName=name)


def test_default_attributes_of_a_standard_queue(sqs, make_queue):
    before = int(time.time())
    url, name = make_queue()
    attrs = attributes(sqs, url)
    assert set(attrs) == STANDARD_ATTRIBUTES
    expected = {
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesDelayed": "0",
        "ApproximateNumberOfMessagesNotVisible": "0", "DelaySeconds": "0",
        "MaximumMessageSize": str(ONE_MIB), "MessageRetentionPeriod": "345600",
        "QueueArn": queue_arn(name), "ReceiveMessageWaitTimeSeconds": "0", "VisibilityTimeout": "30",
    }
    assert {k: attrs[k] for k in expected} == expected
    # timestamps are epoch seconds
    for key in ("CreatedTimestamp", "LastModifiedTimestamp"):
        assert attrs[key].isdigit(), attrs[key]
        assert before - 2 <= int(attrs[key]) <= time.time() + 2


def test_sqs_managed_sse_is_on_by_default(sqs, make_queue):
    url, _ = make_queue()
    assert attributes(sqs, url, "SqsManagedSseEnabled") == {"SqsManagedSseEnabled": "true"}


def test_default_attributes_of_a_fifo_queue(sqs, make_queue):
    url, name = make_queue(fifo=True)
    attrs = attributes(sqs, url)
    assert set(attrs) == STANDARD_ATTRIBUTES | FIFO_EXTRA
    assert {k: attrs[k] for k in FIFO_EXTRA | {"QueueArn", "VisibilityTimeout"}} == {
        "FifoQueue": "true", "ContentBasedDeduplication": "false", "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue", "QueueArn": queue_arn(name), "VisibilityTimeout": "30",
    }


def test_get_selected_attributes_only(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=11)
    resp = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "DelaySeconds"])
    assert resp["Attributes"] == {"VisibilityTimeout": "11", "DelaySeconds": "0"}


def test_get_attributes_without_names_returns_none(sqs, make_queue):
    url, _ = make_queue()
    assert sqs.get_queue_attributes(QueueUrl=url).get("Attributes", {}) == {}


def test_get_unknown_attribute_is_invalid_attribute_name(sqs, make_queue):
    url, _ = make_queue()
    expect_modeled(sqs, "InvalidAttributeName", sqs.get_queue_attributes, QueueUrl=url,
                   AttributeNames=["NoSuchAttribute"])


def test_create_with_attributes_and_set_attributes(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=20, MaximumMessageSize=2048, MessageRetentionPeriod=120,
                        DelaySeconds=3, ReceiveMessageWaitTimeSeconds=4)
    assert attributes(sqs, url, "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod",
                      "DelaySeconds", "ReceiveMessageWaitTimeSeconds") == {
        "VisibilityTimeout": "20", "MaximumMessageSize": "2048", "MessageRetentionPeriod": "120",
        "DelaySeconds": "3", "ReceiveMessageWaitTimeSeconds": "4"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "69", "DelaySeconds": "0",
                                                       "MaximumMessageSize": str(ONE_MIB)})
    assert attributes(sqs, url, "VisibilityTimeout", "DelaySeconds", "MaximumMessageSize") == {
        "VisibilityTimeout": "69", "DelaySeconds": "0", "MaximumMessageSize": str(ONE_MIB)}


def test_set_policy_attribute_round_trips(sqs, make_queue):
    url, name = make_queue()
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "s1", "Effect": "Allow", "Principal": "*",
                                                      "Action": "sqs:SendMessage", "Resource": queue_arn(name)}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    assert json.loads(attributes(sqs, url, "Policy")["Policy"]) == policy


def test_set_fifo_queue_attribute_on_existing_queue_is_rejected(sqs, make_queue):
    url, _ = make_queue()
    expect_modeled(sqs, "InvalidAttributeName", sqs.set_queue_attributes, QueueUrl=url,
                   Attributes={"FifoQueue": "true"})


def test_tags_lifecycle(sqs, make_queue):
    url, _ = make_queue(tags={"team": "core", "env": "test"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core", "env": "test"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "cost": ""})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core", "env": "prod", "cost": ""}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "not-there"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod", "cost": ""}
    sqs.untag_queue(QueueUrl=url, TagKeys=["env", "cost"])
    assert sqs.list_queue_tags(QueueUrl=url).get("Tags", {}) == {}


def test_tags_on_unknown_queue(sqs, server):
    url = f"{server.url}/{DEFAULT_ACCOUNT}/{unique('gone')}"
    expect_modeled(sqs, "QueueDoesNotExist", sqs.list_queue_tags, QueueUrl=url)
    expect_modeled(sqs, "QueueDoesNotExist", sqs.tag_queue, QueueUrl=url, Tags={"a": "b"})


def _policy(sqs, url) -> dict:
    return json.loads(attributes(sqs, url, "Policy")["Policy"])


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_add_and_remove_permission(sqs, make_queue):
    url, name = make_queue()
    sqs.add_permission(QueueUrl=url, Label="send-recv", AWSAccountIds=["111122223333"],
                       Actions=["SendMessage", "ReceiveMessage"])
    policy = _policy(sqs, url)
    assert policy["Version"] == "2008-10-17"
    assert len(policy["Statement"]) == 1
    statement = policy["Statement"][0]
    assert statement["Sid"] == "send-recv"
    assert statement["Effect"] == "Allow"
    assert _as_list(statement["Principal"]["AWS"]) == ["arn:aws:iam::111122223333:root"]
    assert sorted(_as_list(statement["Action"])) == ["SQS:ReceiveMessage", "SQS:SendMessage"]
    assert statement["Resource"] == queue_arn(name)

    sqs.add_permission(QueueUrl=url, Label="second", AWSAccountIds=["444455556666"], Actions=["*"])
    assert [st["Sid"] for st in _policy(sqs, url)["Statement"]] == ["send-recv", "second"]

    sqs.remove_permission(QueueUrl=url, Label="send-recv")
    assert [st["Sid"] for st in _policy(sqs, url)["Statement"]] == ["second"]
    sqs.remove_permission(QueueUrl=url, Label="second")
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}) == {}


def test_add_permission_duplicate_label_is_invalid_parameter_value(sqs, make_queue):
    url, _ = make_queue()
    sqs.add_permission(QueueUrl=url, Label="dup", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    expect_common(sqs.add_permission, "InvalidParameterValue", QueueUrl=url, Label="dup",
                  AWSAccountIds=["111122223333"], Actions=["ReceiveMessage"])
    assert len(_policy(sqs, url)["Statement"]) == 1


def test_remove_unknown_permission_label_is_invalid_parameter_value(sqs, make_queue):
    url, _ = make_queue()
    expect_common(sqs.remove_permission, "InvalidParameterValue", QueueUrl=url, Label="never-added")


def test_kms_encryption_attributes(sqs, make_queue):
    url, _ = make_queue(KmsMasterKeyId="testKeyId", KmsDataKeyReusePeriodSeconds=6000)
    assert attributes(sqs, url, "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled") == {
        "KmsMasterKeyId": "testKeyId", "KmsDataKeyReusePeriodSeconds": "6000", "SqsManagedSseEnabled": "false"}


def test_kms_and_sqs_managed_encryption_are_mutually_exclusive(sqs, make_queue):
    """Real SQS: InvalidAttributeName, 'You can use one type of server-side encryption (SSE) at one time...'
    (LocalStack's AWS-recorded snapshot)."""
    url, _ = make_queue()
    expect_modeled(sqs, "InvalidAttributeName", sqs.set_queue_attributes, QueueUrl=url,
                   Attributes={"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "true"})
    assert "KmsMasterKeyId" not in attributes(sqs, url)


def test_set_attributes_updates_last_modified_timestamp(sqs, make_queue):
    url, _ = make_queue()
    before = attributes(sqs, url, "CreatedTimestamp", "LastModifiedTimestamp")
    time.sleep(1.1)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "9"})
    after = attributes(sqs, url, "CreatedTimestamp", "LastModifiedTimestamp")
    assert after["CreatedTimestamp"] == before["CreatedTimestamp"]
    assert int(after["LastModifiedTimestamp"]) > int(before["LastModifiedTimestamp"])


def test_empty_policy_removes_it(sqs, make_queue):
    url, name = make_queue()
    sqs.add_permission(QueueUrl=url, Label="l1", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    assert "Policy" in attributes(sqs, url)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in attributes(sqs, url)


def test_concurrent_creates_of_one_name_agree(server, sqs):
    from concurrent.futures import ThreadPoolExecutor

    from conftest import aws_client

    name = unique("race")
    clients = [aws_client("sqs", server.url) for _ in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        urls = list(pool.map(lambda c: c.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "9"})["QueueUrl"],
                             clients))
    assert len(set(urls)) == 1
    assert sqs.list_queues(QueueNamePrefix=name)["QueueUrls"] == urls[:1]


def test_attribute_changes_take_effect_at_once(sqs, make_queue):
    url, _ = make_queue(VisibilityTimeout=60)
    sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])  # any cache is warm now
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1", "DelaySeconds": "0"})
    sqs.send_message(QueueUrl=url, MessageBody="x")
    first = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    time.sleep(1.3)
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    assert again["MessageId"] == first["MessageId"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "60"})
    sqs.send_message(QueueUrl=url, MessageBody="delayed now")
    assert attributes(sqs, url, "ApproximateNumberOfMessagesDelayed") == {"ApproximateNumberOfMessagesDelayed": "1"}


def test_deleted_queue_is_gone_for_every_operation_at_once(sqs, make_queue):
    url, name = make_queue()
    for _ in range(3):  # warm whatever caches the lookup path has
        sqs.send_message(QueueUrl=url, MessageBody="warm")
        sqs.get_queue_url(QueueName=name)
    sqs.delete_queue(QueueUrl=url)
    expect_modeled(sqs, "QueueDoesNotExist", sqs.receive_message, QueueUrl=url)
    expect_modeled(sqs, "QueueDoesNotExist", sqs.send_message, QueueUrl=url, MessageBody="late")
    expect_modeled(sqs, "QueueDoesNotExist", sqs.get_queue_url, QueueName=name)
