"""Reading blobs: Get Blob (with ranges), Get Blob Properties, Get Block List, Get Blob Tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncIterator

from ..azure.errors import StorageError
from . import leases, tiers
from .conditions import Conditions, check_blob_conditions
from .core import EngineCore
from .models import Blob, Extent

SMALL_READ = 256 * 1024


@dataclass
class BlockList:
    blob: Blob | None
    committed: list[Extent]
    uncommitted: list[Extent]


class BlobReads(EngineCore):
    async def blob_properties(self, account: str, container: str, name: str, snapshot: str = "",
                              lease_id: str | None = None, conditions: Conditions | None = None) -> Blob:
        now = self.clock.now()

        def run(tx: Any) -> Blob:
            blob = self.find_blob_or_404(tx, account, container, name, snapshot)
            check_blob_conditions(conditions or Conditions(), tx, blob, read=True)
            return blob

        blob = await self.tx_read(run)
        leases.check_read(blob.lease, lease_id, now, "Blob")
        blob.lease = leases.current(blob.lease, now)
        return blob

    async def open_blob(self, account: str, container: str, name: str, snapshot: str, lease_id: str | None,
                        conditions: Conditions, first: int | None, last: int | None) -> tuple[Blob, int, int]:
        """The blob and the byte range [start, end) to send; extents for that range are in blob.extents."""
        now = self.clock.now()

        def run(tx: Any) -> tuple[Blob, int, int]:
            blob, body = self.find_blob_body_or_404(tx, account, container, name, snapshot)
            check_blob_conditions(conditions, tx, blob, read=True)
            leases.check_read(blob.lease, lease_id, now, "Blob")
            tiers.readable(blob, now)
            start, end = 0, blob.size
            if first is not None:
                if first >= blob.size or (last is not None and last < first):
                    raise StorageError(416, "InvalidRange")
                start = first
                end = blob.size if last is None else min(last + 1, blob.size)
            if body is not None:  # kept in the database, read with the row
                blob.extents = [Extent(0, len(body), "", data=body)]
                blob.data = body[start:end] if start or end < len(body) else body
                return blob, start, end
            blob.extents = tx.extents_in(blob.id, start, end) if end > start else []
            if end - start <= SMALL_READ:  # a small read rides along: one thread hop instead of two
                blob.data = self.files.read_range_sync(blob.extents, start, end)
            return blob, start, end

        blob, start, end = await self.tx_read(run)
        blob.lease = leases.current(blob.lease, now)
        return blob, start, end

    def content(self, blob: Blob, start: int, end: int) -> AsyncIterator[bytes]:
        """The bytes [start, end) of a blob from open_blob: the small range read with its row, else streamed
        from its files in chunks (constant memory whatever the size)."""
        if blob.data is not None:
            return _once(blob.data)
        return self.files.stream(blob.extents, start, end)

    async def block_list(self, account: str, container: str, name: str, snapshot: str, which: str,
                         lease_id: str | None) -> BlockList:
        now = self.clock.now()

        def run(tx: Any) -> BlockList:
            cid = self.container_id_or_404(tx, account, container)
            blob = tx.get_blob(cid, name, snapshot)
            if blob is not None:
                leases.check_read(blob.lease, lease_id, now, "Blob")
                if blob.blob_type != "BlockBlob":
                    raise StorageError(409, "InvalidBlobType")
            committed = [e for e in tx.extents(blob.id) if e.block_id] \
                if blob is not None and which in ("committed", "all") else []
            staged = tx.staged_blocks(cid, name) if which in ("uncommitted", "all") and not snapshot else []
            if blob is None and not staged:
                raise StorageError(404, "BlobNotFound")
            return BlockList(blob, committed, staged)

        return await self.tx_read(run)

    async def get_tags(self, account: str, container: str, name: str, snapshot: str,
                       lease_id: str | None) -> dict[str, str]:
        now = self.clock.now()

        def run(tx: Any) -> dict[str, str]:
            cid = self.container_id_or_404(tx, account, container)
            blob = self.blob_or_404(tx, cid, name, snapshot)
            leases.check_read(blob.lease, lease_id, now, "Blob")
            return tx.get_tags(blob.id)

        return await self.tx_read(run)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
