"""Delimiter listing (virtual directories) is a skip-scan over the name index. Whatever the page size, the
prefix, and the characters that sort around the delimiter, it must give exactly what a plain filter of the
full listing gives; and its cost must follow the page, not the number of blobs under the directories."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import pytest

from cloudlet.blobs.sqlite_repo import ABOVE_ALL_NAMES, successor
from cloudlet.blobs.writes import WriteOptions

from .test_housekeeping import ACCOUNT, with_engine

NAMES = [
    "a", "a-b", "a/b", "a/b/c", "a/c/d", "a0", "a/", "a//x", "a.b", "ab", "a b/c", "a%2Fb", "a\\b", "b", "b/",
    "é", "é/x", "e/x", "ü/ß", "日本/語", "日本語", "😀/x", "😀", "z\U0010ffff/x", "z\U0010ffff", "z\U0010ffff\U0010ffff/y",
    "\U0010ffff", "\U0010ffff/", "--a--b", "x--y--z", "x-", "x--", "x.-/q",
] + [f"dir{d:02d}/{f:02d}" for d in range(30) for f in range(4)] + [f"dir{d:02d}/sub/{f}" for d in range(0, 30, 7)
                                                                     for f in range(3)] + [f"loose{i:02d}" for i in range(12)]
PREFIXES = ["", "a", "a/", "a/b", "dir0", "dir07/", "x", "z", "\U0010ffff", "é", "日本", "nothing"]


def _expected(names: list[str], prefix: str, delimiter: str) -> list[str]:
    out: list[str] = []
    for name in sorted(names):
        if not name.startswith(prefix):
            continue
        cut = name.find(delimiter, len(prefix)) if delimiter else -1
        entry = name[: cut + len(delimiter)] if cut >= 0 else name
        if not out or out[-1] != entry:
            out.append(entry)
    return out


async def _walk(engine: Any, container: str, prefix: str, delimiter: str, page: int) -> tuple[list[str], int]:
    got: list[str] = []
    marker, pages = "", 0
    while True:
        listing = await engine.list_blobs(ACCOUNT, container, prefix, delimiter, marker, page, set())
        assert len(listing.items) + len(listing.prefixes) <= page
        got += sorted([b.name for b in listing.items] + listing.prefixes)
        pages += 1
        marker = listing.next_marker
        if not marker:
            return got, pages


def test_delimiter_listing_matches_a_filter_of_the_full_listing():
    async def scenario(engine: Any) -> None:
        await engine.create_container(ACCOUNT, "names", {}, None)
        for name in NAMES:
            await engine.put_blob(ACCOUNT, "names", name, _body(b"x"), WriteOptions(length=1))
        full, _ = await _walk(engine, "names", "", "", 5000)
        assert full == sorted(NAMES)
        for delimiter in ("/", "--", "-", "\U0010ffff"):
            for prefix in PREFIXES:
                expected = _expected(NAMES, prefix, delimiter)
                for page in (1, 2, 3, 7, 5000):
                    got, pages = await _walk(engine, "names", prefix, delimiter, page)
                    assert got == expected, (delimiter, prefix, page)
                    assert pages == max(1, -(-len(expected) // page)), (delimiter, prefix, page)

    with_engine(scenario)


def test_successor_bounds_every_name_with_the_prefix():
    assert successor("a/") == "a0" and successor("") == ABOVE_ALL_NAMES
    assert successor("a\U0010ffff") == "b" and successor("\U0010ffff\U0010ffff") == ABOVE_ALL_NAMES
    assert successor("\ud7ff") == "\ue000"  # no surrogate can be in a name (or be stored as UTF-8)
    for prefix in ("a/", "a\U0010ffff", "é", "\ud7ff"):
        for name in (prefix, prefix + "\U0010ffff" * 1000, prefix + "\x00"):
            assert name < successor(prefix)
            assert name.encode() < successor(prefix).encode()  # SQLite's order: bytes of UTF-8
    assert "\U0010ffff" * 1024 < ABOVE_ALL_NAMES


def test_root_of_a_big_container_costs_a_seek_per_directory():
    """40 directories holding 20,000 blobs: the root's first page reads about one row per directory."""
    async def scenario(engine: Any) -> tuple[list[str], int, float]:
        await engine.create_container(ACCOUNT, "big", {}, None)
        rows = [(f"dir-{i % 40:02d}/blob-{i:06d}", ) for i in range(20_000)]

        def fill(tx: Any) -> None:
            cid = tx.container_id(ACCOUNT, "big")
            tx.conn.executemany("INSERT INTO blobs (container_id, name, blob_type, size, etag, created, "
                                "last_modified) VALUES (?, ?, 'BlockBlob', 0, '\"0x1\"', 0, 0)",
                                [(cid, name) for (name,) in rows])

        await engine.tx_write(fill)
        steps = [0]

        def count(tx: Any) -> None:
            tx.conn.set_progress_handler(lambda: steps.__setitem__(0, steps[0] + 1) or 0, 1)

        await engine.db.read(lambda conn: None)  # open the reader connections first
        started = time.perf_counter()
        listing = await _counted(engine, count)
        took = time.perf_counter() - started
        return listing.prefixes, steps[0], took

    prefixes, steps, took = with_engine(scenario)
    assert prefixes == [f"dir-{d:02d}/" for d in range(40)]
    assert steps < 40 * 200, steps  # SQLite VM steps: bounded by the directories, not by 20,000 blobs
    assert took < 1.0


async def _counted(engine: Any, install: Any) -> Any:
    from cloudlet.blobs.listing import Listing

    original = engine.tx_read

    async def tx_read(fn: Any, *args: Any) -> Any:
        def run(tx: Any, *a: Any) -> Any:
            install(tx)
            try:
                return fn(tx, *a)
            finally:
                tx.conn.set_progress_handler(None, 1)

        return await original(run, *args)

    engine.tx_read = tx_read
    try:
        return await Listing.list_blobs(engine, ACCOUNT, "big", "", "/", "", 5000, set())
    finally:
        engine.tx_read = original


async def _body(data: bytes):
    yield data


@pytest.mark.parametrize("per_page", [1, 4])
def test_sdk_walks_virtual_directories_across_pages(container, per_page):
    names = ["a-b", "a/b", "a/c/d", "a0", "b/x", "b/y", "c", "é/1", "日本/語"]
    for name in names:
        container.upload_blob(name, b"x")
    # (within a page the SDK puts the prefixes before the blobs; across pages the order is the server's)
    top = [item.name for item in container.walk_blobs(delimiter="/", results_per_page=per_page)]
    assert sorted(top) == _expected(names, "", "/") and (per_page > 1 or top == sorted(top))
    inner = [item.name for item in container.walk_blobs(name_starts_with="a/", delimiter="/",
                                                        results_per_page=per_page)]
    assert sorted(inner) == _expected(names, "a/", "/")
