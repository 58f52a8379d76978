"""Blob index tags: validation, the x-ms-tags header, and the tag filter expressions of Find Blobs by Tags and
x-ms-if-tags (`"key" = 'value' AND "k2" >= 'x' AND @container = 'c'`)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from ..azure.errors import StorageError

_TAG_CHARS = re.compile(r"^[A-Za-z0-9 +\-./:=_]*$")
_TOKEN = re.compile(r"""\s*(?:(?P<ident>"(?:[^"])*"|@container|[A-Za-z0-9_+\-./:]+)\s*(?P<op>>=|<=|=|>|<)\s*'(?P<value>[^']*)'
                     |(?P<and>AND\b))""", re.X | re.I)


def check_tags(tags: dict[str, str]) -> None:
    if len(tags) > 10:
        raise StorageError(400, "InvalidTag", "The number of tags exceeds the maximum of 10.")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or len(value) > 256 or not _TAG_CHARS.match(key) or not _TAG_CHARS.match(value):
            raise StorageError(400, "InvalidTag")


def parse_header(raw: str) -> dict[str, str]:
    tags = dict(parse_qsl(raw, keep_blank_values=True))
    check_tags(tags)
    return tags


def parse_expression(text: str) -> list[tuple[str, str, str]]:
    """(key, op, value) conditions joined by AND; the key '@container' names the container."""
    conditions: list[tuple[str, str, str]] = []
    pos = 0
    expect_condition = True
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise StorageError(400, "InvalidQueryParameterValue", "Error parsing query at or near character "
                               f"position {pos}", extra={"QueryParameterName": "where", "QueryParameterValue": text})
        if m.group("and"):
            if expect_condition:
                raise StorageError(400, "InvalidQueryParameterValue", extra={"QueryParameterName": "where"})
            expect_condition = True
        else:
            if not expect_condition:
                raise StorageError(400, "InvalidQueryParameterValue", extra={"QueryParameterName": "where"})
            key = m.group("ident").strip('"')
            conditions.append((key, m.group("op"), m.group("value")))
            expect_condition = False
        pos = m.end()
    if not conditions or expect_condition:
        raise StorageError(400, "InvalidQueryParameterValue", extra={"QueryParameterName": "where",
                                                                     "QueryParameterValue": text})
    return conditions


def matches(conditions: list[tuple[str, str, str]], tags: dict[str, str]) -> bool:
    for key, op, value in conditions:
        have = tags.get(key)
        if have is None:
            return False
        if not {"=": have == value, ">": have > value, ">=": have >= value, "<": have < value,
                "<=": have <= value}[op]:
            return False
    return True
