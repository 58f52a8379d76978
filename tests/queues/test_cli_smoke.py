"""The AWS CLI (awscli, as users have it) against the server: create-queue, send-message, receive-message,
delete-message, delete-queue, and an error with its exit code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from conftest import aws_client

from .helpers import DEFAULT_ACCOUNT, md5_hex, unique

AWS = shutil.which("aws")


def run_aws(server, tmp_path, *args, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "creds"),
                "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"})
    proc = subprocess.run([AWS, "--endpoint-url", server.url, "--output", "json", *args], env=env,
                          capture_output=True, text=True, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_aws_cli_is_installed():
    assert AWS, "the `aws` command (pip package awscli) is not on PATH"


def test_cli_queue_lifecycle(server, tmp_path):
    name = unique("cli")
    created = json.loads(run_aws(server, tmp_path, "sqs", "create-queue", "--queue-name", name,
                                 "--attributes", "VisibilityTimeout=5").stdout)
    url = created["QueueUrl"]
    assert url == f"{server.url}/{DEFAULT_ACCOUNT}/{name}"

    sent = json.loads(run_aws(server, tmp_path, "sqs", "send-message", "--queue-url", url, "--message-body",
                              "from the cli", "--message-attributes",
                              '{"who": {"DataType": "String", "StringValue": "cli"}}').stdout)
    assert sent["MD5OfMessageBody"] == md5_hex("from the cli")

    got = json.loads(run_aws(server, tmp_path, "sqs", "receive-message", "--queue-url", url,
                             "--message-attribute-names", "All", "--attribute-names", "All",
                             "--wait-time-seconds", "2").stdout)
    (msg,) = got["Messages"]
    assert msg["Body"] == "from the cli"
    assert msg["MessageId"] == sent["MessageId"]
    assert msg["MessageAttributes"] == {"who": {"DataType": "String", "StringValue": "cli"}}
    assert msg["Attributes"]["ApproximateReceiveCount"] == "1"

    run_aws(server, tmp_path, "sqs", "delete-message", "--queue-url", url, "--receipt-handle", msg["ReceiptHandle"])
    attrs = aws_client("sqs", server.url).get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "5"
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")

    run_aws(server, tmp_path, "sqs", "delete-queue", "--queue-url", url)
    failed = run_aws(server, tmp_path, "sqs", "get-queue-url", "--queue-name", name, check=False)
    # awscli v1 exits 255 on a service error (v2: 254)
    assert failed.returncode in (254, 255), (failed.returncode, failed.stderr)
    assert "AWS.SimpleQueueService.NonExistentQueue" in failed.stderr


def test_cli_sts_get_caller_identity(server, tmp_path):
    identity = json.loads(run_aws(server, tmp_path, "sts", "get-caller-identity").stdout)
    assert identity["Account"] == DEFAULT_ACCOUNT
