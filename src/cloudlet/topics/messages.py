"""Validation of what a publisher sends: message, subject, structure, attributes, FIFO fields, size."""

from __future__ import annotations

import json
import re
from typing import Any

from ..aws.errors import AwsError
from .engine import DEFAULT_MAX_MESSAGE_SIZE, content_dedup_id, invalid, now_ms
from .envelope import Published, message_id
from .records import Topic

_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_\-.]{1,256}$")
_DEDUP_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


def published(topic: Topic, entry: dict[str, Any]) -> Published:
    message = entry.get("Message")
    if message is None:
        raise AwsError("MissingParameter", "The request must contain the parameter Message.")
    if message == "":
        raise invalid("Empty message")
    per_protocol = None
    if entry.get("MessageStructure") is not None:
        if entry["MessageStructure"] != "json":
            raise invalid("MessageStructure")
        per_protocol = _structure(message)
    subject = entry.get("Subject")
    if subject is not None and (subject == "" or len(subject) > 100 or not subject.isascii()
                                or "\n" in subject or "\r" in subject or not subject.isprintable()):
        raise invalid("Subject")
    attributes = entry.get("MessageAttributes") or {}
    size = len(message.encode("utf-8")) + check_attributes(attributes)
    limit = int(topic.attributes.get("MaximumMessageSize", DEFAULT_MAX_MESSAGE_SIZE))
    if size > limit:
        raise invalid("Message too long")
    group, dedup = entry.get("MessageGroupId"), entry.get("MessageDeduplicationId")
    if topic.fifo:
        if group is None:
            raise invalid("The MessageGroupId parameter is required for FIFO topics")
        _check_id(group, "MessageGroupId")
        if dedup is None:
            if topic.attributes.get("ContentBasedDeduplication", "false").lower() != "true":
                raise invalid("The topic should either have ContentBasedDeduplication enabled or "
                              "MessageDeduplicationId provided explicitly")
            dedup = content_dedup_id(message)
        else:
            _check_id(dedup, "MessageDeduplicationId")
    else:
        if dedup is not None:
            raise invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter "
                          "that is not valid for this topic type")
        if group is not None:
            _check_id(group, "MessageGroupId")
    return Published(message_id=message_id(), topic_arn=topic.arn, message=message, subject=subject,
                     attributes=attributes, timestamp_ms=now_ms(), per_protocol=per_protocol, group_id=group,
                     dedup_id=dedup)


def _structure(message: str) -> dict[str, str]:
    try:
        doc = json.loads(message)
    except ValueError:
        raise invalid("Message Structure - JSON message body failed to parse") from None
    if not isinstance(doc, dict):
        raise invalid("Message Structure - JSON message body failed to parse")
    if "default" not in doc:
        raise invalid("Message Structure - No default entry in JSON message body")
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in doc.items()}


def _check_id(value: str, name: str) -> None:
    if not _DEDUP_ID.match(value):
        raise invalid(f"{name} Reason: {name} can only include alphanumeric and punctuation characters. 1 to 128 "
                      "in length.")


def check_attributes(attributes: dict[str, dict[str, Any]]) -> int:
    """Validate message attributes as SNS does; returns their size in bytes."""
    size = 0
    for name, attr in attributes.items():
        if not _ATTRIBUTE_NAME.match(name) or name.startswith((".", "AWS.", "Amazon.")) or name.endswith(".") \
                or ".." in name:
            raise invalid(f"MessageAttributes Reason: The message attribute name '{name}' is invalid.")
        kind = (attr or {}).get("DataType")
        if not kind:
            raise invalid(f"The message attribute '{name}' must contain non-empty message attribute type.")
        base = kind.split(".", 1)[0]
        if base not in ("String", "Number", "Binary"):
            raise invalid(f"The message attribute '{name}' has an invalid message attribute type, the set of "
                          "supported type prefixes is Binary, Number, and String.")
        if base == "Binary":
            value = attr.get("BinaryValue")
            if not value:
                raise invalid(f"The message attribute '{name}' with type 'Binary' must use field 'Binary'.")
            size += len(value)
        else:
            value = attr.get("StringValue")
            if value is None or value == "":
                raise invalid(f"The message attribute '{name}' must contain non-empty message attribute value for "
                              f"message attribute type '{kind}'.")
            if base == "Number":
                _check_number(name, value)
            if kind == "String.Array":
                _check_array(name, value)
            size += len(value.encode("utf-8"))
        size += len(name.encode("utf-8")) + len(kind.encode("utf-8"))
    return size


def _check_number(name: str, value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise invalid(f"The message attribute '{name}' has an invalid value for message attribute type "
                      "'Number'.") from None
    if not -1e9 <= number <= 1e9:
        raise invalid(f"Value {value} for parameter MessageAttributes is invalid. Reason: Number must be between "
                      "-1000000000 and 1000000000")


def _check_array(name: str, value: str) -> None:
    try:
        items = json.loads(value)
    except ValueError:
        items = None
    if not isinstance(items, list) or any(isinstance(i, (dict, list)) for i in items):
        raise invalid(f"Value {value} for parameter MessageAttributes is invalid. Reason: Message attribute "
                      f"'{name}' has an invalid value for String.Array.")
