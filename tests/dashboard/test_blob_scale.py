"""The container page at scale, in-process (no browser needed): the root of a container whose blobs sit under a
few dozen virtual directories loads in time bounded by the page, not by the blob count."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from cloudlet.blobs.service import BlobService
from cloudlet.config import Settings
from cloudlet.dashboard import Dashboard
from cloudlet.runtime import Cloudlet

ACCOUNT = "devstoreaccount1"
BLOBS, DIRECTORIES = 50_000, 40


async def _get(dashboard: Dashboard, path: str, query: bytes = b"") -> tuple[int, str, float]:
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": query,
             "headers": [(b"host", b"127.0.0.1:4566")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 4566),
             "scheme": "http"}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    started = time.perf_counter()
    response = await dashboard.handle(scope, receive)
    return response.status, response.body.decode(), time.perf_counter() - started


def test_root_of_a_container_with_50000_blobs_in_40_directories():
    async def scenario() -> tuple[list, list, float, float]:
        settings = Settings(in_memory=True)
        cloudlet = Cloudlet(settings)
        service = cloudlet.add(BlobService(cloudlet))
        dashboard = Dashboard(cloudlet, settings)
        await cloudlet.start()
        try:
            engine = service.engine
            await engine.create_container(ACCOUNT, "big", {}, None)

            def fill(tx: Any) -> None:  # rows only: the page reads names and properties, never bytes
                cid = tx.container_id(ACCOUNT, "big")
                tx.conn.executemany(
                    "INSERT INTO blobs (container_id, name, blob_type, size, etag, created, last_modified) "
                    "VALUES (?, ?, 'BlockBlob', 4096, '\"0x1\"', 0, 0)",
                    [(cid, f"dir-{i % DIRECTORIES:02d}/blob-{i:07d}.bin") for i in range(BLOBS)])

            await engine.tx_write(fill)
            path = f"/_cloudlet/dashboard/blobs/{ACCOUNT}/big"
            await _get(dashboard, path)  # warm
            status, root, root_took = await _get(dashboard, path)
            assert status == 200
            status, inner, inner_took = await _get(dashboard, path, b"prefix=dir-17%2F")
            assert status == 200
            return (re.findall(r'data-prefix="([^"]+)"', root), re.findall(r'data-blob="([^"]+)"', inner),
                    root_took, inner_took)
        finally:
            await cloudlet.stop()

    dirs, blobs, root_took, inner_took = asyncio.run(scenario())
    assert dirs == [f"dir-{d:02d}/" for d in range(DIRECTORIES)]
    assert len(blobs) == 100 and all(b.startswith("dir-17/") for b in blobs)  # the first page of one directory
    assert root_took < 0.5 and inner_took < 0.5, (root_took, inner_took)
