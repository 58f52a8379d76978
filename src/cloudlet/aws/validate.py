"""Input validation driven by the botocore model: min/max, length, pattern and enum traits, checked the way
AWS's front door checks them (botocore checks no patterns, so the server must).

Messages follow AWS's validation wording:
`1 validation error detected: Value 'x' at 'jobId' failed to satisfy constraint: Member must ...`."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from botocore.model import Shape

from .errors import AwsError


@lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def problems(shape: Shape | None, value: Any, path: str = "") -> list[str]:
    """Every constraint `value` breaks, as AWS words them; [] when it is valid."""
    found: list[str] = []
    if shape is not None and value is not None:
        _check(shape, value, path, found)
    return found


def validate(shape: Shape | None, value: Any, code: str = "InvalidParameterException") -> None:
    """Raise AwsError(code) naming the constraints `value` breaks (AWS reports at most a few at once)."""
    found = problems(shape, value)
    if found:
        count = len(found)
        noun = "error" if count == 1 else "errors"
        raise AwsError(code, f"{count} validation {noun} detected: " + "; ".join(found[:5]))


def _check(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    where = path or "input"
    if kind == "structure":
        for key, item in value.items():
            member = shape.members.get(key)
            if member is not None and item is not None:
                _check(member, item, f"{path}.{_camel(key)}" if path else _camel(key), found)
        for key in shape.required_members:
            if value.get(key) is None:
                name = f"{path}.{_camel(key)}" if path else _camel(key)
                found.append(f"Value null at '{name}' failed to satisfy constraint: Member must not be null")
        return
    if kind == "list":
        _length(meta, len(value), value, where, found, "length")
        for i, item in enumerate(value):
            _check(shape.member, item, f"{where}.{i + 1}.member", found)
        return
    if kind == "map":
        _length(meta, len(value), value, where, found, "length")
        for key, item in value.items():
            _check(shape.key, key, f"{where}.key", found)
            _check(shape.value, item, f"{where}.{key}", found)
        return
    if kind == "string":
        _length(meta, len(value), value, where, found, "length")
        enum = meta.get("enum")
        if enum and value not in enum:
            found.append(f"Value '{value}' at '{where}' failed to satisfy constraint: Member must satisfy enum "
                         f"value set: [{', '.join(enum)}]")
        pattern = meta.get("pattern")
        if pattern and not _full_match(pattern, value):
            found.append(f"Value '{value}' at '{where}' failed to satisfy constraint: Member must satisfy regular "
                         f"expression pattern: {pattern}")
        return
    if kind in ("integer", "long", "float", "double"):
        _bounds(meta, value, value, where, found, "value")
        return
    if kind == "blob":
        _length(meta, len(value), "<binary>", where, found, "length")


def _full_match(pattern: str, value: str) -> bool:
    # AWS (Java) patterns must match the whole value; anchors in the model are harmless here.
    return _regex(pattern).fullmatch(value) is not None


def _length(meta: dict, size: int, value: Any, where: str, found: list[str], what: str) -> None:
    shown = value if isinstance(value, str) else "[...]" if isinstance(value, (list, dict)) else value
    _bounds(meta, size, shown, where, found, what)


def _bounds(meta: dict, measured: Any, shown: Any, where: str, found: list[str], what: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and measured < low:
        found.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: Member must have {what} "
                     f"greater than or equal to {low}")
    if high is not None and measured > high:
        found.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: Member must have {what} "
                     f"less than or equal to {high}")
