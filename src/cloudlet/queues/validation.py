"""SQS's limits and validation rules, with the error codes and messages AWS answers with."""

from __future__ import annotations

import json
import re
from typing import Any

from ..aws.errors import AwsError, invalid_parameter

MAX_MESSAGE_BYTES = 1_048_576
MAX_BATCH_BYTES = 1_048_576
MAX_BATCH_ENTRIES = 10
MAX_MESSAGE_ATTRIBUTES = 10
DEDUP_WINDOW_MS = 5 * 60 * 1000

_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_ATTR_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_DEDUP_ID = re.compile(r"^[!-~]{1,128}$")
_INVALID_BODY = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

# name -> (default, minimum, maximum) for the integer attributes
INT_ATTRIBUTES = {
    "DelaySeconds": (0, 0, 900),
    "MaximumMessageSize": (MAX_MESSAGE_BYTES, 1024, MAX_MESSAGE_BYTES),
    "MessageRetentionPeriod": (345600, 60, 1209600),
    "ReceiveMessageWaitTimeSeconds": (0, 0, 20),
    "VisibilityTimeout": (30, 0, 43200),
    "KmsDataKeyReusePeriodSeconds": (300, 60, 86400),
}
SETTABLE = set(INT_ATTRIBUTES) | {"Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId",
                                  "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication",
                                  "DeduplicationScope", "FifoThroughputLimit"}
FIFO_ONLY = {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}
COMPUTED = {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
            "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}
READABLE = SETTABLE | COMPUTED
SYSTEM_ATTRIBUTES = {"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
                     "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader",
                     "DeadLetterQueueSourceArn"}


def check_queue_name(name: str, fifo: bool) -> None:
    if fifo:
        base = name[:-5] if name.endswith(".fifo") else None
        if base is None or not _QUEUE_NAME.match(base) or len(name) > 80:
            raise invalid_parameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, "
                                    "or underscores, must end with .fifo suffix and be 1 to 80 in length.")
    elif not _QUEUE_NAME.match(name):
        raise invalid_parameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")


def default_attributes(fifo: bool) -> dict[str, str]:
    attrs = {name: str(spec[0]) for name, spec in INT_ATTRIBUTES.items() if name != "KmsDataKeyReusePeriodSeconds"}
    attrs["SqsManagedSseEnabled"] = "true"
    if fifo:
        attrs.update(FifoQueue="true", ContentBasedDeduplication="false", DeduplicationScope="queue",
                     FifoThroughputLimit="perQueue")
    return attrs


def _bad_value(name: str) -> AwsError:
    return AwsError("InvalidAttributeValue", f"Invalid value for the parameter {name}.")


def check_attributes(attrs: dict[str, str], fifo: bool, creating: bool) -> dict[str, str]:
    """Validate settable queue attributes; returns them normalised. Raises AWS's error on the first bad one."""
    out: dict[str, str] = {}
    for name, value in attrs.items():
        if name not in SETTABLE:
            raise AwsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        if name in INT_ATTRIBUTES:
            _, lo, hi = INT_ATTRIBUTES[name]
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise _bad_value(name) from None
            if not lo <= number <= hi:
                raise _bad_value(name)
            out[name] = str(number)
        elif name == "FifoQueue":
            if not creating and not fifo:  # a standard queue has no such attribute to change
                raise AwsError("InvalidAttributeName", f"Unknown Attribute {name}.")
            if value.lower() not in ("true", "false") or (value.lower() == "true") != fifo:
                raise _bad_value(name)
            if fifo:
                out[name] = "true"
        elif name in FIFO_ONLY and not fifo:
            raise AwsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        elif name in ("ContentBasedDeduplication", "SqsManagedSseEnabled"):
            if value.lower() not in ("true", "false"):
                raise _bad_value(name)
            out[name] = value.lower()
        elif name == "DeduplicationScope":
            if value not in ("messageGroup", "queue"):
                raise _bad_value(name)
            out[name] = value
        elif name == "FifoThroughputLimit":
            if value not in ("perQueue", "perMessageGroupId"):
                raise _bad_value(name)
            out[name] = value
        elif name == "Policy":
            if value:
                try:
                    if not isinstance(json.loads(value), dict):
                        raise ValueError
                except ValueError:
                    raise _bad_value(name) from None
            out[name] = value
        elif name == "RedrivePolicy":
            out[name] = _check_redrive(value) if value else ""
        elif name == "RedriveAllowPolicy":
            out[name] = _check_redrive_allow(value) if value else ""
        else:
            out[name] = value
    return out


def _json_object(value: str, parameter: str) -> dict[str, Any]:
    try:
        policy = json.loads(value)
        if not isinstance(policy, dict):
            raise ValueError
    except ValueError:
        raise invalid_parameter(f"Value {value} for parameter {parameter} is invalid. Reason: Invalid JSON.") from None
    return policy


def _check_redrive(value: str) -> str:
    policy = _json_object(value, "RedrivePolicy")
    arn = policy.get("deadLetterTargetArn")
    count = policy.get("maxReceiveCount")
    if not arn or count is None:
        raise invalid_parameter(f"Value {value} for parameter RedrivePolicy is invalid. Reason: Redrive policy "
                                "does not contain mandatory attribute: "
                                f"{'deadLetterTargetArn' if not arn else 'maxReceiveCount'}.")
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 1000:
        raise invalid_parameter(f"Value {value} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
                                "maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.".replace(
                                    ": 0,", f": {policy.get('maxReceiveCount')},"))
    return json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": count}, separators=(",", ":"))


def _check_redrive_allow(value: str) -> str:
    policy = _json_object(value, "RedriveAllowPolicy")
    permission = policy.get("redrivePermission")
    sources = policy.get("sourceQueueArns")
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise invalid_parameter(f"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: Invalid value "
                                "for redrivePermission.")
    if permission == "byQueue":
        if not isinstance(sources, list) or not 1 <= len(sources) <= 10:
            raise invalid_parameter(f"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: Please "
                                    "specify between 1 and 10 sourceQueueArns when redrivePermission is byQueue.")
    elif sources:
        raise invalid_parameter(f"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: Only specify "
                                "sourceQueueArns when redrivePermission is byQueue.")
    return json.dumps(policy, separators=(",", ":"))


def check_body(body: str) -> None:
    if body == "":
        raise AwsError("MissingParameter", "The request must contain the parameter MessageBody.")
    if _INVALID_BODY.search(body):
        raise AwsError("InvalidMessageContents", "Invalid characters found. Valid unicode characters are #x9 | #xA "
                       "| #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")


def check_message_attributes(attrs: dict[str, Any], system: bool = False) -> int:
    """Validate message attributes; returns their size in bytes as SQS counts it (name + type + value)."""
    if len(attrs) > MAX_MESSAGE_ATTRIBUTES and not system:
        raise invalid_parameter(f"Number of message attributes [{len(attrs)}] exceeds the allowed maximum "
                                f"[{MAX_MESSAGE_ATTRIBUTES}].")
    size = 0
    for name, value in attrs.items():
        if system:
            if name != "AWSTraceHeader":
                raise invalid_parameter(f"Message system attribute name '{name}' is invalid.")
        elif (not _ATTR_NAME.match(name) or name.startswith(".") or name.endswith(".") or ".." in name
              or name.lower().startswith(("aws.", "amazon."))):
            raise invalid_parameter(f"Message attribute name '{name}' is invalid. Attribute name can contain A-Z, "
                                    "a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.")
        data_type = value.get("DataType") or ""
        base = data_type.split(".", 1)[0]
        if not data_type:
            raise invalid_parameter(f"The message attribute '{name}' must contain non-empty message attribute type.")
        if base not in ("String", "Number", "Binary") or len(data_type) > 256:
            raise invalid_parameter(f"The type of message attribute '{name}' is invalid. You must use only the "
                                    "following supported type prefixes: Binary, Number, String.")
        if system and base != "String":
            raise invalid_parameter(f"The message system attribute '{name}' must be of type String.")
        if value.get("StringListValues") or value.get("BinaryListValues"):
            raise invalid_parameter("Message attribute list values in SendMessage operation are not supported.")
        if base == "Binary":
            raw = value.get("BinaryValue")
            if raw is None or len(raw) == 0:
                raise invalid_parameter(f"The message attribute '{name}' with type 'Binary' must use field 'Binary'.")
            size += len(raw)
        else:
            text = value.get("StringValue")
            if text is None or text == "":
                raise invalid_parameter(f"The message attribute '{name}' must contain non-empty message attribute "
                                        f"value for message attribute type '{base}'.")
            if base == "Number" and not _NUMBER.match(text.strip()):
                raise invalid_parameter(f"Can't cast the value of message attribute '{name}' to a number.")
            if _INVALID_BODY.search(text):
                raise invalid_parameter(f"Message attribute '{name}' must contain only valid Unicode characters "
                                        "(#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF).")
            size += len(text.encode("utf-8"))
        size += len(name.encode("utf-8")) + len(data_type.encode("utf-8"))
    return size


def check_batch(entries: list[dict[str, Any]], request_name: str) -> None:
    if not entries:
        raise AwsError("EmptyBatchRequest", f"There should be at least one {request_name} in the request.")
    if len(entries) > MAX_BATCH_ENTRIES:
        raise AwsError("TooManyEntriesInBatchRequest",
                       f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. You have sent {len(entries)}.")
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id")
        if entry_id is None:
            raise AwsError("MissingParameter", f"The request must contain the parameter {request_name}.Id.")
        if not _BATCH_ID.match(entry_id):
            raise AwsError("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, "
                           "hyphens and underscores. It can be at most 80 letters long.")
        if entry_id in seen:
            raise AwsError("BatchEntryIdsNotDistinct", f"Id {entry_id} repeated.")
        seen.add(entry_id)


def check_range(name: str, value: int | None, lo: int, hi: int, reason: str) -> None:
    if value is not None and not lo <= value <= hi:
        raise invalid_parameter(f"Value {value} for parameter {name} is invalid. Reason: {reason}")


def check_dedup_id(value: str, name: str = "MessageDeduplicationId") -> None:
    if not _DEDUP_ID.match(value):
        raise invalid_parameter(f"Value {value} for parameter {name} is invalid. Reason: {name} can only include "
                                "alphanumeric and punctuation characters. 1 to 128 in length.")
