"""Azure's rules for container names, blob names, metadata names and block ids."""

from __future__ import annotations

import base64
import binascii
import re

from ..azure.errors import StorageError

_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
_METADATA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SPECIAL_CONTAINERS = {"$root", "$logs", "$web"}


def check_container(name: str) -> None:
    if name in SPECIAL_CONTAINERS:
        return
    if not 3 <= len(name) <= 63:
        raise StorageError(400, "OutOfRangeInput", "The specified resource name length is not within the "
                                                   "permissible limits.")
    if not _CONTAINER.match(name):
        raise StorageError(400, "InvalidResourceName")


def check_blob(name: str) -> None:
    if not name or len(name) > 1024 or "\x00" in name:
        raise StorageError(400, "InvalidResourceName" if name else "InvalidUri")


def check_metadata(metadata: dict[str, str]) -> None:
    for key, value in metadata.items():
        if not _METADATA.match(key):
            raise StorageError(400, "InvalidMetadata")
        if any(ord(ch) > 126 for ch in value):
            raise StorageError(400, "InvalidMetadata")
    if sum(len(k) + len(v) for k, v in metadata.items()) > 8 * 1024:
        raise StorageError(400, "MetadataTooLarge", "The metadata specified exceeds the maximum permissible limit.")


def check_block_id(block_id: str) -> None:
    try:
        raw = base64.b64decode(block_id, validate=True)
    except (binascii.Error, ValueError):
        raise StorageError(400, "InvalidQueryParameterValue",
                           extra={"QueryParameterName": "blockid", "QueryParameterValue": block_id}) from None
    if not block_id or len(raw) > 64:
        raise StorageError(400, "InvalidQueryParameterValue",
                           extra={"QueryParameterName": "blockid", "QueryParameterValue": block_id})
