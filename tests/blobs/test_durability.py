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


def _files(directory) -> list:
    return [p for p in directory.rglob("*") if p.is_file()]


def _eventually_empty(directory, seconds: float = 10.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not _files(directory):
            return True
        time.sleep(0.1)
    return False


def test_deleted_blob_files_are_removed(fresh_server):
    # freed files outlive their rows by a grace period (reads in flight may still open them), then go
    fresh_server.env = {"CLOUDLET_BLOB_DELETE_GRACE_SECONDS": "1"}
    server = fresh_server.start()
    c = service_client(server.blob_url).create_container("gc-test")
    big = 300_000  # above the pack threshold: one file per blob
    c.upload_blob("a", os.urandom(big))
    objects = server.data_dir / "blobs" / "objects"
    assert len(_files(objects)) == 1
    c.upload_blob("a", os.urandom(big), overwrite=True)
    assert len(_files(objects)) == 2  # the old content is still there for a moment...
    snap = c.get_blob_client("a").create_snapshot()
    c.get_blob_client("a").delete_blob(delete_snapshots="include")
    assert snap and _eventually_empty(objects)  # ...and then gone
    # small blobs share a pack file; once nothing points into it, it is gone after a restart at the latest
    for i in range(20):
        c.upload_blob(f"s{i}", os.urandom(100_000))  # above the inline size, below the pack threshold
    packs = server.data_dir / "blobs" / "packs"
    assert len(list(packs.iterdir())) == 1
    for i in range(20):
        c.delete_blob(f"s{i}")
    time.sleep(1.5)
    server.kill()
    server.start()
    assert list(packs.iterdir()) == []


def test_reads_during_overwrites_see_whole_versions(container):
    """Readers racing writers get one complete version or the other, never a torn or failed read."""
    import threading

    versions = [bytes([i]) * 600_000 for i in range(6)]  # above the pack threshold: a file per version
    blob = container.get_blob_client("raced")
    blob.upload_blob(versions[0])
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(1, 40):
                blob.upload_blob(versions[i % len(versions)], overwrite=True)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    reads = 0
    while writer.is_alive() or reads < 5:
        data = blob.download_blob().readall()
        assert data in versions
        reads += 1
    writer.join()
    assert not errors and reads >= 5
