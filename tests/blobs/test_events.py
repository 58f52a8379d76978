"""The blob events hook (a Cloudlet extension): subscribers get Event Grid-shaped BlobCreated / BlobDeleted
events after the commit. Driven in-process, since the SNS bridge that will subscribe is not wired yet."""

from __future__ import annotations

import asyncio

from cloudlet.blobs.conditions import Conditions
from cloudlet.blobs.service import BlobService
from cloudlet.blobs.writes import WriteOptions
from cloudlet.config import Settings
from cloudlet.runtime import Cloudlet


async def _body(data: bytes):
    yield data


def test_created_and_deleted_events():
    async def run() -> list[dict]:
        cloudlet = Cloudlet(Settings(in_memory=True))
        service = cloudlet.add(BlobService(cloudlet))
        await cloudlet.start()
        events: list[dict] = []

        async def subscriber(event: dict) -> None:
            events.append(event)

        async def broken(event: dict) -> None:
            raise RuntimeError("a failing subscriber must not fail the upload")

        engine = service.engine
        engine.events.subscribe(broken)
        engine.events.subscribe(subscriber)
        try:
            await engine.create_container("devstoreaccount1", "media", {}, None)
            await engine.put_blob("devstoreaccount1", "media", "clip.mp4", _body(b"frames"),
                                  WriteOptions(props={"content_type": "video/mp4"}, ctx={"request_id": "r-1"}))
            await engine.delete_blob("devstoreaccount1", "media", "clip.mp4", "", None, Conditions(), None)
        finally:
            await cloudlet.stop()
        return events

    events = asyncio.run(run())
    assert [e["eventType"] for e in events] == ["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted"]
    created = events[0]
    assert created["subject"] == "/blobServices/default/containers/media/blobs/clip.mp4"
    assert created["topic"].endswith("/providers/Microsoft.Storage/storageAccounts/devstoreaccount1")
    data = created["data"]
    assert data["api"] == "PutBlob" and data["contentType"] == "video/mp4" and data["contentLength"] == 6
    assert data["blobType"] == "BlockBlob" and data["url"].endswith("/devstoreaccount1/media/clip.mp4")
    assert data["requestId"] == "r-1" and data["eTag"].startswith('"0x')
    assert events[1]["data"]["api"] == "DeleteBlob"
    assert int(events[1]["data"]["sequencer"], 16) > int(data["sequencer"], 16)
    assert {"id", "eventTime", "dataVersion", "metadataVersion"} <= set(created)


def test_uncommitted_blocks_expire():
    """Azure discards uncommitted blocks after a week; the engine's sweep does too (and frees their files)."""
    import base64

    async def run() -> tuple[int, list, list]:
        cloudlet = Cloudlet(Settings(in_memory=True))
        service = cloudlet.add(BlobService(cloudlet))
        await cloudlet.start()
        engine = service.engine
        try:
            await engine.create_container("devstoreaccount1", "blocks", {}, None)
            block = base64.b64encode(b"b1").decode()
            await engine.put_block("devstoreaccount1", "blocks", "never-committed", block, _body(b"x" * 300_000),
                                   WriteOptions())
            kept = await engine.expire_staged_blocks()
            before = sorted(p.name for p in engine.files.objects.rglob("*") if p.is_file())
            freed = await engine.expire_staged_blocks(max_age=-1)
            after = sorted(p.name for p in engine.files.objects.rglob("*") if p.is_file())
        finally:
            await cloudlet.stop()
        return kept + freed * 10, before, after

    code, before, after = asyncio.run(run())
    assert code == 10 and len(before) == 1 and after == []


def test_pack_compaction_reclaims_dead_space():
    """Small blobs share pack files; when most of a pack is dead, its live blobs move and the pack goes."""
    async def run() -> tuple[int, list, list, dict]:
        cloudlet = Cloudlet(Settings(in_memory=True))
        service = cloudlet.add(BlobService(cloudlet))
        await cloudlet.start()
        engine = service.engine
        try:
            await engine.create_container("devstoreaccount1", "packs", {}, None)
            for i in range(10):
                await engine.put_blob("devstoreaccount1", "packs", f"b{i}", _body(bytes([i]) * 1000),
                                      WriteOptions(length=1000))
            await engine.snapshot("devstoreaccount1", "packs", "b9", None, Conditions(), None)
            old_pack = engine.files.packs.current
            engine.files.packs.close()  # the next write opens a new pack, so the old one may be rewritten
            for i in range(8):
                await engine.delete_blob("devstoreaccount1", "packs", f"b{i}", "", None, Conditions(), None)
            rewritten = await engine.compact_packs()
            packs = sorted(p.name for p in engine.files.pack_dir.iterdir())
            contents = {}
            for name in ("b8", "b9"):
                blob, start, end = await engine.open_blob("devstoreaccount1", "packs", name, "", None, Conditions(),
                                                          None, None)
                contents[name] = blob.data
        finally:
            await cloudlet.stop()
        return rewritten, packs, [old_pack], contents

    rewritten, packs, old, contents = asyncio.run(run())
    assert rewritten == 1 and old[0] not in packs and len(packs) == 1
    assert contents == {"b8": bytes([8]) * 1000, "b9": bytes([9]) * 1000}
