"""Housekeeping in the engine, driven in-process: uncommitted blocks expire, dead pack space is reclaimed."""

from __future__ import annotations

import asyncio
import base64
from typing import Any, Awaitable, Callable

from cloudlet.blobs.conditions import Conditions
from cloudlet.blobs.service import BlobService
from cloudlet.blobs.writes import WriteOptions
from cloudlet.config import Settings
from cloudlet.runtime import Cloudlet

ACCOUNT = "devstoreaccount1"
SIZE = 100_000


async def _body(data: bytes):
    yield data


def with_engine(fn: Callable[[Any], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        cloudlet = Cloudlet(Settings(in_memory=True))
        service = cloudlet.add(BlobService(cloudlet))
        await cloudlet.start()
        service.engine.delete_grace = 0  # delete freed files at once, to look at the directory right after
        try:
            return await fn(service.engine)
        finally:
            await cloudlet.stop()

    return asyncio.run(run())


def test_uncommitted_blocks_expire():
    """Azure discards uncommitted blocks after a week; the engine's sweep does too (and frees their files)."""
    async def scenario(engine: Any) -> tuple[int, int, list, list]:
        await engine.create_container(ACCOUNT, "blocks", {}, None)
        block = base64.b64encode(b"b1").decode()
        await engine.put_block(ACCOUNT, "blocks", "never-committed", block, _body(b"x" * 300_000), WriteOptions())
        kept = await engine.expire_staged_blocks()
        before = [p.name for p in engine.files.objects.rglob("*") if p.is_file()]
        freed = await engine.expire_staged_blocks(max_age=-1)
        after = [p.name for p in engine.files.objects.rglob("*") if p.is_file()]
        return kept, freed, before, after

    kept, freed, before, after = with_engine(scenario)
    assert kept == 0 and freed == 1 and len(before) == 1 and after == []


def test_pack_compaction_reclaims_dead_space():
    """Small blobs share pack files; when most of a pack is dead, its live blobs move and the pack goes."""
    async def scenario(engine: Any) -> tuple[int, str, list, dict]:
        await engine.create_container(ACCOUNT, "packs", {}, None)
        for i in range(10):  # 100 KB: above the inline size (kept in the database), below the pack threshold
            await engine.put_blob(ACCOUNT, "packs", f"b{i}", _body(bytes([i]) * SIZE), WriteOptions(length=SIZE))
        await engine.snapshot(ACCOUNT, "packs", "b9", None, Conditions(), None)
        old_pack = engine.files.packs.current
        engine.files.packs.close()  # the next write opens a new pack, so the old one may be rewritten
        for i in range(8):
            await engine.delete_blob(ACCOUNT, "packs", f"b{i}", "", None, Conditions(), None)
        rewritten = await engine.compact_packs()
        packs = sorted(p.name for p in engine.files.pack_dir.iterdir())
        contents = {}
        for name in ("b8", "b9"):
            blob, _, _ = await engine.open_blob(ACCOUNT, "packs", name, "", None, Conditions(), None, None)
            contents[name] = blob.data
        return rewritten, old_pack, packs, contents

    rewritten, old_pack, packs, contents = with_engine(scenario)
    assert rewritten == 1 and old_pack not in packs and len(packs) == 1
    assert contents == {"b8": bytes([8]) * SIZE, "b9": bytes([9]) * SIZE}
