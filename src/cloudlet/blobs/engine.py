"""The blob engine: the semantics of containers and blobs, knowing nothing of HTTP."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

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
    def __init__(self, db: Database, files: BlobFiles, base_url: str, rehydrate_seconds: float = 0.0) -> None:
        super().__init__(db, files, base_url, rehydrate_seconds)
        self._service_cache = {}
        self._sweeper: asyncio.Task | None = None

    async def start(self) -> None:
        await self.recover()
        await self.expire_staged_blocks()
        self._sweeper = asyncio.create_task(self._sweep(), name="blob-staged-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            try:
                await self._sweeper
            except asyncio.CancelledError:
                pass
            self._sweeper = None

    async def expire_staged_blocks(self, max_age: float = STAGED_BLOCK_LIFETIME) -> int:
        """Drop uncommitted blocks older than max_age; returns how many files that freed."""
        cutoff = self.clock.now() - max_age

        def run(tx: Any) -> tuple[int, list[str]]:
            dead = tx.release(tx.drop_staged_before(cutoff))
            return len(dead), dead

        return await self.commit_with_files([], run)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(3600)
            try:
                await self.expire_staged_blocks()
            except Exception:  # a failed sweep is retried in an hour; it must not end the task
                log.exception("expiring staged blocks failed")

    async def reset(self) -> None:
        await self.tx_write(lambda tx: tx.reset())
        self._service_cache.clear()
        await asyncio.to_thread(self.files.wipe)
