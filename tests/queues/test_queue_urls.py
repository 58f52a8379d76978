"""Queue URLs are built from the Host the client called ({scheme}://{host}/{account}/{queue}): the JS SDK
v3 sends every call to the QueueUrl's host, so a URL naming another host breaks it."""

from __future__ import annotations

from conftest import aws_client

from .helpers import DEFAULT_ACCOUNT, unique


def test_create_queue_url_uses_localhost_when_called_as_localhost(server):
    sqs = aws_client("sqs", f"http://localhost:{server.port}")
    name = unique()
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == f"http://localhost:{server.port}/{DEFAULT_ACCOUNT}/{name}"


def test_create_queue_url_uses_ip_when_called_by_ip(server):
    sqs = aws_client("sqs", f"http://127.0.0.1:{server.port}")
    name = unique()
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == f"http://127.0.0.1:{server.port}/{DEFAULT_ACCOUNT}/{name}"


def test_get_queue_url_and_list_queues_follow_the_called_host(server):
    by_ip = aws_client("sqs", f"http://127.0.0.1:{server.port}")
    by_name = aws_client("sqs", f"http://localhost:{server.port}")
    name = unique()
    by_ip.create_queue(QueueName=name)
    assert by_name.get_queue_url(QueueName=name)["QueueUrl"] == f"http://localhost:{server.port}/{DEFAULT_ACCOUNT}/{name}"
    assert by_name.list_queues(QueueNamePrefix=name)["QueueUrls"] == [
        f"http://localhost:{server.port}/{DEFAULT_ACCOUNT}/{name}"]
    assert by_ip.list_queues(QueueNamePrefix=name)["QueueUrls"] == [
        f"http://127.0.0.1:{server.port}/{DEFAULT_ACCOUNT}/{name}"]


def test_dead_letter_source_urls_follow_the_called_host(server):
    by_ip = aws_client("sqs", f"http://127.0.0.1:{server.port}")
    by_name = aws_client("sqs", f"http://localhost:{server.port}")
    dlq = unique("dlq")
    dlq_url = by_ip.create_queue(QueueName=dlq)["QueueUrl"]
    src = unique("src")
    by_ip.create_queue(QueueName=src, Attributes={"RedrivePolicy": (
        '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:%s:%s","maxReceiveCount":3}' % (DEFAULT_ACCOUNT, dlq))})
    assert by_name.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [
        f"http://localhost:{server.port}/{DEFAULT_ACCOUNT}/{src}"]


def test_a_queue_url_from_one_host_works_through_the_other(server):
    by_ip = aws_client("sqs", f"http://127.0.0.1:{server.port}")
    by_name = aws_client("sqs", f"http://localhost:{server.port}")
    url = by_name.create_queue(QueueName=unique())["QueueUrl"]
    by_ip.send_message(QueueUrl=url, MessageBody="cross-host")
    msgs = by_name.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in msgs] == ["cross-host"]


def test_queue_url_as_endpoint_path(server):
    """Clients that POST to the queue URL itself (JS SDK v3, older SDKs) reach the same queue."""
    import json

    import requests

    from .helpers import signed_headers

    sqs = aws_client("sqs", server.url)
    url = sqs.create_queue(QueueName=unique())["QueueUrl"]
    body = json.dumps({"QueueUrl": url, "MessageBody": "posted to the queue url"}).encode()
    headers = signed_headers(url, body, {"X-Amz-Target": "AmazonSQS.SendMessage",
                                         "Content-Type": "application/x-amz-json-1.0"})
    resp = requests.post(url, data=body, headers=headers, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["MessageId"]
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in msgs] == ["posted to the queue url"]
