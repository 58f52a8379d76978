"""What every part of the blob engine shares: the store, the files, the clock, ETags, and the commit protocol
(bytes durable first, then the row; files no row points at any more are deleted after the commit)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections import deque
import time
from typing import Any, Callable

from ..azure.errors import StorageError
from ..azure.times import iso
from ..store.database import Database
from .events import EventHub, blob_event
from .files import BlobFiles, is_pack
from .models import Blob, Container
from .sqlite_repo import BlobTx

log = logging.getLogger("cloudlet.blobs")


class Clock:
    """Wall time and ETags that never repeat: Azure's "0x8D..." ticks, strictly increasing."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time()

    def etag(self) -> str:
        with self._lock:
            ticks = max(self._last + 1, int(time.time() * 10_000_000) + 621355968000000000)
            self._last = ticks
        return f'"0x{ticks:X}"'


class EngineCore:
    def __init__(self, db: Database, files: BlobFiles, base_url: str, rehydrate_seconds: float = 0.0,
                 delete_grace: float = 0.0) -> None:
        self.db = db
        self.files = files
        self.clock = Clock()
        self.events = EventHub()
        self.base_url = base_url
        self.rehydrate_seconds = rehydrate_seconds
        self.delete_grace = delete_grace
        self._doomed: deque[tuple[float, list[str]]] = deque()
        self._sequence = itertools.count(int(time.time() * 1000) << 16)

    async def tx_write(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self.db.write(lambda conn: fn(BlobTx(conn), *args))

    async def tx_read(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self.db.read(lambda conn: fn(BlobTx(conn), *args))

    # -- the commit protocol -----------------------------------------------------------------------
    async def commit_with_files(self, new_files: list[str], fn: Callable[..., Any], *args: Any) -> Any:
        """Run the transaction `fn(tx, *args) -> (result, dead_file_ids)` after `new_files` are durable;
        on failure the new files are deleted, on success they are settled and the dead ones removed."""
        try:
            result, dead = await self.tx_write(fn, *args)
        except BaseException:
            if new_files:
                await asyncio.to_thread(self.files.abandon, new_files)
            raise
        if new_files:
            if all(is_pack(f) for f in new_files):
                self.files.settle(new_files)  # bookkeeping only, no disk work: no thread needed
            else:
                await asyncio.to_thread(self.files.settle, new_files)
        if dead:
            await self.collect(dead)
        return result

    async def collect(self, dead: list[str]) -> None:
        """Files no row points at any more go after a grace period, so that a read which found them just
        before an overwrite or delete can still open them (the garbage table covers a crash meanwhile)."""
        if self.delete_grace <= 0:
            await self._delete_now(dead)
        else:
            self._doomed.append((self.clock.now() + self.delete_grace, dead))

    async def _delete_now(self, dead: list[str]) -> None:
        await asyncio.to_thread(self.files.delete, dead)
        await self.tx_write(lambda tx: tx.forget_garbage(dead))

    async def reap(self, everything: bool = False) -> None:
        """Delete the collected files whose grace period is over (all of them when stopping)."""
        now = self.clock.now()
        due: list[str] = []
        while self._doomed and (everything or self._doomed[0][0] <= now):
            due += self._doomed.popleft()[1]
        if due:
            await self._delete_now(due)

    async def recover(self) -> None:
        garbage = await self.tx_read(lambda tx: tx.garbage())
        if garbage:
            await self._delete_now(garbage)
        referenced = await self.tx_read(lambda tx: _referenced_set(tx, self.files))
        kept, dropped = await asyncio.to_thread(self.files.recover, referenced.__contains__)
        if kept or dropped:
            log.info("blob recovery: %d committed uploads settled, %d partial uploads removed", kept, dropped)

    # -- lookups inside transactions ---------------------------------------------------------------
    @staticmethod
    def container_or_404(tx: BlobTx, account: str, name: str) -> Container:
        return _found(tx.get_container(account, name), "ContainerNotFound")

    @staticmethod
    def container_id_or_404(tx: BlobTx, account: str, name: str) -> int:
        """The container's id, for the operations that need nothing else of it (no JSON to decode)."""
        return _found(tx.container_id(account, name), "ContainerNotFound")

    @staticmethod
    def container_and_blob_or_404(tx: BlobTx, account: str, container: str,
                                  name: str) -> tuple[int, Blob | None, bool]:
        """The container's id, its current blob of that name or None, and whether the name has staged blocks:
        what a write that replaces it needs."""
        return _found(tx.container_and_blob(account, container, name), "ContainerNotFound")

    @classmethod
    def find_blob_or_404(cls, tx: BlobTx, account: str, container: str, name: str, snapshot: str = "") -> Blob:
        """The blob, looked up with its container in one query; a miss says which of the two is missing."""
        blob = tx.find_blob(account, container, name, snapshot)
        if blob is None:
            cls.blob_missing(tx, account, container)
        return blob

    @classmethod
    def find_blob_body_or_404(cls, tx: BlobTx, account: str, container: str, name: str,
                              snapshot: str = "") -> tuple[Blob, bytes | None]:
        """find_blob_or_404, with the body when the blob keeps it in the database (see BlobTx.find_blob_body)."""
        found = tx.find_blob_body(account, container, name, snapshot)
        if found is None:
            cls.blob_missing(tx, account, container)
        return found

    @classmethod
    def blob_missing(cls, tx: BlobTx, account: str, container: str) -> None:
        """Raise the 404 for a blob not found: ContainerNotFound if that is what is missing."""
        cls.container_id_or_404(tx, account, container)
        raise StorageError(404, "BlobNotFound")

    @staticmethod
    def blob_or_404(tx: BlobTx, container_id: int, name: str, snapshot: str = "") -> Blob:
        return _found(tx.get_blob(container_id, name, snapshot), "BlobNotFound")

    # -- events ------------------------------------------------------------------------------------
    async def emit(self, kind: str, api: str, account: str, container: str, blob: Blob | None, name: str,
                   ctx: dict[str, str] | None) -> None:
        if not self.events.subscribers:
            return
        ctx = ctx or {}
        event = blob_event(kind, api, account, container, name, base_url=self.base_url,
                           etag=blob.etag if blob else "", size=blob.size if blob else 0,
                           content_type=(blob.props.get("content_type", "") if blob else ""),
                           blob_type=blob.blob_type if blob else "BlockBlob", sequencer=next(self._sequence),
                           request_id=ctx.get("request_id", ""), client_request_id=ctx.get("client_request_id", ""))
        await self.events.publish(event)

    def snapshot_stamp(self) -> str:
        return iso(self.clock.now())


def _found(value: Any, code: str) -> Any:
    if value is None:
        raise StorageError(404, code)
    return value


def _referenced_set(tx: BlobTx, files: BlobFiles) -> set[str]:
    names = [p.name for p in files.incoming.iterdir()] + [p.name for p in files.pack_dir.iterdir()]
    return {n for n in names if tx.referenced(n)}
