"""Fanout is durable: once Publish answers, every matching subscription gets the message, even if the server is
SIGKILLed right after; endpoint deliveries still owed resume at start-up."""

from __future__ import annotations

import json
import time

from conftest import aws_client

from .helpers import Endpoint, make_queue, receive_all, unique


def test_sigkill_right_after_publish_loses_nothing(fresh_server):
    server = fresh_server.start()
    sns, sqs = aws_client("sns", server.url), aws_client("sqs", server.url)
    endpoint = Endpoint()
    try:
        topic = sns.create_topic(Name=unique("orders"))["TopicArn"]
        queues = []
        for _ in range(3):
            url, arn = make_queue(sqs)
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
            queues.append(url)
        filtered_url, filtered_arn = make_queue(sqs)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=filtered_arn,
                      Attributes={"FilterPolicy": '{"shipping": ["true"]}', "RawMessageDelivery": "true"})
        sub = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url + "/hook",
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        deadline = time.time() + 10
        while sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["PendingConfirmation"] == "true":
            assert time.time() < deadline
            time.sleep(0.05)
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
            {"healthyRetryPolicy": {"numRetries": 20, "minDelayTarget": 1, "maxDelayTarget": 1}}))
        endpoint.status = 503  # the endpoint is down while we publish: deliveries stay owed
        ids = [sns.publish(TopicArn=topic, Message=f"order {i}",
                           MessageAttributes={"shipping": {"DataType": "String", "StringValue": str(i % 2 == 0).lower()}}
                           )["MessageId"] for i in range(50)]
        server.kill()  # SIGKILL a moment after the last Publish answered

        def delivered() -> set[str]:
            return {json.loads(r["body"])["MessageId"] for r in endpoint.requests
                    if r["status"] == 200 and r["headers"].get("x-amz-sns-message-type") == "Notification"}
        assert not delivered()  # nothing reached the endpoint before the crash

        endpoint.status = 200
        server.start()
        for url in queues:
            got = receive_all(sqs, url, 50, timeout=10)
            assert sorted(json.loads(m["Body"])["MessageId"] for m in got) == sorted(ids)
        assert sorted(m["Body"] for m in receive_all(sqs, filtered_url, 25, timeout=5)) == \
            sorted(f"order {i}" for i in range(0, 50, 2))
        deadline = time.time() + 20
        while set(ids) - delivered() and time.time() < deadline:
            time.sleep(0.1)
        assert delivered() == set(ids)
    finally:
        endpoint.close()
