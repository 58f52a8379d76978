"""The blob engine: the semantics of containers and blobs, knowing nothing of HTTP."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..runtime import cancel_and_wait
from ..store.database import Database
from .changes import BlobChanges
from .containers import ContainerOps
from .files import BlobFiles
from .listing import Listing
from .reads import BlobReads
from .writes import BlobWrites

log = logging.getLogger("cloudlet.blobs")
STAGED_BLOCK_LIFETIME = 7 * 24 * 3600  # Azure discards uncommitted blocks after a week


class BlobEngine(ContainerOps, BlobWrites, BlobReads, BlobChanges, Listing):
    def __init__(self, db: Database, files: BlobFiles, base_url: str, rehydrate_seconds: float = 0.0,
                 delete_grace: float = 0.0) -> None:
        super().__init__(db, files, base_url, rehydrate_seconds, delete_grace)
        self._service_cache = {}
        self._sweeper: asyncio.Task | None = None
        self._reaper: asyncio.Task | None = None

    async def start(self) -> None:
        await self.recover()
        await self.expire_staged_blocks()
        await self.compact_packs()
        self._sweeper = asyncio.create_task(self._sweep(), name="blob-sweeper")
        self._reaper = asyncio.create_task(self._reap_loop(), name="blob-file-reaper")

    async def stop(self) -> None:
        await cancel_and_wait(self._sweeper, self._reaper)  # both loops log their failures and go on
        self._sweeper = self._reaper = None
        await self.reap(everything=True)

    async def _reap_loop(self) -> None:
        while True:
            await asyncio.sleep(1)
            try:
                await self.reap()
            except Exception:  # retried in a second; the garbage table keeps the list across crashes
                log.exception("deleting collected blob files failed")

    async def expire_staged_blocks(self, max_age: float = STAGED_BLOCK_LIFETIME) -> int:
        """Drop uncommitted blocks older than max_age; returns how many files that freed."""
        cutoff = self.clock.now() - max_age

        def run(tx: Any) -> tuple[int, list[str]]:
            dead = tx.release(tx.drop_staged_before(cutoff))
            return len(dead), dead

        return await self.commit_with_files([], run)

    async def compact_packs(self, max_dead: float = 0.5) -> int:
        """Rewrite packs of which more than `max_dead` is dead space (overwritten or deleted small blobs):
        their live extents are copied to the open pack, the rows re-pointed in one transaction, and the old
        pack deleted once nothing points into it. Returns how many packs were rewritten."""
        rewritten = 0
        for pack_id, live in await self.tx_read(lambda tx: tx.pack_usage()):
            if self.files.packs.busy(pack_id):
                continue
            size = await asyncio.to_thread(self.files.pack_size, pack_id)
            if not size or live > size * (1 - max_dead):
                continue
            extents = await self.tx_read(lambda tx: tx.pack_extents(pack_id))
            moves = await asyncio.to_thread(self.files.repack, pack_id, extents)

            def run(tx: Any) -> tuple[None, list[str]]:
                tx.move_extents(pack_id, moves)
                return None, tx.release([pack_id])

            await self.commit_with_files([m[2] for m in moves], run)
            rewritten += 1
        return rewritten

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(3600)
            try:
                await self.expire_staged_blocks()
                await self.compact_packs()
            except Exception:  # a failed sweep is retried in an hour; it must not end the task
                log.exception("blob sweep failed")

    async def reset(self) -> None:
        self._doomed.clear()
        await self.tx_write(lambda tx: tx.reset())
        self._service_cache.clear()
        await asyncio.to_thread(self.files.wipe)
