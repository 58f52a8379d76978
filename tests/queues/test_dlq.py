"""Dead-letter queues: RedrivePolicy (maxReceiveCount) moves a message to the DLQ, RedriveAllowPolicy,
ListDeadLetterSourceQueues, and message move tasks (StartMessageMoveTask back to the original sources or to a
DestinationArn, ListMessageMoveTasks, CancelMessageMoveTask) with the answers real SQS gives (recorded in
LocalStack's AWS-validated snapshots: COMPLETED entries carry no TaskHandle, RUNNING ones do, etc.)."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from .helpers import attributes, expect_common, expect_modeled, now_ms, queue_arn, unique


@pytest.fixture
def dlq_pair(sqs, make_queue):
    """(source_url, source_name, dlq_url, dlq_name) with maxReceiveCount=1."""
    dlq_url, dlq_name = make_queue(VisibilityTimeout=30)
    src_url, src_name = make_queue(VisibilityTimeout=30, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 1}))
    return src_url, src_name, dlq_url, dlq_name


def count(sqs, url) -> int:
    return int(attributes(sqs, url, "ApproximateNumberOfMessages")["ApproximateNumberOfMessages"])


def push_to_dlq(sqs, src_url, dlq_url, n, timeout=8.0):
    """Receive with VisibilityTimeout=0 until all n messages went past maxReceiveCount into the DLQ."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        if count(sqs, dlq_url) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"only {count(sqs, dlq_url)} of {n} messages reached the DLQ")


def wait_task(sqs, source_arn, statuses=("COMPLETED",), timeout=10.0) -> dict:
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        results = sqs.list_message_move_tasks(SourceArn=source_arn)["Results"]
        last = results[0] if results else None
        if last and last["Status"] in statuses:
            return last
        time.sleep(0.1)
    raise AssertionError(f"move task did not reach {statuses}: {last}")


def test_redrive_policy_round_trips(sqs, dlq_pair):
    src_url, _, _, dlq_name = dlq_pair
    policy = json.loads(attributes(sqs, src_url, "RedrivePolicy")["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == queue_arn(dlq_name)
    assert int(policy["maxReceiveCount"]) == 1


def test_message_moves_to_dlq_after_max_receive_count(sqs, make_queue):
    dlq_url, dlq_name = make_queue(VisibilityTimeout=30)
    src_url, src_name = make_queue(VisibilityTimeout=30, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 2}))
    sent = sqs.send_message(QueueUrl=src_url, MessageBody="poison",
                            MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    for expected in ("1", "2"):
        msg = sqs.receive_message(QueueUrl=src_url, VisibilityTimeout=0, AttributeNames=["All"],
                                  WaitTimeSeconds=1)["Messages"][0]
        assert msg["Attributes"]["ApproximateReceiveCount"] == expected
        sent_timestamp = msg["Attributes"]["SentTimestamp"]
    # the third receive finds the count exhausted: the message goes to the DLQ instead of to the caller
    assert sqs.receive_message(QueueUrl=src_url, VisibilityTimeout=0).get("Messages", []) == []
    moved = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=2, AttributeNames=["All"],
                                MessageAttributeNames=["All"])["Messages"]
    assert len(moved) == 1
    assert moved[0]["MessageId"] == sent["MessageId"]
    assert moved[0]["Body"] == "poison"
    assert moved[0]["MessageAttributes"] == {"k": {"DataType": "String", "StringValue": "v"}}
    assert moved[0]["Attributes"]["DeadLetterQueueSourceArn"] == queue_arn(src_name)
    # standard queues: the move keeps the original enqueue time
    assert moved[0]["Attributes"]["SentTimestamp"] == sent_timestamp
    assert count(sqs, src_url) == 0


def test_invalid_dead_letter_target_arn(sqs, make_queue):
    url, _ = make_queue()
    expect_common(sqs.set_queue_attributes, "InvalidParameterValue", QueueUrl=url, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": "dummy", "maxReceiveCount": 42})})
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {}) == {}


@pytest.mark.parametrize("max_receive_count", [0, 1001])
def test_max_receive_count_out_of_range(sqs, make_queue, max_receive_count):
    _, dlq_name = make_queue()
    url, _ = make_queue()
    expect_common(sqs.set_queue_attributes, "InvalidParameterValue", QueueUrl=url, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(dlq_name),
                                     "maxReceiveCount": max_receive_count})})


def test_dead_letter_target_must_exist(sqs, make_queue):
    url, _ = make_queue()
    with pytest.raises(ClientError) as info:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": queue_arn(unique("no-such-dlq")), "maxReceiveCount": 3})})
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert info.value.response["Error"]["Code"] in {"InvalidParameterValue", "AWS.SimpleQueueService.NonExistentQueue"}


def test_redrive_allow_policy_round_trips(sqs, make_queue):
    _, src_name = make_queue()
    policy = {"redrivePermission": "byQueue", "sourceQueueArns": [queue_arn(src_name)]}
    dlq_url, _ = make_queue(RedriveAllowPolicy=json.dumps(policy))
    assert json.loads(attributes(sqs, dlq_url, "RedriveAllowPolicy")["RedriveAllowPolicy"]) == policy


def test_redrive_allow_policy_by_queue(sqs, make_queue):
    allowed_url, allowed_name = make_queue()
    other_url, _ = make_queue()
    _, dlq_name = make_queue(RedriveAllowPolicy=json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [queue_arn(allowed_name)]}))
    redrive = json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 3})
    sqs.set_queue_attributes(QueueUrl=allowed_url, Attributes={"RedrivePolicy": redrive})
    expect_common(sqs.set_queue_attributes, "InvalidParameterValue", QueueUrl=other_url,
                  Attributes={"RedrivePolicy": redrive})


def test_redrive_allow_policy_deny_all(sqs, make_queue):
    src_url, _ = make_queue()
    _, dlq_name = make_queue(RedriveAllowPolicy=json.dumps({"redrivePermission": "denyAll"}))
    expect_common(sqs.set_queue_attributes, "InvalidParameterValue", QueueUrl=src_url, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 3})})


def test_list_dead_letter_source_queues(sqs, make_queue):
    dlq_url, dlq_name = make_queue()
    redrive = json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 5})
    sources = sorted(make_queue(RedrivePolicy=redrive)[0] for _ in range(3))
    make_queue()  # unrelated
    assert sorted(sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"]) == sources
    pages, kwargs = [], {"QueueUrl": dlq_url, "MaxResults": 2}
    while True:
        resp = sqs.list_dead_letter_source_queues(**kwargs)
        pages.append(resp["queueUrls"])
        if "NextToken" not in resp:
            break
        kwargs["NextToken"] = resp["NextToken"]
        assert len(pages) < 5
    assert [len(p) for p in pages] == [2, 1]
    assert sorted(u for p in pages for u in p) == sources


def test_list_dead_letter_source_queues_of_a_plain_queue_is_empty(sqs, make_queue):
    url, _ = make_queue()
    assert sqs.list_dead_letter_source_queues(QueueUrl=url)["queueUrls"] == []


def test_move_task_back_to_original_source(sqs, dlq_pair):
    src_url, src_name, dlq_url, dlq_name = dlq_pair
    for i in range(3):
        sqs.send_message(QueueUrl=src_url, MessageBody=f"redrive-{i}")
    push_to_dlq(sqs, src_url, dlq_url, 3)
    started = now_ms()
    handle = sqs.start_message_move_task(SourceArn=queue_arn(dlq_name))["TaskHandle"]
    assert handle
    task = wait_task(sqs, queue_arn(dlq_name))
    assert task["Status"] == "COMPLETED"
    assert task["SourceArn"] == queue_arn(dlq_name)
    assert task["ApproximateNumberOfMessagesMoved"] == 3
    assert task["ApproximateNumberOfMessagesToMove"] == 3
    assert started - 2000 <= task["StartedTimestamp"] <= now_ms() + 1000
    assert "DestinationArn" not in task and "TaskHandle" not in task and "FailureReason" not in task
    back = sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    got = list(back)
    while len(got) < 3:
        more = sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not more:
            break
        got.extend(more)
    assert sorted(m["Body"] for m in got) == ["redrive-0", "redrive-1", "redrive-2"]
    assert count(sqs, dlq_url) == 0


def test_move_task_to_destination_arn(sqs, dlq_pair, make_queue):
    src_url, _, dlq_url, dlq_name = dlq_pair
    dest_url, dest_name = make_queue()
    for i in range(2):
        sqs.send_message(QueueUrl=src_url, MessageBody=f"elsewhere-{i}")
    push_to_dlq(sqs, src_url, dlq_url, 2)
    sqs.start_message_move_task(SourceArn=queue_arn(dlq_name), DestinationArn=queue_arn(dest_name))
    task = wait_task(sqs, queue_arn(dlq_name))
    assert (task["Status"], task["DestinationArn"], task["ApproximateNumberOfMessagesMoved"]) == (
        "COMPLETED", queue_arn(dest_name), 2)
    got = sqs.receive_message(QueueUrl=dest_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    if len(got) < 2:
        got += sqs.receive_message(QueueUrl=dest_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert sorted(m["Body"] for m in got) == ["elsewhere-0", "elsewhere-1"]
    assert count(sqs, src_url) == 0 and count(sqs, dlq_url) == 0


def test_move_task_rate_limit_cancel_and_single_active_task(sqs, dlq_pair, make_queue):
    src_url, _, dlq_url, dlq_name = dlq_pair
    dest_url, dest_name = make_queue()
    for i in range(6):
        sqs.send_message(QueueUrl=src_url, MessageBody=f"slow-{i}")
    push_to_dlq(sqs, src_url, dlq_url, 6)
    handle = sqs.start_message_move_task(SourceArn=queue_arn(dlq_name), DestinationArn=queue_arn(dest_name),
                                         MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    running = sqs.list_message_move_tasks(SourceArn=queue_arn(dlq_name))["Results"][0]
    assert running["Status"] == "RUNNING"
    assert running["TaskHandle"] == handle
    assert running["MaxNumberOfMessagesPerSecond"] == 1
    assert running["DestinationArn"] == queue_arn(dest_name)
    # only one active task per source queue
    expect_common(sqs.start_message_move_task, "InvalidParameterValue", SourceArn=queue_arn(dlq_name))
    cancelled = sqs.cancel_message_move_task(TaskHandle=handle)
    assert 0 <= cancelled["ApproximateNumberOfMessagesMoved"] < 6
    task = wait_task(sqs, queue_arn(dlq_name), statuses=("CANCELLED",), timeout=5)
    moved = task["ApproximateNumberOfMessagesMoved"]
    assert moved < 6
    assert "TaskHandle" not in task
    time.sleep(1.5)  # a cancelled task moves nothing more
    dlq_state = attributes(sqs, dlq_url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    assert (dlq_state, count(sqs, dest_url)) == (
        {"ApproximateNumberOfMessages": str(6 - moved), "ApproximateNumberOfMessagesNotVisible": "0"}, moved)


def test_list_message_move_tasks_most_recent_first(sqs, dlq_pair):
    src_url, _, dlq_url, dlq_name = dlq_pair
    for round_ in range(2):
        sqs.send_message(QueueUrl=src_url, MessageBody=f"round-{round_}")
        push_to_dlq(sqs, src_url, dlq_url, 1)
        sqs.start_message_move_task(SourceArn=queue_arn(dlq_name))
        wait_task(sqs, queue_arn(dlq_name))
        sqs.receive_message(QueueUrl=src_url, WaitTimeSeconds=1)  # leaves it in flight (VT 30)
    assert len(sqs.list_message_move_tasks(SourceArn=queue_arn(dlq_name))["Results"]) == 1
    results = sqs.list_message_move_tasks(SourceArn=queue_arn(dlq_name), MaxResults=10)["Results"]
    assert len(results) == 2
    assert results[0]["StartedTimestamp"] >= results[1]["StartedTimestamp"]
    assert [r["Status"] for r in results] == ["COMPLETED", "COMPLETED"]


def test_start_move_task_on_a_queue_that_is_no_dlq(sqs, make_queue):
    _, name = make_queue()
    err = expect_common(sqs.start_message_move_task, "InvalidParameterValue", SourceArn=queue_arn(name))
    assert err.response["Error"]["Message"] == "Source queue must be configured as a Dead Letter Queue."


def test_start_move_task_unknown_source(sqs):
    expect_modeled(sqs, "ResourceNotFoundException", sqs.start_message_move_task,
                   SourceArn=queue_arn(unique("missing")))


def test_start_move_task_unknown_destination(sqs, dlq_pair):
    _, _, _, dlq_name = dlq_pair
    expect_modeled(sqs, "ResourceNotFoundException", sqs.start_message_move_task, SourceArn=queue_arn(dlq_name),
                   DestinationArn=queue_arn(unique("missing")))


def test_cancel_with_invalid_task_handle(sqs):
    expect_common(sqs.cancel_message_move_task, "InvalidParameterValue", TaskHandle="not-a-task-handle")


def test_fifo_source_needs_a_fifo_dead_letter_queue(sqs, make_queue):
    _, dlq_name = make_queue()  # standard
    url, _ = make_queue(fifo=True)
    expect_common(sqs.set_queue_attributes, "InvalidParameterValue", QueueUrl=url, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 3})})


def test_empty_redrive_policy_removes_it(sqs, make_queue):
    dlq_url, dlq_name = make_queue()
    url, _ = make_queue(RedrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 3}))
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [url]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in attributes(sqs, url)
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == []


def test_move_task_rate_above_500_is_invalid(sqs, dlq_pair):
    _, _, _, dlq_name = dlq_pair
    expect_common(sqs.start_message_move_task, "InvalidParameterValue", SourceArn=queue_arn(dlq_name),
                  MaxNumberOfMessagesPerSecond=501)
    assert sqs.list_message_move_tasks(SourceArn=queue_arn(dlq_name)).get("Results", []) == []


def test_redrive_policy_accepts_max_receive_count_as_a_string(sqs, make_queue):
    dlq_url, dlq_name = make_queue()
    url, _ = make_queue(RedrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": "5"}))
    policy = json.loads(attributes(sqs, url, "RedrivePolicy")["RedrivePolicy"])
    assert int(policy["maxReceiveCount"]) == 5
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [url]


def test_fifo_message_keeps_its_group_in_the_fifo_dlq(sqs, make_queue):
    dlq_url, dlq_name = make_queue(fifo=True)
    src_url, _ = make_queue(fifo=True, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": 1}))
    sent = sqs.send_message(QueueUrl=src_url, MessageBody="fifo poison", MessageGroupId="G",
                            MessageDeduplicationId="poison-1")
    push_to_dlq(sqs, src_url, dlq_url, 1)
    msg = sqs.receive_message(QueueUrl=dlq_url, AttributeNames=["All"], WaitTimeSeconds=1)["Messages"][0]
    assert (msg["MessageId"], msg["Body"]) == (sent["MessageId"], "fifo poison")
    assert msg["Attributes"]["MessageGroupId"] == "G"
    assert msg["Attributes"]["MessageDeduplicationId"] == "poison-1"


def test_cancel_a_completed_move_task_is_refused(sqs, dlq_pair):
    """Only RUNNING tasks can be cancelled (CancelMessageMoveTask reference)."""
    src_url, _, dlq_url, dlq_name = dlq_pair
    sqs.send_message(QueueUrl=src_url, MessageBody="done")
    push_to_dlq(sqs, src_url, dlq_url, 1)
    handle = sqs.start_message_move_task(SourceArn=queue_arn(dlq_name))["TaskHandle"]
    wait_task(sqs, queue_arn(dlq_name))
    with pytest.raises(ClientError) as info:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 404)
    assert sqs.list_message_move_tasks(SourceArn=queue_arn(dlq_name))["Results"][0]["Status"] == "COMPLETED"
