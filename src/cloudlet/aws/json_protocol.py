"""The AWS JSON 1.0/1.1 protocol, driven by the service model: requests in, responses and errors out."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from botocore.model import OperationModel, Shape

from .errors import AwsError


class _Invalid(Exception):
    pass


def parse_request(op: OperationModel, body: bytes) -> dict[str, Any]:
    if not body.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise AwsError("SerializationException", "Start of structure or map found where not expected.") from None
    if op.input_shape is None:
        return {}
    if not isinstance(data, dict):
        raise AwsError("SerializationException", "Start of list found where not expected")
    try:
        return _read(op.input_shape, data, op.input_shape.name)
    except _Invalid as exc:
        raise AwsError("SerializationException", str(exc)) from None


def _read(shape: Shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            raise _Invalid(f"Expected a structure at {path}")
        out = {}
        members = shape.members
        for key, item in value.items():
            member = members.get(key)
            if member is not None and item is not None:
                out[key] = _read(member, item, f"{path}.{key}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise _Invalid(f"Expected a list at {path}")
        return [_read(shape.member, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise _Invalid(f"Expected a map at {path}")
        return {k: _read(shape.value, v, f"{path}.{k}") for k, v in value.items()}
    if kind == "string":
        if not isinstance(value, str):
            raise _Invalid(f"STRING_VALUE can not be converted to {type(value).__name__} at {path}")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise _Invalid(f"NUMBER_VALUE can not be converted to an integer at {path}")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid(f"Expected a number at {path}")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _Invalid(f"Expected a boolean at {path}")
        return value
    if kind == "blob":
        if not isinstance(value, str):
            raise _Invalid(f"Expected base64 text at {path}")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _Invalid(f"Invalid base64 at {path}") from None
    if kind == "timestamp":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, dt.timezone.utc)
        raise _Invalid(f"Expected a timestamp at {path}")
    return value


def serialize_response(op: OperationModel, result: dict[str, Any] | None, json_version: str) -> tuple[bytes, list]:
    body = _write(op.output_shape, result or {}) if op.output_shape is not None else {}
    return json.dumps(body, separators=(",", ":")).encode(), [("content-type", f"application/x-amz-json-{json_version}")]


def _write(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {k: _write(shape.members[k], v) for k, v in value.items() if v is not None and k in shape.members}
    if kind == "list":
        return [_write(shape.member, v) for v in value]
    if kind == "map":
        return {k: _write(shape.value, v) for k, v in value.items()}
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            return value.timestamp()
        return value
    return value


def serialize_error(namespace: str, code: str, message: str, status: int, query_code: str | None,
                    sender: bool, json_version: str) -> tuple[int, bytes, list]:
    shape_prefix = "com.amazon.coral.service" if code in ("SerializationException", "UnknownOperationException",
                                                          "InternalFailure") else namespace
    body = json.dumps({"__type": f"{shape_prefix}#{code}", "message": message}).encode()
    headers = [("content-type", f"application/x-amz-json-{json_version}"), ("x-amzn-errortype", code)]
    if query_code:
        headers.append(("x-amzn-query-error", f"{query_code};{'Sender' if sender else 'Receiver'}"))
    return status, body, headers
