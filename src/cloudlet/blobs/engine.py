"""The blob engine: the semantics of containers and blobs, knowing nothing of HTTP."""

from __future__ import annotations

import asyncio

from ..store.database import Database
from .changes import BlobChanges
from .containers import ContainerOps
from .files import BlobFiles
from .listing import Listing
from .reads import BlobReads
from .writes import BlobWrites


class BlobEngine(ContainerOps, BlobWrites, BlobReads, BlobChanges, Listing):
    def __init__(self, db: Database, files: BlobFiles, base_url: str, rehydrate_seconds: float = 0.0) -> None:
        super().__init__(db, files, base_url, rehydrate_seconds)
        self._service_cache = {}

    async def start(self) -> None:
        await self.recover()

    async def reset(self) -> None:
        await self.tx_write(lambda tx: tx.reset())
        self._service_cache.clear()
        await asyncio.to_thread(self.files.wipe)
