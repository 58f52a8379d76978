"""List Blobs (prefix, delimiter, marker, snapshots, uncommitted blobs, tags) and Find Blobs by Tags."""

from __future__ import annotations

import base64
from typing import Any

from ..azure.errors import StorageError
from . import leases
from .core import EngineCore
from .models import Blob, Lease, Page
from .tags import parse_expression


def encode_marker(*parts: str) -> str:
    return base64.urlsafe_b64encode("\n".join(parts).encode()).decode().rstrip("=")


def decode_marker(marker: str, parts: int) -> tuple[str, ...]:
    if not marker:
        return ("",) * parts
    try:
        text = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise StorageError(400, "OutOfRangeInput", extra={"QueryParameterName": "marker"}) from None
    values = text.split("\n")
    if len(values) != parts:
        raise StorageError(400, "OutOfRangeInput")
    return tuple(values)


class Listing(EngineCore):
    async def list_blobs(self, account: str, container: str, prefix: str, delimiter: str, marker: str, limit: int,
                         include: set[str]) -> Page:
        start = decode_marker(marker, 2)
        snapshots = "snapshots" in include

        def run(tx: Any) -> Page:
            cid = self.container_id_or_404(tx, account, container)
            items, nxt = tx.list_blobs(cid, prefix, delimiter, (start[0], start[1]), limit, snapshots)
            if "uncommittedblobs" in include:
                stop = nxt[0] if nxt else "\U0010ffff" * 2
                for name in tx.uncommitted_names(cid, prefix, start[0], stop, limit):
                    if not delimiter or name.find(delimiter, len(prefix)) < 0:
                        items.append(_uncommitted(cid, name))
                items.sort(key=lambda i: (i if isinstance(i, str) else i.name, "" if isinstance(i, str) else i.snapshot))
            if "tags" in include:
                for item in items:
                    if isinstance(item, Blob) and item.tag_count:
                        item.tags = tx.get_tags(item.id)
            page = Page([i for i in items if isinstance(i, Blob)], [i for i in items if isinstance(i, str)])
            page.next_marker = encode_marker(*nxt) if nxt else ""
            return page

        page = await self.tx_read(run)
        now = self.clock.now()
        for blob in page.items:
            blob.lease = leases.current(blob.lease, now)
        return page

    async def find_by_tags(self, account: str, container: str | None, where: str, marker: str,
                           limit: int) -> tuple[list[tuple[str, str, dict[str, str]]], str]:
        conditions = parse_expression(where)
        scoped = [v for k, op, v in conditions if k == "@container"]
        if container is None and scoped:
            container = scoped[0]
        conditions = [c for c in conditions if c[0] != "@container"]
        if not conditions:
            raise StorageError(400, "InvalidQueryParameterValue", extra={"QueryParameterName": "where"})
        start = decode_marker(marker, 2)
        rows = await self.tx_read(lambda tx: tx.find_by_tags(account, container, conditions, start, limit + 1))
        if len(rows) > limit:
            last = rows[limit - 1]
            return rows[:limit], encode_marker(last[0], last[1])
        return rows, ""


def _uncommitted(container_id: int, name: str) -> Blob:
    return Blob(0, container_id, name, "", "BlockBlob", 0, "", 0.0, 0.0, {}, {}, 0, None, None, None, None, Lease(),
                None, False, 0)
