"""Writing blobs: Put Blob, Put Block, Put Block List, Append Block. The bytes are made durable in a new file
(or pack) first; only then does one transaction check conditions and leases and point the blob's row at them.
A small Put Blob body (up to INLINE_THRESHOLD) is instead written by that same transaction into the database, as
the blob's own body (no extents): one commit makes bytes and row durable together."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

from ..azure.errors import StorageError
from . import leases
from .conditions import Conditions, check_blob_conditions
from .core import EngineCore
from .files import INLINE_THRESHOLD, Written, digest, read_whole
from .models import Blob, Extent, Lease
from .names import check_blob, check_block_id, check_metadata
from .tags import check_tags

MAX_PUT_BLOB = 5000 * 1024 * 1024
MAX_BLOCK = 4000 * 1024 * 1024
MAX_APPEND_BLOCK = 100 * 1024 * 1024
MAX_BLOCKS = 50_000
TIERS = {"Hot", "Cool", "Cold", "Archive"}


@dataclass
class WriteOptions:
    """What a create or overwrite carries besides bytes."""
    props: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] | None = None
    tier: str | None = None
    conditions: Conditions = field(default_factory=Conditions)
    lease_id: str | None = None
    content_md5: bytes | None = None  # transactional MD5 of the body (Content-MD5)
    content_crc64: bytes | None = None
    ctx: dict[str, str] | None = None
    length: int | None = None  # Content-Length, when the client sent one
    create_only: bool = False  # a SAS with Create but not Write permission may not overwrite

    def validate(self, limit: int | None = None) -> None:
        if limit is not None and self.length is not None and self.length > limit:
            raise StorageError(413, "RequestBodyTooLarge")
        check_metadata(self.metadata)
        if self.tags is not None:
            check_tags(self.tags)
        if self.tier is not None and self.tier not in TIERS:
            raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "x-ms-access-tier",
                                                                 "HeaderValue": self.tier})


def verify_checksums(written: Written, opts: WriteOptions) -> None:
    if opts.content_md5 is not None and opts.content_md5 != written.md5:
        raise StorageError(400, "Md5Mismatch")
    if opts.content_crc64 is not None and opts.content_crc64 != written.crc64:
        raise StorageError(400, "Crc64Mismatch")


class BlobWrites(EngineCore):
    def _replace(self, tx: Any, account: str, container_id: int, name: str, old: Blob | None, opts: WriteOptions,
                 now: float, **row: Any) -> tuple[Blob, list[str]]:
        """Check the existing blob's (`old`) conditions and lease, then put a new row in its place (the lease
        stays)."""
        check_blob_conditions(opts.conditions, tx, old)
        released: list[str] = []
        lease = Lease()
        if old is not None and opts.create_only:
            raise StorageError(403, "AuthorizationPermissionMismatch")
        if old is not None:
            leases.check_write(old.lease, opts.lease_id, now, "Blob")
            lease = leases.current(old.lease, now)
            released = tx.delete_blob(old.id)
        elif opts.lease_id:
            raise StorageError(412, "LeaseNotPresentWithBlobOperation")
        fields = {"etag": self.clock.etag(), "created": now, "last_modified": now, "props": opts.props,
                  "metadata": opts.metadata, "tier": opts.tier, "tier_changed": now if opts.tier else None,
                  "lease": lease, "tag_count": len(opts.tags or {}), "copy": None, "sealed": False,
                  "block_count": 0, **row}
        blob_id = tx.insert_blob(container_id, name, "", **fields)
        if opts.tags:
            tx.set_tags(blob_id, account, opts.tags)
        return Blob(blob_id, container_id, name, "", archive_status=None, rehydrate_at=None, **fields), released

    async def put_blob(self, account: str, container: str, name: str, body: AsyncIterator[bytes],
                       opts: WriteOptions, blob_type: str = "BlockBlob") -> Blob:
        check_blob(name)
        opts.validate(MAX_PUT_BLOB)
        want_crc = opts.content_crc64 is not None
        inline: bytes | None = None
        if blob_type == "BlockBlob" and opts.length is not None and opts.length <= INLINE_THRESHOLD:
            # small: the bytes go into the blob's own transaction, so the put costs one (group) commit
            inline = await read_whole(body, INLINE_THRESHOLD)
            written = digest(inline, want_crc)
            verify_checksums(written, opts)
        else:
            written = await self.files.write(body, MAX_PUT_BLOB, want_crc=want_crc, length=opts.length)
            try:
                verify_checksums(written, opts)
                if blob_type != "BlockBlob" and written.size:
                    raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "Content-Length"})
            except StorageError:
                await self._discard([written.file_id])
                raise
        if blob_type == "BlockBlob":
            opts.props.setdefault("content_md5", _b64(written.md5))
        now = self.clock.now()

        def run(tx: Any) -> tuple[Blob, list[str]]:
            cid, old, staged = self.container_and_blob_or_404(tx, account, container, name)
            blob, released = self._replace(tx, account, cid, name, old, opts, now, blob_type=blob_type,
                                           size=written.size if blob_type == "BlockBlob" else 0,
                                           block_count=0)
            if inline is not None:
                if inline:
                    tx.put_body(blob.id, inline)
            elif blob_type == "BlockBlob":
                tx.add_extents(blob.id, [Extent(0, written.size, written.file_id, None, written.offset)])
            if staged:
                released += tx.clear_staged(cid, name)
            return blob, tx.release(released)

        new = [written.file_id] if inline is None else []
        if blob_type != "BlockBlob":
            await self._discard(new)
            new = []
        blob = await self.commit_with_files(new, run)
        await self.emit("BlobCreated", "PutBlob", account, container, blob, name, opts.ctx)
        return blob

    async def _discard(self, file_ids: list[str]) -> None:
        await asyncio.to_thread(self.files.abandon, file_ids)

    async def put_block(self, account: str, container: str, name: str, block_id: str, body: AsyncIterator[bytes],
                        opts: WriteOptions) -> Written:
        check_blob(name)
        check_block_id(block_id)
        opts.validate(MAX_BLOCK)
        written = await self.files.write(body, MAX_BLOCK, want_crc=opts.content_crc64 is not None)
        try:
            verify_checksums(written, opts)
        except StorageError:
            await self._discard([written.file_id])
            raise
        now = self.clock.now()

        def run(tx: Any) -> tuple[None, list[str]]:
            cid = self.container_id_or_404(tx, account, container)
            existing = tx.get_blob(cid, name)
            if existing is not None:
                leases.check_write(existing.lease, opts.lease_id, now, "Blob")
            released = tx.put_staged_block(cid, name, block_id, written.size, written.file_id, now)
            return None, tx.release(released)

        await self.commit_with_files([written.file_id], run)
        return written

    async def put_block_list(self, account: str, container: str, name: str, blocks: list[tuple[str, str]],
                             opts: WriteOptions) -> Blob:
        """blocks: (kind, block id) with kind 'latest', 'committed' or 'uncommitted', in the blob's order."""
        check_blob(name)
        opts.validate()
        if len(blocks) > MAX_BLOCKS:
            raise StorageError(409, "BlockCountExceedsLimit")
        now = self.clock.now()

        def run(tx: Any) -> tuple[Blob, list[str]]:
            cid, old, any_staged = self.container_and_blob_or_404(tx, account, container, name)
            committed = {e.block_id: e for e in tx.extents(old.id)} if old and old.blob_type == "BlockBlob" else {}
            staged = {e.block_id: e for e in tx.staged_blocks(cid, name)} if any_staged else {}
            extents: list[Extent] = []
            offset = 0
            for kind, block_id in blocks:
                if kind == "uncommitted":
                    found = staged.get(block_id)
                elif kind == "committed":
                    found = committed.get(block_id)
                else:
                    found = staged.get(block_id) or committed.get(block_id)
                if found is None:
                    raise StorageError(400, "InvalidBlockList")
                extents.append(Extent(offset, found.length, found.file_id, block_id))
                offset += found.length
            blob, released = self._replace(tx, account, cid, name, old, opts, now, blob_type="BlockBlob", size=offset,
                                           block_count=len(extents))
            tx.add_extents(blob.id, extents)
            if any_staged:
                released += tx.clear_staged(cid, name)
            return blob, tx.release(released)

        blob = await self.commit_with_files([], run)
        await self.emit("BlobCreated", "PutBlockList", account, container, blob, name, opts.ctx)
        return blob

    async def append_block(self, account: str, container: str, name: str, body: AsyncIterator[bytes],
                           opts: WriteOptions, append_position: int | None, max_size: int | None) -> tuple[Blob, int]:
        opts.validate(MAX_APPEND_BLOCK)
        written = await self.files.write(body, MAX_APPEND_BLOCK, want_crc=opts.content_crc64 is not None,
                                         length=opts.length)
        try:
            verify_checksums(written, opts)
        except StorageError:
            await self._discard([written.file_id])
            raise
        now, etag = self.clock.now(), self.clock.etag()

        def run(tx: Any) -> tuple[tuple[Blob, int], list[str]]:
            cid = self.container_id_or_404(tx, account, container)
            blob = self.blob_or_404(tx, cid, name)
            if blob.blob_type != "AppendBlob":
                raise StorageError(409, "InvalidBlobType")
            if blob.sealed:
                raise StorageError(409, "BlobIsSealed", "The blob is sealed and its contents cannot be modified.")
            check_blob_conditions(opts.conditions, tx, blob)
            leases.check_write(blob.lease, opts.lease_id, now, "Blob")
            if append_position is not None and append_position != blob.size:
                raise StorageError(412, "AppendPositionConditionNotMet")
            if max_size is not None and blob.size + written.size > max_size:
                raise StorageError(412, "MaxBlobSizeConditionNotMet")
            if blob.block_count >= MAX_BLOCKS:
                raise StorageError(409, "BlockCountExceedsLimit")
            offset = blob.size
            if written.size:
                tx.add_extents(blob.id, [Extent(offset, written.size, written.file_id, None, written.offset)],
                               first_seq=blob.block_count)
            tx.update_blob(blob.id, size=offset + written.size, etag=etag, last_modified=now,
                           block_count=blob.block_count + 1)
            return (tx.get_blob(cid, name), offset), []

        blob, offset = await self.commit_with_files([written.file_id], run)
        if not written.size:
            await self._discard([written.file_id])
        await self.emit("BlobCreated", "AppendBlock", account, container, blob, name, opts.ctx)
        return blob, offset


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
