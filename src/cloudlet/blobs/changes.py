"""Changing blobs in place: properties, metadata, tags, tier, leases, snapshots, copies, sealing, deletion."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote, urlsplit, parse_qs

from ..azure.errors import StorageError
from . import leases, tiers
from .conditions import Conditions, check_blob_conditions
from .core import EngineCore
from .models import Blob
from .names import check_metadata
from .tags import check_tags
from .writes import WriteOptions

COPY_FIELDS = ("content_type", "content_encoding", "content_language", "content_disposition", "cache_control",
               "content_md5")


class BlobChanges(EngineCore):
    async def _change(self, account: str, container: str, name: str, conditions: Conditions, lease_id: str | None,
                      mutate: Any, snapshot: str = "", touch: bool = True, lease_check: str = "write") -> Any:
        """Load the blob, check conditions and lease, then `mutate(tx, blob, now) -> (fields, result)`."""
        now = self.clock.now()
        etag = self.clock.etag() if touch else None

        def run(tx: Any) -> Any:
            cid = self.container_id_or_404(tx, account, container)
            blob = self.blob_or_404(tx, cid, name, snapshot)
            check_blob_conditions(conditions, tx, blob)
            if lease_check == "write":
                leases.check_write(blob.lease, lease_id, now, "Blob")
            else:
                leases.check_read(blob.lease, lease_id, now, "Blob")
            fields, result = mutate(tx, blob, now)
            if touch:
                fields = {"etag": etag, "last_modified": now, **fields}
            if fields:
                tx.update_blob(blob.id, **fields)
            return result if result is not None else tx.get_blob(cid, name, snapshot)

        return await self.tx_write(run)

    async def set_properties(self, account: str, container: str, name: str, props: dict[str, str],
                             conditions: Conditions, lease_id: str | None) -> Blob:
        return await self._change(account, container, name, conditions, lease_id,
                                  lambda tx, blob, now: ({"props": props}, None))

    async def set_metadata(self, account: str, container: str, name: str, metadata: dict[str, str],
                           conditions: Conditions, lease_id: str | None) -> Blob:
        check_metadata(metadata)
        return await self._change(account, container, name, conditions, lease_id,
                                  lambda tx, blob, now: ({"metadata": metadata}, None))

    async def set_tags(self, account: str, container: str, name: str, snapshot: str, tags: dict[str, str],
                       conditions: Conditions, lease_id: str | None) -> None:
        check_tags(tags)

        def mutate(tx: Any, blob: Blob, now: float) -> tuple[dict, bool]:
            tx.set_tags(blob.id, account, tags)
            return {"tag_count": len(tags)}, True

        await self._change(account, container, name, conditions, lease_id, mutate, snapshot=snapshot, touch=False,
                           lease_check="read")

    async def seal(self, account: str, container: str, name: str, conditions: Conditions,
                   lease_id: str | None) -> Blob:
        def mutate(tx: Any, blob: Blob, now: float) -> tuple[dict, None]:
            if blob.blob_type != "AppendBlob":
                raise StorageError(409, "InvalidBlobType")
            return {"sealed": 1}, None

        return await self._change(account, container, name, conditions, lease_id, mutate)

    async def set_tier(self, account: str, container: str, name: str, snapshot: str, tier: str,
                       lease_id: str | None) -> int:
        def mutate(tx: Any, blob: Blob, now: float) -> tuple[dict, int]:
            fields, status = tiers.change(blob, tier, now, self.rehydrate_seconds)
            return fields, status

        return await self._change(account, container, name, Conditions(), lease_id, mutate, snapshot=snapshot,
                                  touch=False)

    async def lease_blob(self, account: str, container: str, name: str, action: str, conditions: Conditions,
                         lease_id: str | None, proposed: str | None, duration: str | None,
                         break_period: str | None) -> tuple[Blob, int | None]:
        def mutate(tx: Any, blob: Blob, now: float) -> tuple[dict, tuple[Blob, int | None]]:
            lease, left = leases.apply(blob.lease, action, now, lease_id, proposed, duration, break_period)
            blob.lease = lease
            return {"lease": lease}, (blob, left)

        return await self._change(account, container, name, conditions, None, mutate, touch=False,
                                  lease_check="none")

    async def snapshot(self, account: str, container: str, name: str, metadata: dict[str, str] | None,
                       conditions: Conditions, lease_id: str | None) -> tuple[Blob, str]:
        if metadata:
            check_metadata(metadata)
        stamp = self.snapshot_stamp()

        def mutate(tx: Any, blob: Blob, now: float) -> tuple[dict, tuple[Blob, str]]:
            snap_id = tx.insert_blob(blob.container_id, blob.name, stamp, blob_type=blob.blob_type, size=blob.size,
                                     etag=blob.etag, created=blob.created, last_modified=blob.last_modified,
                                     props=blob.props, metadata=metadata if metadata else blob.metadata,
                                     tier=blob.tier, block_count=blob.block_count, sealed=int(blob.sealed))
            tx.copy_extents(snap_id, blob.id)
            tx.copy_body(snap_id, blob.id)
            return {}, (blob, stamp)

        return await self._change(account, container, name, conditions, lease_id, mutate, touch=False,
                                  lease_check="read")

    async def delete_blob(self, account: str, container: str, name: str, snapshot: str, delete_snapshots: str | None,
                          conditions: Conditions, lease_id: str | None, ctx: dict[str, str] | None = None) -> None:
        now = self.clock.now()

        def run(tx: Any) -> tuple[Blob, list[str]]:
            cid = self.container_id_or_404(tx, account, container)
            blob = self.blob_or_404(tx, cid, name, snapshot)
            check_blob_conditions(conditions, tx, blob)
            if snapshot:
                if delete_snapshots:
                    raise StorageError(400, "InvalidQueryParameterValue",
                                       extra={"QueryParameterName": "snapshot", "QueryParameterValue": snapshot})
                return blob, tx.release(tx.delete_blob(blob.id))
            leases.check_write(blob.lease, lease_id, now, "Blob")
            snapshots = tx.count_snapshots(cid, name)
            if snapshots and delete_snapshots not in ("include", "only"):
                raise StorageError(409, "SnapshotsPresent")
            released = tx.delete_snapshots(cid, name) if snapshots else []
            if delete_snapshots != "only":
                released += tx.delete_blob(blob.id)
                released += tx.clear_staged(cid, name)
            return blob, tx.release(released)

        blob = await self.commit_with_files([], run)
        if not snapshot and delete_snapshots != "only":
            await self.emit("BlobDeleted", "DeleteBlob", account, container, blob, name, ctx)

    async def copy_blob(self, account: str, container: str, name: str, source_url: str, opts: WriteOptions,
                        source_conditions: Conditions) -> Blob:
        """Copy within this Cloudlet: the new blob shares the source's files, so no bytes move (a small body
        kept in the database is copied there)."""
        src_account, src_container, src_name, src_snapshot = parse_source(source_url, account)
        copy_id = str(uuid.uuid4())
        opts.validate()
        now = self.clock.now()

        def run(tx: Any) -> tuple[Blob, list[str]]:
            sc = tx.get_container(src_account, src_container)
            source = tx.get_blob(sc.id, src_name, src_snapshot) if sc else None
            if source is None:
                raise StorageError(404, "CannotVerifyCopySource", "The specified blob does not exist.")
            source_conditions.check(source.etag, source.last_modified)
            tiers.readable(source, now)
            cid, old, _ = self.container_and_blob_or_404(tx, account, container, name)
            props = {k: source.props[k] for k in COPY_FIELDS if k in source.props}
            opts.props = props
            if not opts.metadata:
                opts.metadata = dict(source.metadata)
            if opts.tags is None:
                opts.tags = tx.get_tags(source.id) or None
            copy = {"id": copy_id, "source": source_url, "status": "success",
                    "progress": f"{source.size}/{source.size}", "completed": now}
            # read first: a blob copied onto itself is the one being replaced
            extents, body = tx.extents(source.id), tx.body(source.id)
            blob, released = self._replace(tx, account, cid, name, old, opts, now, blob_type=source.blob_type,
                                           size=source.size, block_count=source.block_count, copy=copy)
            tx.add_extents(blob.id, extents)
            if body is not None:
                tx.put_body(blob.id, body)
            return blob, tx.release(released)

        blob = await self.commit_with_files([], run)
        await self.emit("BlobCreated", "CopyBlob", account, container, blob, name, opts.ctx)
        return blob


def parse_source(url: str, default_account: str) -> tuple[str, str, str, str]:
    """x-ms-copy-source: a path-style URL of this Cloudlet (/account/container/blob[?snapshot=...])."""
    parts = urlsplit(url)
    segments = parts.path.lstrip("/").split("/", 2)
    if len(segments) < 3 or not segments[2]:
        raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "x-ms-copy-source", "HeaderValue": url})
    snapshot = parse_qs(parts.query).get("snapshot", [""])[0]
    return unquote(segments[0]), unquote(segments[1]), unquote(segments[2]), snapshot
