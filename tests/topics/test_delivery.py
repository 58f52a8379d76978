"""Delivery: signed envelopes checked by an independent verifier, raw delivery, the HTTP handshake against a
real local HTTP server, retries and dead-letter queues, MessageStructure, FIFO order and deduplication, and
the email outbox."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from .helpers import Endpoint, make_queue, receive_all, subscribe_queue, unique


def verify_sns_signature(envelope: dict) -> None:
    """AWS's documented verification, written from the docs: fetch the certificate, build the string to sign
    from the signed fields in byte order (Notification: Message, MessageId, Subject if present, Timestamp,
    TopicArn, Type; confirmations: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type), each as
    name, newline, value, newline; verify the base64 Signature with SHA1 (v1) or SHA256 (v2) and PKCS#1 v1.5."""
    with urllib.request.urlopen(envelope["SigningCertURL"], timeout=5) as resp:
        cert = x509.load_pem_x509_certificate(resp.read())
    if envelope["Type"] == "Notification":
        keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    string_to_sign = "".join(f"{k}\n{envelope[k]}\n" for k in keys if k in envelope)
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[envelope["SignatureVersion"]]
    cert.public_key().verify(base64.b64decode(envelope["Signature"]), string_to_sign.encode(), padding.PKCS1v15(),
                             algorithm)  # raises InvalidSignature


@pytest.mark.parametrize("version", ["1", "2"])
def test_enveloped_sqs_delivery_is_signed(sns, sqs, version):
    topic = sns.create_topic(Name=unique(), Attributes={"SignatureVersion": version})["TopicArn"]
    url, sub = subscribe_queue(sns, sqs, topic)
    message_id = sns.publish(TopicArn=topic, Message="héllo\nworld", Subject="Greeting", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "order"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\xff"}})["MessageId"]
    [msg] = receive_all(sqs, url, 1)
    env = json.loads(msg["Body"])
    assert env["Type"] == "Notification" and env["MessageId"] == message_id and env["TopicArn"] == topic
    assert env["Message"] == "héllo\nworld" and env["Subject"] == "Greeting"
    assert env["SignatureVersion"] == version
    assert env["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"},
                                        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\xff").decode()}}
    assert env["Timestamp"].endswith("Z") and len(env["Timestamp"]) == 24
    assert msg["Attributes"]["SenderId"]
    assert "MessageAttributes" not in msg  # enveloped: attributes travel in the envelope
    verify_sns_signature(env)
    tampered = dict(env, Message="something else")
    with pytest.raises(Exception):
        verify_sns_signature(tampered)
    # the UnsubscribeURL works as a plain GET, as in AWS
    urllib.request.urlopen(env["UnsubscribeURL"], timeout=5).read()
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_raw_delivery_sends_the_message_as_is(sns, sqs):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    url, _ = subscribe_queue(sns, sqs, topic, RawMessageDelivery="true")
    sns.publish(TopicArn=topic, Message='{"order": 1}', MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "order"}})
    [msg] = receive_all(sqs, url, 1)
    assert msg["Body"] == '{"order": 1}'
    assert msg["MessageAttributes"] == {"kind": {"StringValue": "order", "DataType": "String"}}


def test_message_structure_json_sends_each_protocol_its_message(sns, sqs, endpoint):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    url, _ = subscribe_queue(sns, sqs, topic)
    raw_url, _ = subscribe_queue(sns, sqs, topic, RawMessageDelivery="true")
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url + "/hook")
    endpoint.of_type("Notification", 0)
    assert endpoint.of_type("SubscriptionConfirmation")
    _wait_confirmed(sns, topic, 3)
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "for everyone", "sqs": "for queues", "http": "for hooks"}))
    assert json.loads(receive_all(sqs, url, 1)[0]["Body"])["Message"] == "for queues"
    assert receive_all(sqs, raw_url, 1)[0]["Body"] == "for queues"
    [posted] = endpoint.of_type("Notification")
    assert json.loads(posted["body"])["Message"] == "for hooks"
    verify_sns_signature(json.loads(posted["body"]))


def _wait_confirmed(sns, topic: str, count: int, timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if int(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsConfirmed"]) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("subscription never confirmed")


def test_http_handshake_delivery_and_unsubscribe(sns, sqs):
    endpoint = Endpoint(confirm=False)
    try:
        topic = sns.create_topic(Name=unique())["TopicArn"]
        assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url + "/sns")["SubscriptionArn"] == \
            "pending confirmation"
        [confirmation] = endpoint.of_type("SubscriptionConfirmation")
        headers, env = confirmation["headers"], json.loads(confirmation["body"])
        assert headers["x-amz-sns-topic-arn"] == topic and headers["x-amz-sns-message-id"] == env["MessageId"]
        assert headers["content-type"] == "text/plain; charset=UTF-8"
        assert env["Type"] == "SubscriptionConfirmation" and env["TopicArn"] == topic and env["Token"]
        assert env["SubscribeURL"].startswith(sns.meta.endpoint_url)
        verify_sns_signature(env)
        [pending] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert pending["SubscriptionArn"] == "PendingConfirmation"
        sns.publish(TopicArn=topic, Message="not yet")  # nothing goes to a pending subscription
        sub = sns.confirm_subscription(TopicArn=topic, Token=env["Token"])["SubscriptionArn"]
        attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        assert attrs["PendingConfirmation"] == "false" and attrs["ConfirmationWasAuthenticated"] == "true"
        assert json.loads(attrs["EffectiveDeliveryPolicy"])["healthyRetryPolicy"]["numRetries"] == 3
        message_id = sns.publish(TopicArn=topic, Message="now", Subject="Hi")["MessageId"]
        [note] = endpoint.of_type("Notification")
        assert note["headers"]["x-amz-sns-subscription-arn"] == sub
        assert note["headers"]["x-amz-sns-message-id"] == message_id
        assert note["headers"]["user-agent"] == "Amazon Simple Notification Service Agent"
        env = json.loads(note["body"])
        assert (env["Message"], env["Subject"]) == ("now", "Hi")
        verify_sns_signature(env)
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
        sns.publish(TopicArn=topic, Message="raw body")
        raw = endpoint.of_type("Notification", 2)[1]
        assert raw["body"] == "raw body" and raw["headers"]["x-amz-sns-rawdelivery"] == "true"
        sns.unsubscribe(SubscriptionArn=sub)
        [bye] = endpoint.of_type("UnsubscribeConfirmation")
        verify_sns_signature(json.loads(bye["body"]))
        assert len(endpoint.of_type("Notification", 3, timeout=0.5)) == 2
    finally:
        endpoint.close()


def test_subscribe_url_confirms_with_a_plain_get(sns, endpoint):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https" if False else "http", Endpoint=endpoint.url + "/x")
    _wait_confirmed(sns, topic, 1)
    [sub] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
    assert attrs["ConfirmationWasAuthenticated"] == "false"


def test_failed_http_delivery_retries_then_goes_to_the_dead_letter_queue(sns, sqs, endpoint):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    dlq_url, dlq_arn = make_queue(sqs)
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url + "/ok")
    _wait_confirmed(sns, topic, 1)
    endpoint.status = 500  # now every POST fails
    sub = [s for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]][0]["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
        {"healthyRetryPolicy": {"numRetries": 3, "numNoDelayRetries": 1, "minDelayTarget": 1, "maxDelayTarget": 1}}))
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn}))
    started = time.time()
    message_id = sns.publish(TopicArn=topic, Message="undeliverable")["MessageId"]
    [dead] = receive_all(sqs, dlq_url, 1, timeout=10)
    assert json.loads(dead["Body"])["MessageId"] == message_id
    attempts = endpoint.of_type("Notification", 4, timeout=1)
    assert len(attempts) == 4  # the first try and 3 retries
    assert time.time() - started >= 2  # two retries waited minDelayTarget (1 s) each


def test_slow_and_failing_endpoints_delay_nothing_else(sns, sqs, endpoint):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    for path in ("/fine", "/slow", "/fail"):
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url + path)
    _wait_confirmed(sns, topic, 3)
    endpoint.slow.set()  # from now on /slow hangs and /fail answers 500
    url, _ = subscribe_queue(sns, sqs, topic)
    started = time.time()
    for i in range(40):
        sns.publish(TopicArn=topic, Message=f"m{i}")
    publish_time = time.time() - started
    assert len(receive_all(sqs, url, 40, timeout=5)) == 40
    assert len(endpoint.of_type("Notification", 40, timeout=5, path="/fine")) == 40
    assert time.time() - started < 8  # well inside the 15 s the hanging endpoint holds its requests
    assert publish_time < 4
    assert 1 <= len(endpoint.of_type("Notification", 5, timeout=0.2, path="/slow")) <= 4  # at most 4 in flight


def test_sqs_subscription_to_a_deleted_queue_goes_to_its_dead_letter_queue(sns, sqs):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    dlq_url, dlq_arn = make_queue(sqs)
    url, sub = subscribe_queue(sns, sqs, topic, RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn}))
    sqs.delete_queue(QueueUrl=url)
    message_id = sns.publish(TopicArn=topic, Message="orphan")["MessageId"]
    [dead] = receive_all(sqs, dlq_url, 1)
    assert json.loads(dead["Body"])["MessageId"] == message_id


def test_fifo_topic_keeps_order_per_group_and_deduplicates(sns, sqs):
    topic = sns.create_topic(Name=unique("orders") + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    url, _ = subscribe_queue(sns, sqs, topic, RawMessageDelivery="true")
    sequence = []
    for i in range(30):
        resp = sns.publish(TopicArn=topic, Message=f"{i % 3}:{i}", MessageGroupId=f"g{i % 3}",
                           MessageDeduplicationId=f"d{i}")
        sequence.append(int(resp["SequenceNumber"]))
    assert sequence == sorted(sequence) and len(set(sequence)) == 30
    again = sns.publish(TopicArn=topic, Message="0:0", MessageGroupId="g0", MessageDeduplicationId="d0")
    assert int(again["SequenceNumber"]) == sequence[0]  # a duplicate answers with the original
    got = receive_all(sqs, url, 30, timeout=10)
    assert len(got) == 30
    for group in range(3):
        numbers = [int(m["Body"].split(":")[1]) for m in got if m["Body"].startswith(f"{group}:")]
        assert numbers == list(range(group, 30, 3))
    assert {m["Attributes"]["MessageGroupId"] for m in got} == {"g0", "g1", "g2"}
    assert receive_all(sqs, url, 1, timeout=0.5) == []


def test_fifo_content_based_deduplication_and_envelope_sequence(sns, sqs):
    topic = sns.create_topic(Name=unique() + ".fifo", Attributes={
        "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url, _ = subscribe_queue(sns, sqs, topic)
    first = sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
    second = sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
    assert first["MessageId"] == second["MessageId"]
    [msg] = receive_all(sqs, url, 2, timeout=1)
    env = json.loads(msg["Body"])
    assert env["SequenceNumber"] == first["SequenceNumber"]
    verify_sns_signature(env)


def test_email_goes_to_the_outbox_in_the_data_directory(server, sns):
    topic = sns.create_topic(Name=unique())["TopicArn"]
    address = f"{unique('ops')}@example.com"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)
    folder = Path(server.data_dir) / "sns-email" / address
    confirmation = _wait_files(folder, 1)[0].read_text()
    assert "To confirm the subscription" in confirmation
    link = [line for line in confirmation.splitlines() if "Action=ConfirmSubscription" in line][0]
    urllib.request.urlopen(link.strip(), timeout=5).read()
    sns.publish(TopicArn=topic, Message="Disk almost full", Subject="Alert")
    files = _wait_files(folder, 2)
    text = files[-1].read_text()
    assert "Subject: Alert" in text and "Disk almost full" in text


def _wait_files(folder: Path, count: int, timeout: float = 10) -> list[Path]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        files = sorted(folder.glob("*.eml")) if folder.exists() else []
        if len(files) >= count:
            return files
        time.sleep(0.05)
    raise AssertionError(f"{count} emails not written to {folder}")


def _self_signed(directory: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 that the server under test is told to trust (SSL_CERT_FILE)."""
    import datetime as dt
    import ipaddress

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "endpoint.pem", directory / "endpoint.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def test_https_delivery_verifies_the_endpoint_certificate(tmp_path):
    from conftest import ServerProcess, aws_client

    cert, key = _self_signed(tmp_path)
    trusted = ServerProcess(tmp_path / "trusting", env={"SSL_CERT_FILE": cert}).start()
    untrusted = ServerProcess(tmp_path / "default").start()
    endpoint = Endpoint(tls=(cert, key))
    try:
        assert endpoint.url.startswith("https://")
        sns = aws_client("sns", trusted.url)
        topic = sns.create_topic(Name=unique())["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=endpoint.url + "/secure")
        [confirmation] = endpoint.of_type("SubscriptionConfirmation")
        sub = sns.confirm_subscription(TopicArn=topic, Token=json.loads(confirmation["body"])["Token"])
        sns.publish(TopicArn=topic, Message="over TLS")
        [note] = endpoint.of_type("Notification")
        assert json.loads(note["body"])["Message"] == "over TLS"
        assert note["headers"]["x-amz-sns-subscription-arn"] == sub["SubscriptionArn"]
        # a server that does not trust the endpoint's certificate never delivers to it, as in AWS
        other = aws_client("sns", untrusted.url)
        topic = other.create_topic(Name=unique())["TopicArn"]
        other.subscribe(TopicArn=topic, Protocol="https", Endpoint=endpoint.url + "/untrusted")
        assert endpoint.of_type("SubscriptionConfirmation", 2, timeout=2)[1:] == []
    finally:
        endpoint.close()
        trusted.stop()
        untrusted.stop()
