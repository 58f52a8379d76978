"""Helpers for the SQS conformance tests: unique names, AWS's MD5 algorithms computed independently, raw
signed requests for the wire-level checks, and the table of SQS error codes as AWS publishes them.

Sources for the error table: the awsQueryError traits of AWS's own Smithy model for SQS (as carried by the
AWS SDK for JavaScript v3, `clients/client-sqs/src/schemas/schemas_0.ts`): shape name -> (legacy query code,
HTTP status). Errors without the trait (InvalidAttributeName, InvalidAttributeValue, InvalidMessageContents)
use the shape name and 400.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
import uuid
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

DEFAULT_ACCOUNT = "000000000000"
REGION = "us-east-1"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
ONE_MIB = 1024 * 1024

# shape name -> (Error.Code a query-era client sees, i.e. the x-amzn-query-error code; HTTP status)
SQS_ERRORS: dict[str, tuple[str, int]] = {
    "BatchEntryIdsNotDistinct": ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
    "BatchRequestTooLong": ("AWS.SimpleQueueService.BatchRequestTooLong", 400),
    "EmptyBatchRequest": ("AWS.SimpleQueueService.EmptyBatchRequest", 400),
    "InvalidAddress": ("InvalidAddress", 404),
    "InvalidAttributeName": ("InvalidAttributeName", 400),
    "InvalidAttributeValue": ("InvalidAttributeValue", 400),
    "InvalidBatchEntryId": ("AWS.SimpleQueueService.InvalidBatchEntryId", 400),
    "InvalidMessageContents": ("InvalidMessageContents", 400),
    "MessageNotInflight": ("AWS.SimpleQueueService.MessageNotInflight", 400),
    "OverLimit": ("OverLimit", 403),
    "PurgeQueueInProgress": ("AWS.SimpleQueueService.PurgeQueueInProgress", 403),
    "QueueDeletedRecently": ("AWS.SimpleQueueService.QueueDeletedRecently", 400),
    "QueueDoesNotExist": ("AWS.SimpleQueueService.NonExistentQueue", 400),
    "QueueNameExists": ("QueueAlreadyExists", 400),
    "ReceiptHandleIsInvalid": ("ReceiptHandleIsInvalid", 404),
    "ResourceNotFoundException": ("ResourceNotFoundException", 404),
    "TooManyEntriesInBatchRequest": ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400),
    "UnsupportedOperation": ("AWS.SimpleQueueService.UnsupportedOperation", 400),
}

# Unmodeled (common) errors as real SQS sends them over JSON: legacy code in x-amzn-query-error, and the
# __type short name (botocore's QueryErrorCode), as recorded against AWS in LocalStack's snapshot tests.
COMMON_ERRORS: dict[str, tuple[str, int]] = {
    "InvalidParameterValue": ("InvalidParameterValueException", 400),
    "MissingParameter": ("MissingRequiredParameterException", 400),
}


def unique(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def now_ms() -> int:
    return int(time.time() * 1000)


# ---------------------------------------------------------------------------------------------- MD5s
def md5_hex(data: str | bytes) -> str:
    return hashlib.md5(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _length_prefixed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    """AWS's message-attribute digest (the algorithm the Java/JS/Go SDKs verify): attributes sorted by name;
    for each, length-prefixed UTF-8 name, length-prefixed data type, one transport byte (1 = string value,
    2 = binary value), length-prefixed value; MD5 over the concatenation. Written from the documented algorithm,
    not from the server's code."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        attr = attributes[name]
        digest.update(_length_prefixed(name.encode("utf-8")))
        digest.update(_length_prefixed(attr["DataType"].encode("utf-8")))
        if attr.get("StringValue") is not None:
            digest.update(b"\x01")
            digest.update(_length_prefixed(attr["StringValue"].encode("utf-8")))
        else:
            value = attr["BinaryValue"]
            digest.update(b"\x02")
            digest.update(_length_prefixed(value if isinstance(value, bytes) else bytes(value)))
    return digest.hexdigest()


# --------------------------------------------------------------------------------------- raw requests
def signed_headers(url: str, body: bytes, headers: dict[str, str], service: str = "sqs",
                   access_key: str = ACCESS_KEY) -> dict[str, str]:
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials(access_key, "secret"), service, REGION).add_auth(request)
    return dict(request.headers.items())


def sqs_json(endpoint: str, operation: str, payload: Any = None, *, raw_body: bytes | None = None,
             target: str | None = None, timeout: float = 30) -> requests.Response:
    """One AWS JSON 1.0 request, exactly as an SDK would frame it, but with any body we like."""
    body = raw_body if raw_body is not None else json.dumps(payload if payload is not None else {}).encode()
    headers = {"X-Amz-Target": target or f"AmazonSQS.{operation}",
               "Content-Type": "application/x-amz-json-1.0"}
    url = _post_url(endpoint)
    return requests.post(url, data=body, headers=signed_headers(url, body, headers), timeout=timeout)


def _post_url(endpoint: str) -> str:
    """The endpoint itself (e.g. a queue URL) or, for a bare host, its root path."""
    return endpoint if urlparse(endpoint).path not in ("", "/") else endpoint.rstrip("/") + "/"


def sqs_query(endpoint: str, params: dict[str, str], timeout: float = 30) -> requests.Response:
    """One query-protocol request (form POST), as the pre-2024 SDKs send it."""
    body = urlencode({"Version": "2012-11-05", **params}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    url = _post_url(endpoint)
    return requests.post(url, data=body, headers=signed_headers(url, body, headers), timeout=timeout)


def json_error_type(resp: requests.Response) -> str:
    """The short error name of a JSON-protocol error (`com.amazonaws.sqs#QueueDoesNotExist` -> QueueDoesNotExist)."""
    body = resp.json()
    return body["__type"].split(":", 1)[0].rsplit("#", 1)[-1]


# ------------------------------------------------------------------------------------------- errors
def check_error(exc: ClientError, code: str, status: int, query_code: str | None = None) -> None:
    """An SDK error carries AWS's legacy code (from x-amzn-query-error), its HTTP status and, when the server
    speaks the query-compatible JSON protocol, the __type short name as QueryErrorCode."""
    err = exc.response["Error"]
    assert (err.get("Code"), exc.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), exc.response
    if query_code is not None:
        assert err.get("QueryErrorCode") == query_code, exc.response
        assert err.get("Type") == "Sender", exc.response


def expect_modeled(client, shape: str, fn, *args, **kwargs) -> ClientError:
    """Call fn and require the modeled exception `shape` with AWS's code, status and __type."""
    code, status = SQS_ERRORS[shape]
    with pytest.raises(getattr(client.exceptions, shape)) as info:
        fn(*args, **kwargs)
    check_error(info.value, code, status, shape)
    return info.value


def expect_common(fn, code: str, *args, **kwargs) -> ClientError:
    """Call fn and require an unmodeled SQS error (InvalidParameterValue, MissingParameter): the code and status
    every client sees. The exact __type AWS puts on these (`...#InvalidParameterValueException`) is checked
    once, at the wire level, in test_errors.py, so that one difference there does not mask the rest."""
    _, status = COMMON_ERRORS[code]
    with pytest.raises(ClientError) as info:
        fn(*args, **kwargs)
    check_error(info.value, code, status)
    assert info.value.response["Error"].get("Type") == "Sender", info.value.response
    return info.value


def queue_arn(queue_name: str, account: str = DEFAULT_ACCOUNT) -> str:
    return f"arn:aws:sqs:{REGION}:{account}:{queue_name}"


def attributes(client, url: str, *names: str) -> dict[str, str]:
    return client.get_queue_attributes(QueueUrl=url, AttributeNames=list(names) or ["All"]).get("Attributes", {})


def receive_all(client, url: str, expected: int, timeout: float = 10.0, **kwargs) -> list[dict]:
    """Receive (and leave in flight) until `expected` messages arrived or the timeout passed."""
    got: list[dict] = []
    deadline = time.time() + timeout
    while len(got) < expected and time.time() < deadline:
        resp = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **kwargs)
        got.extend(resp.get("Messages", []))
    return got


def drain(client, url: str, timeout: float = 10.0, idle_rounds: int = 2, **kwargs) -> list[dict]:
    """Receive and delete until the queue answers empty `idle_rounds` times in a row."""
    got: list[dict] = []
    idle = 0
    deadline = time.time() + timeout
    while idle < idle_rounds and time.time() < deadline:
        msgs = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                      **kwargs).get("Messages", [])
        if not msgs:
            idle += 1
            continue
        idle = 0
        got.extend(msgs)
        client.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                           for i, m in enumerate(msgs)])
    return got
