"""What subscribers receive: AWS's JSON envelope (signed), the raw message, and the x-amz-sns-* headers."""

from __future__ import annotations

import base64
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .signing import Signer

SNS_SENDER_ID = "AIDAIT2UOQQY3AUEKVGXU"  # the SenderId SQS shows for messages SNS delivered
USER_AGENT = "Amazon Simple Notification Service Agent"


_rng = random.Random()  # seeded once from the OS


def message_id() -> str:
    """A random (version 4) UUID without a system call per message: os.urandom releases the GIL, and taking
    it back behind the database writer thread costs far more than the UUID itself on the publish path."""
    n = (_rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def iso_timestamp(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


@dataclass
class Published:
    """One message as published to a topic."""
    message_id: str
    topic_arn: str
    message: str
    subject: str | None
    attributes: dict[str, dict[str, Any]]
    timestamp_ms: int
    per_protocol: dict[str, str] | None = None  # MessageStructure=json
    group_id: str | None = None
    dedup_id: str | None = None
    _envelopes: dict[tuple, tuple[str, str]] = field(default_factory=dict)

    def text_for(self, protocol: str) -> str:
        if self.per_protocol is None:
            return self.message
        return self.per_protocol.get(protocol, self.per_protocol["default"])


def envelope_attributes(attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    out = {}
    for name, attr in attributes.items():
        binary = attr.get("BinaryValue")
        value = base64.b64encode(binary).decode() if binary is not None else attr.get("StringValue")
        out[name] = {"Type": attr["DataType"], "Value": value}
    return out


class Envelopes:
    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self._unsubscribe_urls: dict[tuple[str, str], str] = {}

    def unsubscribe_url(self, base_url: str, subscription_arn: str) -> str:
        key = (base_url, subscription_arn)
        url = self._unsubscribe_urls.get(key)
        if url is None:
            if len(self._unsubscribe_urls) > 10_000:
                self._unsubscribe_urls.clear()
            url = self._unsubscribe_urls[key] = \
                f"{base_url}/?Action=Unsubscribe&SubscriptionArn={quote(subscription_arn, safe='')}"
        return url

    def notification(self, pub: Published, protocol: str, subscription_arn: str, base_url: str,
                     signature_version: str, sequence_number: str | None) -> str:
        text = pub.text_for(protocol)
        key = (text, signature_version, base_url, sequence_number)
        parts = pub._envelopes.get(key)
        if parts is None:  # everything but the UnsubscribeURL is the same for every subscription: build it once
            parts = pub._envelopes[key] = self._envelope_parts(pub, text, base_url, signature_version, sequence_number)
        head, tail = parts
        return f"{head}, \"UnsubscribeURL\": {json.dumps(self.unsubscribe_url(base_url, subscription_arn))}{tail}"

    def _envelope_parts(self, pub: Published, text: str, base_url: str, signature_version: str,
                        sequence_number: str | None) -> tuple[str, str]:
        env: dict[str, Any] = {"Type": "Notification", "MessageId": pub.message_id}
        if sequence_number is not None:
            env["SequenceNumber"] = sequence_number
        env["TopicArn"] = pub.topic_arn
        if pub.subject is not None:
            env["Subject"] = pub.subject
        env.update(Message=text, Timestamp=iso_timestamp(pub.timestamp_ms), SignatureVersion=signature_version)
        env.update(Signature=self.signer.sign(env), SigningCertURL=self.signer.cert_url(base_url))
        head = json.dumps(env, ensure_ascii=False)[:-1]
        tail = "}"
        if pub.attributes:
            tail = f", \"MessageAttributes\": {json.dumps(envelope_attributes(pub.attributes), ensure_ascii=False)}}}"
        return head, tail

    def confirmation(self, kind: str, message_id: str, topic_arn: str, subscription_arn: str, token: str,
                     base_url: str, signature_version: str, now_ms: int) -> str:
        if kind == "SubscriptionConfirmation":
            message = (f"You have chosen to subscribe to the topic {topic_arn}.\nTo confirm the subscription, visit "
                       "the SubscribeURL included in this message.")
        else:
            message = (f"You have chosen to deactivate subscription {subscription_arn}.\nTo cancel this operation "
                       "and restore the subscription, visit the SubscribeURL included in this message.")
        env = {"Type": kind, "MessageId": message_id, "Token": token, "TopicArn": topic_arn, "Message": message,
               "SubscribeURL": f"{base_url}/?Action=ConfirmSubscription&TopicArn={quote(topic_arn, safe='')}"
                               f"&Token={token}",
               "Timestamp": iso_timestamp(now_ms), "SignatureVersion": signature_version}
        env["Signature"] = self.signer.sign(env)
        env["SigningCertURL"] = self.signer.cert_url(base_url)
        return json.dumps(env, ensure_ascii=False)


def http_headers(kind: str, message_id: str, topic_arn: str, subscription_arn: str | None, raw: bool) -> dict[str, str]:
    headers = {"x-amz-sns-message-type": kind, "x-amz-sns-message-id": message_id, "x-amz-sns-topic-arn": topic_arn,
               "Content-Type": "text/plain; charset=UTF-8", "User-Agent": USER_AGENT}
    if subscription_arn and kind != "SubscriptionConfirmation":
        headers["x-amz-sns-subscription-arn"] = subscription_arn
    if raw:
        headers["x-amz-sns-rawdelivery"] = "true"
    return headers
