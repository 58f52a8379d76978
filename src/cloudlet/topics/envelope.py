"""What subscribers receive: AWS's JSON envelope (signed), the raw message, and the x-amz-sns-* headers."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..aws.ids import uuid4_text
from .signing import Signer

SNS_SENDER_ID = "AIDAIT2UOQQY3AUEKVGXU"  # the SenderId SQS shows for messages SNS delivered
USER_AGENT = "Amazon Simple Notification Service Agent"


message_id = uuid4_text  # a random UUID without a system call per message (see aws/ids.py)

_second: tuple[int, str] = (-1, "")  # the last whole second formatted, and its text


def iso_timestamp(ms: int) -> str:
    global _second
    second, text = _second
    if ms // 1000 != second:  # one strftime per second, not per message
        second, text = ms // 1000, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))
        _second = (second, text)
    return f"{text}.{ms % 1000:03d}Z"


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
    _envelopes: dict[tuple, "EnvelopeParts"] = field(default_factory=dict)
    signatures: dict[tuple[str, str], str] = field(default_factory=dict)  # (text, SignatureVersion): made ahead

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


def canonical_notification(pub: Published, text: str) -> str:
    """The string SNS signs for a Notification carrying `text` (signing.canonical_string, written out)."""
    subject = "" if pub.subject is None else f"Subject\n{pub.subject}\n"
    return (f"Message\n{text}\nMessageId\n{pub.message_id}\n{subject}Timestamp\n{iso_timestamp(pub.timestamp_ms)}\n"
            f"TopicArn\n{pub.topic_arn}\nType\nNotification\n")


_json_text = json.encoder.encode_basestring  # a str as a JSON string, non-ASCII kept (ensure_ascii=False)


class EnvelopeParts:
    """An envelope but its UnsubscribeURL: `head` + the subscription's suffix + `tail` is the whole JSON text.
    The UTF-8 length and MD5 state of the head are kept for SQS, whose MD5OfBody of every subscription's
    copy then only hashes the few bytes that differ."""
    __slots__ = ("head", "tail", "_head_md5", "_head_bytes")

    def __init__(self, head: str, tail: str) -> None:
        self.head, self.tail = head, tail
        self._head_md5 = None
        self._head_bytes = 0

    def body(self, suffix: str) -> tuple[str, int, str]:
        """The whole text with `suffix` (the UnsubscribeURL member), its UTF-8 size and its MD5 (hex)."""
        if self._head_md5 is None:
            head = self.head.encode("utf-8")
            self._head_bytes, self._head_md5 = len(head), hashlib.md5(head)
        rest = f"{suffix}{self.tail}".encode("utf-8")
        digest = self._head_md5.copy()
        digest.update(rest)
        return f"{self.head}{suffix}{self.tail}", self._head_bytes + len(rest), digest.hexdigest()


class Envelopes:
    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        # A cache used from the event loop and (FIFO topics) the writer thread: single dict operations only.
        self._unsubscribe_suffixes: dict[tuple[str, str], str] = {}

    @staticmethod
    def unsubscribe_url(base_url: str, subscription_arn: str) -> str:
        return f"{base_url}/?Action=Unsubscribe&SubscriptionArn={quote(subscription_arn, safe='')}"

    def notification(self, pub: Published, protocol: str, subscription_arn: str, base_url: str,
                     signature_version: str, sequence_number: str | None) -> str:
        parts = self.parts(pub, protocol, base_url, signature_version, sequence_number)
        return f"{parts.head}{self.unsubscribe_suffix(base_url, subscription_arn)}{parts.tail}"

    def parts(self, pub: Published, protocol: str, base_url: str, signature_version: str,
              sequence_number: str | None) -> "EnvelopeParts":
        """The envelope of `pub` for `protocol` but its UnsubscribeURL, which alone differs between subscriptions:
        built and signed once per message."""
        text = pub.text_for(protocol)
        key = (text, signature_version, base_url, sequence_number)
        parts = pub._envelopes.get(key)
        if parts is None:
            parts = pub._envelopes[key] = self._envelope_parts(pub, text, base_url, signature_version, sequence_number)
        return parts

    def unsubscribe_suffix(self, base_url: str, subscription_arn: str) -> str:
        """`, "UnsubscribeURL": "..."`: the one part of an envelope that names its subscription."""
        key = (base_url, subscription_arn)
        suffix = self._unsubscribe_suffixes.get(key)
        if suffix is None:
            if len(self._unsubscribe_suffixes) > 10_000:
                self._unsubscribe_suffixes.clear()
            suffix = self._unsubscribe_suffixes[key] = \
                f", \"UnsubscribeURL\": {_json_text(self.unsubscribe_url(base_url, subscription_arn))}"
        return suffix

    def _envelope_parts(self, pub: Published, text: str, base_url: str, signature_version: str,
                        sequence_number: str | None) -> "EnvelopeParts":
        # Written out rather than json.dumps'd: the same keys, order and separators as json.dumps(envelope,
        # ensure_ascii=False), at a fraction of the cost on the publish path.
        timestamp = iso_timestamp(pub.timestamp_ms)
        subject = pub.subject
        signature = pub.signatures.get((text, signature_version)) or \
            self.signer.sign_text(canonical_notification(pub, text), signature_version)
        head = "".join((
            '{"Type": "Notification", "MessageId": ', _json_text(pub.message_id),
            "" if sequence_number is None else f', "SequenceNumber": {_json_text(sequence_number)}',
            ', "TopicArn": ', _json_text(pub.topic_arn),
            "" if subject is None else f', "Subject": {_json_text(subject)}',
            ', "Message": ', _json_text(text), ', "Timestamp": ', _json_text(timestamp),
            ', "SignatureVersion": ', _json_text(signature_version), ', "Signature": ', _json_text(signature),
            ', "SigningCertURL": ', _json_text(self.signer.cert_url(base_url))))
        tail = "}"
        if pub.attributes:
            tail = f", \"MessageAttributes\": {json.dumps(envelope_attributes(pub.attributes), ensure_ascii=False)}}}"
        return EnvelopeParts(head, tail)

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
