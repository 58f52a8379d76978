"""The engine's values: containers, blobs, their content extents, leases and copy state."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

def _json(raw: str | None) -> Any:
    """json.loads with a fast path for the empty objects most rows carry (listings load thousands)."""
    if raw == "{}":
        return {}
    return json.loads(raw) if raw else None


CONTENT_HEADERS = ("content_type", "content_encoding", "content_language", "content_disposition", "cache_control",
                   "content_md5")


@dataclass
class Lease:
    lease_id: str | None = None
    state: str = "available"  # available, leased, breaking, broken, expired
    duration: int = -1  # seconds, -1 infinite
    expires: float | None = None
    break_at: float | None = None

    @classmethod
    def load(cls, raw: str | None) -> "Lease":
        return cls(**json.loads(raw)) if raw else cls()

    def dump(self) -> str | None:
        return None if self.state == "available" else json.dumps(self.__dict__)


@dataclass
class Container:
    id: int
    account: str
    name: str
    etag: str
    last_modified: float
    metadata: dict[str, str]
    public_access: str | None
    acl: list[dict[str, str]]
    lease: Lease

    @classmethod
    def from_row(cls, row: Any) -> "Container":
        return cls(row["id"], row["account"], row["name"], row["etag"], row["last_modified"],
                   json.loads(row["metadata"]), row["public_access"], json.loads(row["acl"]),
                   Lease.load(row["lease"]))


@dataclass
class Extent:
    start: int
    length: int
    file_id: str
    block_id: str | None = None
    file_offset: int = 0  # where the extent starts in its file (small blobs share pack files)
    data: bytes | None = None  # the bytes of an inline body (kept in the database, not in a file)


@dataclass
class Blob:
    id: int
    container_id: int
    name: str
    snapshot: str
    blob_type: str
    size: int
    etag: str
    created: float
    last_modified: float
    props: dict[str, str]
    metadata: dict[str, str]
    tag_count: int
    tier: str | None
    tier_changed: float | None
    archive_status: str | None
    rehydrate_at: float | None
    lease: Lease
    copy: dict[str, Any] | None
    sealed: bool
    block_count: int
    tags: dict[str, str] | None = None
    extents: list[Extent] = field(default_factory=list)
    data: bytes | None = None  # a small range, read with the row

    @classmethod
    def from_values(cls, values: tuple) -> "Blob":
        """A blob from its stored columns, in ROW_FIELDS order (as stored: JSON text, lease text, 0/1)."""
        (id_, container_id, name, snapshot, blob_type, size, etag, created, last_modified, props, metadata,
         tag_count, tier, tier_changed, archive_status, rehydrate_at, lease, copy, sealed, block_count) = values
        return cls(id_, container_id, name, snapshot, blob_type, size, etag, created, last_modified, _json(props),
                   _json(metadata), tag_count, tier, tier_changed, archive_status, rehydrate_at, Lease.load(lease),
                   _json(copy), bool(sealed), block_count)


ROW_FIELDS = ("id", "container_id", "name", "snapshot", "blob_type", "size", "etag", "created", "last_modified",
              "props", "metadata", "tag_count", "tier", "tier_changed", "archive_status", "rehydrate_at", "lease",
              "copy", "sealed", "block_count")


@dataclass
class Page:
    """One page of a listing: items (and, for blobs, virtual directory prefixes) and the next marker."""
    items: list[Any]
    prefixes: list[str] = field(default_factory=list)
    next_marker: str = ""
