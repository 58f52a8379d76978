"""The AWS query protocol (form-encoded requests, XML responses), driven by the service model."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any
from urllib.parse import unquote_plus
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from .errors import AwsError


def _name(shape: Shape, default: str) -> str:
    return shape.serialization.get("name", default)


def parse_form(text: str) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as parse_qsl(keep_blank_values=True) reads it (the last of a
    repeated name wins), decoding only the fields that need it: most of a query request is plain ASCII."""
    out: dict[str, str] = {}
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        out[name] = value
    return out


def parse_request(op: OperationModel, params: dict[str, str]) -> dict[str, Any]:
    if op.input_shape is None:
        return {}
    return _read_struct(op.input_shape, params, "") or {}


def _read(shape: Shape, params: dict[str, str], prefix: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _read_struct(shape, params, prefix + ".")
    if kind == "list":
        return _read_list(shape, params, prefix)
    if kind == "map":
        return _read_map(shape, params, prefix)
    raw = params.get(prefix)
    if raw is None:
        return None
    return _scalar(shape, raw, prefix)


_PLANS: dict[int, tuple[Shape, list[tuple[str, str, Shape, bool]]]] = {}


def _plan(shape: Shape) -> list[tuple[str, str, Shape, bool]]:
    """(member key, wire name, member shape, is a string) of a structure, worked out once per shape."""
    known = _PLANS.get(id(shape))
    if known is None or known[0] is not shape:
        if len(_PLANS) > 10_000:  # models' shapes are cached and few; never let stray ones pile up
            _PLANS.clear()
        known = _PLANS[id(shape)] = (shape, [(key, _name(member, key), member, member.type_name == "string")
                                             for key, member in shape.members.items()])
    return known[1]


def _read_struct(shape: Shape, params: dict[str, str], prefix: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for key, name, member, is_string in _plan(shape):
        if is_string:  # the common case, read in place
            value = params.get(prefix + name)
        else:
            value = _read(member, params, prefix + name)
        if value is not None:
            out[key] = value
    return out if out or any(k.startswith(prefix) for k in params) else None


def _read_list(shape: Shape, params: dict[str, str], prefix: str) -> list | None:
    if shape.serialization.get("flattened"):
        member_name = shape.member.serialization.get("name")
        base = ".".join(prefix.split(".")[:-1] + [member_name]) if member_name else prefix
    else:
        base = f"{prefix}.{shape.member.serialization.get('name', 'member')}"
    items, i = [], 1
    while True:
        value = _read(shape.member, params, f"{base}.{i}")
        if value is None:
            break
        items.append(value)
        i += 1
    if not items and params.get(prefix) == "":
        return []
    return items or None


def _read_map(shape: Shape, params: dict[str, str], prefix: str) -> dict | None:
    base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
    key_name = _name(shape.key, "key")
    value_name = _name(shape.value, "value")
    out, i = {}, 1
    while True:
        key = params.get(f"{base}.{i}.{key_name}")
        if key is None:
            break
        out[key] = _read(shape.value, params, f"{base}.{i}.{value_name}")
        i += 1
    return out or None


def _scalar(shape: Shape, raw: str, name: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("float", "double"):
            return float(raw)
        if kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if kind == "blob":
            return base64.b64decode(raw, validate=True)
        if kind == "timestamp":
            return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, binascii.Error):
        raise AwsError("InvalidParameterValue", f"Value {raw} for parameter {name} is invalid.") from None
    return raw


def serialize_response(op: OperationModel, result: dict[str, Any] | None, namespace: str, request_id: str) -> bytes:
    name = op.name
    parts = [f'<?xml version="1.0"?><{name}Response xmlns="{namespace}">']
    output = op.output_shape
    wrapper = op._operation_model.get("output", {}).get("resultWrapper") if output is not None else None
    if output is not None:
        inner: list[str] = []
        _write_struct_members(output, result or {}, inner)
        if wrapper:
            parts.append(f"<{wrapper}>{''.join(inner)}</{wrapper}>")
        else:
            parts.append("".join(inner))
    parts.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>")
    return "".join(parts).encode()


def _write_struct_members(shape: Shape, value: dict[str, Any], out: list[str]) -> None:
    for key, member in shape.members.items():
        item = value.get(key)
        if item is None:
            continue
        _write_member(member, key, item, out)


def _write_member(shape: Shape, key: str, value: Any, out: list[str]) -> None:
    kind = shape.type_name
    name = _name(shape, key)
    if kind == "list":
        member_name = shape.member.serialization.get("name")
        if shape.serialization.get("flattened"):
            tag = member_name or name
            for item in value:
                _write_member(shape.member, tag, item, out) if shape.member.type_name in ("list", "map") else \
                    _write_value(shape.member, tag, item, out)
        else:
            out.append(f"<{name}>")
            for item in value:
                _write_value(shape.member, member_name or "member", item, out)
            out.append(f"</{name}>")
        return
    if kind == "map":
        key_name, value_name = _name(shape.key, "key"), _name(shape.value, "value")
        flattened = shape.serialization.get("flattened")
        if not flattened:
            out.append(f"<{name}>")
        for k, v in value.items():
            tag = name if flattened else "entry"
            out.append(f"<{tag}><{key_name}>{escape(str(k))}</{key_name}>")
            _write_value(shape.value, value_name, v, out)
            out.append(f"</{tag}>")
        if not flattened:
            out.append(f"</{name}>")
        return
    _write_value(shape, name, value, out)


def _write_value(shape: Shape, tag: str, value: Any, out: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        out.append(f"<{tag}>")
        _write_struct_members(shape, value, out)
        out.append(f"</{tag}>")
    elif kind in ("list", "map"):
        _write_member(shape, tag, value, out)
    elif kind == "boolean":
        out.append(f"<{tag}>{'true' if value else 'false'}</{tag}>")
    elif kind == "blob":
        data = value if isinstance(value, bytes) else str(value).encode()
        out.append(f"<{tag}>{base64.b64encode(data).decode()}</{tag}>")
    elif kind == "timestamp":
        text = value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if isinstance(value, dt.datetime) else str(value)
        out.append(f"<{tag}>{text}</{tag}>")
    else:
        out.append(f"<{tag}>{_xml_text(str(value))}</{tag}>")


def _xml_text(text: str) -> str:
    # Characters XML 1.0 cannot carry raw (\r would be normalised away) go as character references.
    text = escape(text, {'"': "&quot;"})
    if "\r" in text:
        text = text.replace("\r", "&#xD;")
    return text


def serialize_error(namespace: str, code: str, message: str, sender: bool, request_id: str) -> bytes:
    return (f'<?xml version="1.0"?><ErrorResponse xmlns="{namespace}"><Error><Type>{"Sender" if sender else "Receiver"}'
            f"</Type><Code>{escape(code)}</Code><Message>{escape(message)}</Message><Detail/></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()
