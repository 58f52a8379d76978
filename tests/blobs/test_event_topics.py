"""Blob events published to an SNS topic configured per container (CLOUDLET_BLOB_EVENT_TOPICS), delivered to
an SQS queue subscribed to it: the trigger of the media pipeline."""

from __future__ import annotations

import json
import time

from conftest import aws_client

from .conftest import service_client

TOPIC = "arn:aws:sns:us-east-1:000000000000:blob-uploads"


def test_events_reach_a_queue_through_the_containers_topic(fresh_server):
    fresh_server.env = {"CLOUDLET_BLOB_EVENT_TOPICS": f"media={TOPIC}"}
    server = fresh_server.start()
    sns, sqs = aws_client("sns", server.url), aws_client("sqs", server.url)
    assert sns.create_topic(Name="blob-uploads")["TopicArn"] == TOPIC
    queue_url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    blobs = service_client(server.blob_url)
    media = blobs.create_container("media")
    other = blobs.create_container("other")
    media.upload_blob("clips/a.mp4", b"frames", metadata={"k": "v"})
    other.upload_blob("ignored.txt", b"not routed")
    media.delete_blob("clips/a.mp4")
    events = []
    deadline = time.time() + 10
    while len(events) < 2 and time.time() < deadline:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        events += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    assert [e["eventType"] for e in events] == ["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted"]
    assert events[0]["subject"] == "/blobServices/default/containers/media/blobs/clips/a.mp4"
    assert events[0]["data"]["contentLength"] == 6 and events[0]["data"]["api"] == "PutBlob"
    time.sleep(0.5)
    assert not sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0).get("Messages")
