"""Conditional requests: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since and x-ms-if-tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..azure.errors import StorageError
from .tags import matches, parse_expression


@dataclass
class Conditions:
    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: float | None = None
    if_unmodified_since: float | None = None
    if_tags: str | None = None  # x-ms-if-tags: a tag filter expression the blob's tags must satisfy

    def empty(self) -> bool:
        return not (self.if_match or self.if_none_match or self.if_modified_since is not None
                    or self.if_unmodified_since is not None)

    def check(self, etag: str | None, last_modified: float | None, read: bool = False) -> None:
        """etag None means the resource does not exist. Failing reads answer 304 where HTTP says so."""
        exists = etag is not None
        if self.if_match:
            if not exists or (self.if_match != "*" and _strip(self.if_match) != _strip(etag)):
                raise StorageError(412, "ConditionNotMet")
        if self.if_none_match:
            if exists and (self.if_none_match == "*" or _strip(self.if_none_match) == _strip(etag)):
                if read:
                    raise StorageError(304, "ConditionNotMet")
                raise StorageError(409 if self.if_none_match == "*" else 412,
                                   "BlobAlreadyExists" if self.if_none_match == "*" else "ConditionNotMet")
        if exists and last_modified is not None:
            seconds = int(last_modified)
            if self.if_modified_since is not None and seconds <= int(self.if_modified_since):
                raise StorageError(304 if read else 412, "ConditionNotMet")
            if self.if_unmodified_since is not None and seconds > int(self.if_unmodified_since):
                raise StorageError(412, "ConditionNotMet")
        elif self.if_unmodified_since is not None and not exists:
            raise StorageError(412, "ConditionNotMet")


def check_blob_conditions(conditions: "Conditions", tx: Any, blob: Any, read: bool = False) -> None:
    """All conditions on a blob, including x-ms-if-tags (which needs its tags, hence the transaction)."""
    conditions.check(blob.etag if blob else None, blob.last_modified if blob else None, read=read)
    if conditions.if_tags:
        tags = tx.get_tags(blob.id) if blob is not None else {}
        if not matches(parse_expression(conditions.if_tags), tags):
            raise StorageError(412, "ConditionNotMet")


def _strip(etag: str | None) -> str:
    return (etag or "").strip().strip('"') if etag else ""
