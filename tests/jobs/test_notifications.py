"""Completion events: published to the NotificationChannel's SNS topic in Rekognition's format, delivered to
an SQS queue subscribed to it; an idempotent retry of the Start sends nothing new."""

from __future__ import annotations

import json
import uuid

import boto3

from .conftest import wait


def _client(service: str, url: str, account: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=account,
                        aws_secret_access_key="secret")


def test_completion_is_published_to_the_topic_and_reaches_a_subscribed_queue(server, rek, account, videos):
    sns, sqs = _client("sns", server.url, account), _client("sqs", server.url, account)
    topic = sns.create_topic(Name=f"AmazonRekognition-{uuid.uuid4().hex[:8]}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"done-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    channel = {"SNSTopicArn": topic, "RoleArn": f"arn:aws:iam::{account}:role/rekognition"}
    video = videos.s3(server, "shots_and_black.mp4")
    job = rek.start_segment_detection(Video=video, SegmentTypes=["SHOT"], NotificationChannel=channel,
                                      JobTag="tag-1", ClientRequestToken="once")["JobId"]
    assert wait(rek, "get_segment_detection", job)["JobStatus"] == "SUCCEEDED"
    again = rek.start_segment_detection(Video=video, SegmentTypes=["SHOT"], NotificationChannel=channel,
                                        JobTag="tag-1", ClientRequestToken="once")["JobId"]
    assert again == job
    _upload_junk(server, videos)
    failed = rek.start_label_detection(Video={"S3Object": {"Bucket": video["S3Object"]["Bucket"],
                                                            "Name": "junk.bin"}}, NotificationChannel=channel)
    assert wait(rek, "get_label_detection", failed["JobId"])["JobStatus"] == "FAILED"
    events = []
    for _ in range(10):
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
        events += [json.loads(json.loads(m["Body"])["Message"]) for m in got]
        if len(events) >= 2:
            break
    assert len(events) == 2
    done = next(e for e in events if e["JobId"] == job)
    assert set(done) == {"JobId", "Status", "API", "JobTag", "Timestamp", "Video"}
    assert done["Status"] == "SUCCEEDED" and done["API"] == "StartSegmentDetection" and done["JobTag"] == "tag-1"
    assert done["Video"] == {"S3ObjectName": "shots_and_black.mp4", "S3Bucket": video["S3Object"]["Bucket"]}
    assert isinstance(done["Timestamp"], int) and done["Timestamp"] > 1_600_000_000_000
    bad = next(e for e in events if e["JobId"] == failed["JobId"])
    assert bad["Status"] == "FAILED" and bad["API"] == "StartLabelDetection" and "JobTag" not in bad


def _upload_junk(server, videos) -> None:
    import tempfile
    from pathlib import Path

    from .conftest import upload

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "junk.bin"
        path.write_bytes(b"\x00" * 4096)
        upload(server.blob_url, videos.container, "junk.bin", path)
