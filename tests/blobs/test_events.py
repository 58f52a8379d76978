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
