"""STS GetCallerIdentity, the health check many clients run first: a 12-digit access key id is the account,
any other key maps to the default account 000000000000; and the account scopes the queues."""

from __future__ import annotations

from conftest import aws_client

from .helpers import DEFAULT_ACCOUNT, expect_modeled, unique


def test_twelve_digit_access_key_is_the_account(server):
    sts = aws_client("sts", server.url, access_key="123456789012")
    identity = sts.get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"].startswith("arn:aws:")
    assert ":123456789012:" in identity["Arn"]
    assert identity["UserId"]


def test_other_access_keys_get_the_default_account(server):
    for key in ("AKIAIOSFODNN7EXAMPLE", "test", "12345678901", "1234567890123"):
        assert aws_client("sts", server.url, access_key=key).get_caller_identity()["Account"] == DEFAULT_ACCOUNT


def test_queue_urls_and_arns_carry_the_callers_account(server):
    sqs = aws_client("sqs", server.url, access_key="111122223333")
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{server.url}/111122223333/{name}"
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:us-east-1:111122223333:{name}"


def test_accounts_do_not_see_each_others_queues(server):
    alice = aws_client("sqs", server.url, access_key="111111111111")
    bob = aws_client("sqs", server.url, access_key="222222222222")
    name = unique("private")
    alice.create_queue(QueueName=name)
    expect_modeled(bob, "QueueDoesNotExist", bob.get_queue_url, QueueName=name)
    assert bob.list_queues(QueueNamePrefix=name).get("QueueUrls", []) == []
    # the same name in another account is another queue
    bob_url = bob.create_queue(QueueName=name)["QueueUrl"]
    assert "/222222222222/" in bob_url
    bob.send_message(QueueUrl=bob_url, MessageBody="bob's")
    alice_url = alice.get_queue_url(QueueName=name)["QueueUrl"]
    assert alice.receive_message(QueueUrl=alice_url).get("Messages", []) == []


def test_queue_arn_carries_the_region_of_the_request(server):
    import boto3
    from botocore.config import Config

    sqs = boto3.client("sqs", endpoint_url=server.url, region_name="eu-west-1", aws_access_key_id="test",
                       aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:eu-west-1:{DEFAULT_ACCOUNT}:{name}"
