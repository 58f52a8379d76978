"""The MD5 digests SQS returns, computed exactly as AWS does (the Java, JS and Go SDKs verify them)."""

from __future__ import annotations

import base64
import hashlib
import struct
from typing import Any

_TRANSPORT = {"String": 1, "Number": 1, "Binary": 2}


def md5_text(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def md5_attributes(attributes: dict[str, dict[str, Any]]) -> str | None:
    """Sorted by name; per attribute: length-prefixed name, data type, a transport byte, length-prefixed value."""
    if not attributes:
        return None
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        _update(digest, name.encode("utf-8"))
        _update(digest, data_type.encode("utf-8"))
        if data_type.split(".", 1)[0] == "Binary":
            digest.update(b"\x02")
            raw = value["BinaryValue"]
            _update(digest, raw if isinstance(raw, bytes) else base64.b64decode(raw))
        else:
            digest.update(b"\x01")
            _update(digest, value["StringValue"].encode("utf-8"))
    return digest.hexdigest()


def _update(digest: Any, data: bytes) -> None:
    digest.update(struct.pack(">I", len(data)))
    digest.update(data)
