"""Acknowledged means durable: committed blobs survive SIGKILL; an upload cut by SIGKILL leaves the old blob
intact, no partial blob visible, and its partial file is removed at the next start."""

from __future__ import annotations

import base64
import http.client
import os
import time
from datetime import datetime, timedelta, timezone

from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

from .conftest import ACCOUNT, KEY, service_client


def _sas() -> str:
    return generate_account_sas(ACCOUNT, KEY, ResourceTypes(container=True, object=True),
                                AccountSasPermissions(read=True, write=True, create=True, list=True),
                                datetime.now(timezone.utc) + timedelta(hours=1))


def _start_upload(server, container: str, name: str, total: int, sent: bytes) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection("127.0.0.1", server.blob_port, timeout=10)
    conn.putrequest("PUT", f"/{ACCOUNT}/{container}/{name}?{_sas()}")
    conn.putheader("x-ms-blob-type", "BlockBlob")
    conn.putheader("Content-Length", str(total))
    conn.endheaders()
    conn.send(sent)
    return conn


def test_sigkill_mid_upload(fresh_server):
    server = fresh_server.start()
    client = service_client(server.blob_url)
    c = client.create_container("durable")
    old = os.urandom(300_000)
    c.upload_blob("keep.bin", old)
    block_id = base64.b64encode(b"block-0").decode()
    c.get_blob_client("staged.bin").stage_block(block_id, b"staged bytes")
    many = {f"small/{i}": os.urandom(100) for i in range(50)}
    for name, data in many.items():
        c.upload_blob(name, data)
    partial = os.urandom(3 * 1024 * 1024)
    conns = [_start_upload(server, "durable", "keep.bin", 8 * 1024 * 1024, partial),
             _start_upload(server, "durable", "new.bin", 8 * 1024 * 1024, partial)]
    incoming = server.data_dir / "blobs" / "incoming"
    deadline = time.time() + 5
    while time.time() < deadline and len(list(incoming.iterdir())) < 2:
        time.sleep(0.05)
    assert len(list(incoming.iterdir())) == 2  # both uploads were being written when the server died
    server.kill()
    for conn in conns:
        conn.close()
    server.start()
    client = service_client(server.blob_url)
    c = client.get_container_client("durable")
    assert c.get_blob_client("keep.bin").download_blob().readall() == old
    assert not c.get_blob_client("new.bin").exists()
    assert list(incoming.iterdir()) == []  # the partial files were collected at start-up
    for name, data in many.items():
        assert c.get_blob_client(name).download_blob().readall() == data
    staged = c.get_blob_client("staged.bin")
    staged.commit_block_list([block_id])
    assert staged.download_blob().readall() == b"staged bytes"


def test_deleted_blob_files_are_removed(fresh_server):
    server = fresh_server.start()
    c = service_client(server.blob_url).create_container("gc-test")
    big = 300_000  # above the pack threshold: one file per blob
    c.upload_blob("a", os.urandom(big))
    objects = server.data_dir / "blobs" / "objects"
    assert len([p for p in objects.rglob("*") if p.is_file()]) == 1
    c.upload_blob("a", os.urandom(big), overwrite=True)
    assert len([p for p in objects.rglob("*") if p.is_file()]) == 1
    snap = c.get_blob_client("a").create_snapshot()
    c.get_blob_client("a").delete_blob(delete_snapshots="include")
    assert snap and [p for p in objects.rglob("*") if p.is_file()] == []
    # small blobs share a pack file; once nothing points into it, it is gone after a restart at the latest
    for i in range(20):
        c.upload_blob(f"s{i}", os.urandom(1000))
    packs = server.data_dir / "blobs" / "packs"
    assert len(list(packs.iterdir())) == 1
    for i in range(20):
        c.delete_blob(f"s{i}")
    server.kill()
    server.start()
    assert list(packs.iterdir()) == []
