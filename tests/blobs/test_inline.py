"""Small Put Blob bodies (up to 64 KiB) live in the database: one commit makes bytes and row durable together.
They must behave exactly like file-backed blobs, survive SIGKILL once acknowledged, and leave nothing behind
when overwritten or deleted."""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.client
import os
import sqlite3
from datetime import datetime, timedelta, timezone

from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

from .conftest import ACCOUNT, KEY, service_client

INLINE = 64 * 1024


def _sas() -> str:
    return generate_account_sas(ACCOUNT, KEY, ResourceTypes(container=True, object=True),
                                AccountSasPermissions(read=True, write=True, create=True, list=True, delete=True),
                                datetime.now(timezone.utc) + timedelta(hours=1))


def _inline_rows(data_dir) -> int:
    conn = sqlite3.connect(f"file:{data_dir / 'cloudlet.db'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT (SELECT count(*) FROM blob_bodies) + (SELECT count(*) FROM blob_inline)").fetchone()[0]
    finally:
        conn.close()


def _put(port: int, path: str, data: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("PUT", f"/{ACCOUNT}/{path}?{_sas()}", body=data, headers={"x-ms-blob-type": "BlockBlob"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_inline_blobs_behave_like_files(container):
    data = os.urandom(INLINE)  # the largest inline body
    blob = container.get_blob_client("edge")
    blob.upload_blob(data)
    props = blob.get_blob_properties()
    assert props.size == INLINE and props.content_settings.content_md5 == hashlib.md5(data).digest()
    assert blob.download_blob().readall() == data
    assert blob.download_blob(offset=1000, length=5000).readall() == data[1000:6000]
    ranged = blob.download_blob(offset=10, length=100, validate_content=True).readall()
    assert ranged == data[10:110]
    empty = container.get_blob_client("empty")
    empty.upload_blob(b"")
    assert empty.download_blob().readall() == b"" and empty.get_blob_properties().size == 0
    # a snapshot and a copy share the body; overwriting and deleting the original keeps theirs readable
    snap = blob.create_snapshot()
    copy = container.get_blob_client("copy")
    copy.start_copy_from_url(blob.url)
    blob.upload_blob(b"new", overwrite=True)
    assert container.get_blob_client("edge", snapshot=snap["snapshot"]).download_blob().readall() == data
    blob.delete_blob(delete_snapshots="include")
    assert copy.download_blob().readall() == data
    assert not blob.exists()
    assert container.get_blob_client("edge").exists() is False
    # one byte more than the inline size goes to a file, and reads back the same way
    bigger = os.urandom(INLINE + 1)
    container.upload_blob("bigger", bigger)
    assert container.get_blob_client("bigger").download_blob().readall() == bigger
    assert container.get_blob_client("bigger").get_block_list()[0] == []


def test_inline_blobs_survive_sigkill_and_leave_no_garbage(fresh_server):
    server = fresh_server.start()
    c = service_client(server.blob_url).create_container("inline")
    old = os.urandom(5000)
    c.upload_blob("keep", old)
    bodies = {f"many/{i:03d}": os.urandom(100 + 37 * i) for i in range(200)}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:  # concurrent puts share group commits
        statuses = list(pool.map(lambda item: _put(server.blob_port, f"inline/{item[0]}", item[1]),
                                 bodies.items()))
    assert statuses == [201] * len(bodies)
    # an overwrite of "keep" cut short by the kill: the old bytes stay
    conn = http.client.HTTPConnection("127.0.0.1", server.blob_port, timeout=10)
    conn.putrequest("PUT", f"/{ACCOUNT}/inline/keep?{_sas()}")
    conn.putheader("x-ms-blob-type", "BlockBlob")
    conn.putheader("Content-Length", "6000")
    conn.endheaders()
    conn.send(b"x" * 3000)
    server.kill()
    conn.close()
    server.start()
    c = service_client(server.blob_url).get_container_client("inline")
    assert c.get_blob_client("keep").download_blob().readall() == old
    for name, data in bodies.items():
        assert c.get_blob_client(name).download_blob().readall() == data
    assert _inline_rows(server.data_dir) == 1 + len(bodies)
    # overwrites and deletes free their rows in the same transaction: nothing is left to collect
    for i, name in enumerate(bodies):
        if i % 2:
            c.delete_blob(name)
        else:
            c.upload_blob(name, b"v2", overwrite=True)
    assert _inline_rows(server.data_dir) == 1 + len(bodies) // 2
    c.delete_container()
    assert _inline_rows(server.data_dir) == 0
    assert [p for p in (server.data_dir / "blobs").rglob("*") if p.is_file()] == []


def _to_old_layout(db_path) -> None:
    """Rewrite blob_bodies rows as the earlier layout had them: a blob_inline row and one extent "i<id>" pointing
    at it; a snapshot points at its base blob's row, as that layout's snapshots and copies shared it."""
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            rows = conn.execute("SELECT b.id, b.container_id, b.name, b.snapshot, d.data FROM blob_bodies d "
                                "JOIN blobs b ON b.id = d.blob_id ORDER BY b.snapshot").fetchall()
            inline_of: dict[tuple[int, str], int] = {}
            for blob_id, cid, name, snapshot, data in rows:
                key = (cid, name)
                if snapshot and key in inline_of:
                    inline_id = inline_of[key]
                else:
                    inline_id = conn.execute("INSERT INTO blob_inline (data) VALUES (?)", (data,)).lastrowid
                    inline_of.setdefault(key, inline_id)
                conn.execute("INSERT INTO blob_extents (blob_id, seq, start, length, file_id, file_offset, block_id) "
                             "VALUES (?, 0, 0, ?, ?, 0, NULL)", (blob_id, len(data), f"i{inline_id}"))
            conn.execute("DELETE FROM blob_bodies")
    finally:
        conn.close()


def _count(db_path, table: str) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_data_written_by_the_extent_layout_still_works(fresh_server):
    """Small bodies used to be blob_inline rows that extents pointed at (shared by snapshots and copies); a data
    directory written that way reads, copies, snapshots, overwrites and deletes as before, and frees those rows."""
    server = fresh_server.start()
    c = service_client(server.blob_url).create_container("legacy")
    first, second = os.urandom(4096), os.urandom(INLINE)
    base = c.get_blob_client("base")
    base.upload_blob(first)
    snap = base.create_snapshot()["snapshot"]
    c.upload_blob("other", second)
    server.stop()
    db = server.data_dir / "cloudlet.db"
    _to_old_layout(db)
    assert _count(db, "blob_bodies") == 0 and _count(db, "blob_inline") == 2 and _count(db, "blob_extents") == 3
    server.start()
    c = service_client(server.blob_url).get_container_client("legacy")
    base = c.get_blob_client("base")
    assert base.download_blob().readall() == first
    assert base.download_blob(offset=100, length=50).readall() == first[100:150]
    assert base.download_blob(offset=1, length=2000, validate_content=True).readall() == first[1:2001]
    assert c.get_blob_client("base", snapshot=snap).download_blob().readall() == first
    assert c.get_blob_client("other").download_blob().readall() == second
    assert base.get_blob_properties().content_settings.content_md5 == hashlib.md5(first).digest()
    # copies and snapshots of an old-layout blob share its row, as they did
    c.get_blob_client("copy").start_copy_from_url(base.url)
    snap2 = base.create_snapshot()["snapshot"]
    other = c.get_blob_client("other")
    other.start_copy_from_url(other.url)  # onto itself
    assert other.download_blob().readall() == second
    base.upload_blob(b"now new", overwrite=True)
    assert base.download_blob().readall() == b"now new"
    for reader in (c.get_blob_client("copy"), c.get_blob_client("base", snapshot=snap),
                   c.get_blob_client("base", snapshot=snap2)):
        assert reader.download_blob().readall() == first
    assert _count(db, "blob_inline") == 2  # still shared by the copy and both snapshots; "other"'s own
    base.delete_blob(delete_snapshots="include")
    assert c.get_blob_client("copy").download_blob().readall() == first
    c.delete_blob("copy")
    assert _count(db, "blob_inline") == 1
    other.upload_blob(b"x", overwrite=True)
    assert _count(db, "blob_inline") == 0 and _count(db, "blob_bodies") == 1
    c.delete_container()
    for table in ("blob_inline", "blob_bodies", "blob_extents", "blob_garbage"):
        assert _count(db, table) == 0, table
