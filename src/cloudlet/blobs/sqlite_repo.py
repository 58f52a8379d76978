"""The blob store's SQLite side: named queries from queries.sql, run on one connection inside one transaction.

The engine writes its transaction scripts against `BlobTx`; nothing else in the engine knows SQL."""

from __future__ import annotations

import json
import operator
import re
import sqlite3
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from .models import ROW_FIELDS, Blob, Container, Extent

SCHEMA = resources.files(__package__).joinpath("schema.sql").read_text()


def _load_queries() -> dict[str, str]:
    text = resources.files(__package__).joinpath("queries.sql").read_text()
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.M)
    return {name: sql.strip() for name, sql in zip(parts[1::2], parts[2::2])}


Q = _load_queries()
_BLOB_COLUMNS = ("blob_type", "size", "etag", "created", "last_modified", "props", "metadata", "tag_count", "tier",
                 "tier_changed", "archive_status", "rehydrate_at", "lease", "copy", "sealed", "block_count")
_CONTAINER_COLUMNS = ("etag", "last_modified", "metadata", "public_access", "acl", "lease")
_TAG_OPS = {"=", ">", ">=", "<", "<="}
_blob_columns: Any = None  # positions of ROW_FIELDS in a blobs row (the table's own column order), found once


@lru_cache(maxsize=64)
def _insert_blob_plan(names: tuple[str, ...]) -> tuple[str, Any]:
    """For the fields a caller passes: the INSERT of those that are columns, and a getter of their values."""
    cols = tuple(c for c in names if c in _BLOB_COLUMNS)
    sql = (f"INSERT INTO blobs (container_id, name, snapshot, {', '.join(cols)}) "
           f"VALUES (?, ?, ?, {', '.join('?' for _ in cols)})")
    return sql, (operator.itemgetter(*cols) if len(cols) > 1 else lambda fields: tuple(fields[c] for c in cols))


_STORED_AS_IS = frozenset({str, int, float, bool, type(None), bytes})


def _encode(value: Any) -> Any:
    """A value as its column stores it: dicts and lists as JSON, leases by their dump(), the rest as they are."""
    kind = type(value)
    if kind in _STORED_AS_IS:
        return value
    if kind is dict and not value:
        return "{}"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if hasattr(value, "dump"):
        return value.dump()
    return value


def is_inline(file_id: str) -> bool:
    """A body kept in the blob_inline table rather than in a file."""
    return file_id.startswith("i")


ABOVE_ALL_NAMES = "\U0010ffff" * 1025  # names are at most 1,024 characters: every one sorts below this


def successor(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix` (in code point order, which is
    SQLite's binary order of UTF-8): its last character incremented, carrying past U+10FFFF and skipping the
    surrogates no name can hold. An empty prefix, or one of U+10FFFF only, has none: ABOVE_ALL_NAMES."""
    while prefix and prefix[-1] == "\U0010ffff":
        prefix = prefix[:-1]
    if not prefix:
        return ABOVE_ALL_NAMES
    last = ord(prefix[-1]) + 1
    return prefix[:-1] + chr(0xE000 if 0xD800 <= last <= 0xDFFF else last)


class BlobTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _blob(self, row: Any) -> Blob:
        """A Blob from a row of `SELECT *` (or `b.*`) on blobs: its columns picked by position, which is three
        times faster than by name (listings build thousands)."""
        global _blob_columns
        if _blob_columns is None:
            names = [r[1] for r in self.conn.execute("PRAGMA table_info(blobs)")]
            _blob_columns = operator.itemgetter(*(names.index(f) for f in ROW_FIELDS))
        return Blob.from_values(_blob_columns(row))

    def _one(self, name: str, *args: Any) -> Any:
        return self.conn.execute(Q[name], args).fetchone()

    def _all(self, name: str, *args: Any) -> list[Any]:
        return self.conn.execute(Q[name], args).fetchall()

    # -- containers ------------------------------------------------------------------------------
    def get_container(self, account: str, name: str) -> Container | None:
        row = self._one("get_container", account, name)
        return None if row is None else Container.from_row(row)

    def insert_container(self, account: str, name: str, etag: str, now: float, metadata: dict[str, str],
                         public_access: str | None) -> int:
        cur = self.conn.execute(Q["insert_container"], (account, name, etag, now, json.dumps(metadata), public_access))
        return int(cur.lastrowid)

    def update_container(self, container_id: int, **fields: Any) -> None:
        cols = [c for c in fields if c in _CONTAINER_COLUMNS]
        sql = f"UPDATE blob_containers SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?"
        self.conn.execute(sql, [_encode(fields[c]) for c in cols] + [container_id])

    def delete_container(self, container_id: int) -> list[str]:
        files = [r[0] for r in self._all("container_files", container_id, container_id)]
        self.conn.execute(Q["delete_container"], (container_id,))
        return files

    def container_id(self, account: str, name: str) -> int | None:
        row = self._one("container_id", account, name)
        return None if row is None else row[0]

    def list_containers(self, account: str, prefix: str, marker: str, limit: int) -> list[Container]:
        start = max(prefix, marker)
        rows = self._all("list_containers", account, start, successor(prefix), limit)
        return [Container.from_row(r) for r in rows]

    # -- blobs -----------------------------------------------------------------------------------
    def get_blob(self, container_id: int, name: str, snapshot: str = "") -> Blob | None:
        row = self._one("get_blob", container_id, name, snapshot)
        return None if row is None else self._blob(row)

    def find_blob(self, account: str, container: str, name: str, snapshot: str = "") -> Blob | None:
        """The blob by its container's account and name: one lookup for reads that need no more of the container."""
        row = self._one("find_blob", account, container, name, snapshot)
        return None if row is None else self._blob(row)

    def find_blob_body(self, account: str, container: str, name: str,
                       snapshot: str = "") -> tuple[Blob, bytes | None] | None:
        """find_blob, with the blob's body when it is kept in the database (None when its bytes are in
        extents, or it has none), read in the same query."""
        row = self._one("find_blob_body", account, container, name, snapshot)
        return None if row is None else (self._blob(row), row[-1])

    def container_and_blob(self, account: str, container: str,
                           name: str) -> tuple[int, Blob | None, bool] | None:
        """The container's id, its current blob of that name (None if none) and whether that name has staged
        blocks, in one query; None if there is no such container. What a write that replaces a blob looks up
        first (most have no staged blocks to clear: no statement to run for them)."""
        row = self._one("container_and_blob", name, account, container)
        if row is None:
            return None
        return row["container"], None if row["id"] is None else self._blob(row), bool(row["staged"])

    def count_snapshots(self, container_id: int, name: str) -> int:
        return int(self._one("count_snapshots", container_id, name)[0])

    def insert_blob(self, container_id: int, name: str, snapshot: str, **fields: Any) -> int:
        sql, values = _insert_blob_plan(tuple(fields))
        cur = self.conn.execute(sql, [container_id, name, snapshot, *map(_encode, values(fields))])
        return int(cur.lastrowid)

    def update_blob(self, blob_id: int, **fields: Any) -> None:
        cols = [c for c in fields if c in _BLOB_COLUMNS]
        sql = f"UPDATE blobs SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?"
        self.conn.execute(sql, [_encode(fields[c]) for c in cols] + [blob_id])

    def delete_blob(self, blob_id: int) -> list[str]:
        files = [r[0] for r in self._all("blob_files", blob_id)]
        self.conn.execute(Q["delete_blob"], (blob_id,))
        return files

    def delete_snapshots(self, container_id: int, name: str) -> list[str]:
        files = [r[0] for r in self._all("snapshot_files", container_id, name)]
        self.conn.execute(Q["delete_snapshots"], (container_id, name))
        return files

    def extents(self, blob_id: int) -> list[Extent]:
        return [Extent(r["start"], r["length"], r["file_id"], r["block_id"], r["file_offset"])
                for r in self._all("get_extents", blob_id)]

    def extents_in(self, blob_id: int, start: int, end: int) -> list[Extent]:
        """The extents that hold bytes [start, end), found through the (blob_id, start) index; an inline body
        comes with its bytes (read in this transaction, so an overwrite committed meanwhile cannot take them)."""
        return [Extent(r[0], r[1], r[2], None, r[3], r[4]) for r in self._all("extents_in", blob_id, end, blob_id, start)]

    def put_body(self, blob_id: int, data: bytes) -> None:
        """Keep a small body in the database as the blob's own (instead of extents); it goes with the blob."""
        self.conn.execute(Q["insert_body"], (blob_id, data))

    def body(self, blob_id: int) -> bytes | None:
        row = self._one("get_body", blob_id)
        return None if row is None else row[0]

    def copy_body(self, to_blob: int, from_blob: int) -> None:
        self.conn.execute(Q["copy_body"], (to_blob, from_blob))

    def add_extents(self, blob_id: int, extents: Iterable[Extent], first_seq: int = 0) -> None:
        rows = [(blob_id, first_seq + i, e.start, e.length, e.file_id, e.file_offset, e.block_id)
                for i, e in enumerate(extents)]
        if len(rows) == 1:
            self.conn.execute(Q["insert_extent"], rows[0])
        else:
            self.conn.executemany(Q["insert_extent"], rows)

    def copy_extents(self, to_blob: int, from_blob: int) -> None:
        self.conn.execute(Q["copy_extents"], (to_blob, from_blob))

    # -- staged blocks ---------------------------------------------------------------------------
    def staged_blocks(self, container_id: int, name: str) -> list[Extent]:
        return [Extent(0, r["length"], r["file_id"], r["block_id"])
                for r in self._all("staged_blocks", container_id, name)]

    def put_staged_block(self, container_id: int, name: str, block_id: str, length: int, file_id: str,
                         now: float) -> list[str]:
        old = self._one("get_staged_block", container_id, name, block_id)
        self.conn.execute(Q["put_staged_block"], (container_id, name, block_id, length, file_id, now))
        return [old[0]] if old else []

    def clear_staged(self, container_id: int, name: str) -> list[str]:
        return [r[0] for r in self._all("clear_staged", container_id, name)]

    def drop_staged_before(self, cutoff: float) -> list[str]:
        """Uncommitted blocks staged before `cutoff` (Azure discards them after a week); their file ids."""
        files = [r[0] for r in self._all("stale_staged_files", cutoff)]
        self.conn.execute(Q["delete_stale_staged"], (cutoff,))
        return files

    def pack_usage(self) -> list[tuple[str, int]]:
        """(pack id, live bytes) for every pack some extent points into (shared extents counted once)."""
        return [(r["file_id"], r["live"]) for r in self._all("pack_usage")]

    def pack_extents(self, pack_id: str) -> list[tuple[int, int]]:
        return [(r["file_offset"], r["length"]) for r in self._all("pack_extents", pack_id)]

    def move_extents(self, pack_id: str, moves: list[tuple[int, int, str, int]]) -> None:
        """moves: (old offset, length, new file id, new offset)."""
        self.conn.executemany(Q["move_extent"], [(new_id, new_off, pack_id, off, length)
                                                 for off, length, new_id, new_off in moves])

    # -- files -----------------------------------------------------------------------------------
    def referenced(self, file_id: str) -> bool:
        return bool(self._one("file_referenced", file_id, file_id)[0])

    def release(self, file_ids: Iterable[str]) -> list[str]:
        """The subset of file_ids no row points at any more, recorded as garbage in this transaction. Inline
        bodies nothing points at are deleted here and now: no reader can still need them (reads take their
        bytes inside their own transaction)."""
        dead = [f for f in dict.fromkeys(file_ids) if not self.referenced(f)]
        if not dead:
            return dead
        inline = [(int(f[1:]),) for f in dead if is_inline(f)]
        if inline:
            self.conn.executemany(Q["delete_inline"], inline)
            dead = [f for f in dead if not is_inline(f)]
        self.conn.executemany(Q["add_garbage"], [(f,) for f in dead])
        return dead

    def forget_garbage(self, file_ids: Iterable[str]) -> None:
        self.conn.executemany(Q["forget_garbage"], [(f,) for f in file_ids])

    def garbage(self) -> list[str]:
        return [r[0] for r in self._all("all_garbage")]

    # -- tags ------------------------------------------------------------------------------------
    def get_tags(self, blob_id: int) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self._all("get_tags", blob_id)}

    def set_tags(self, blob_id: int, account: str, tags: dict[str, str]) -> None:
        self.conn.execute(Q["clear_tags"], (blob_id,))
        self.conn.executemany(Q["insert_tag"], [(blob_id, account, k, v) for k, v in tags.items()])

    def find_by_tags(self, account: str, container: str | None, conditions: list[tuple[str, str, str]],
                     marker: tuple[str, str], limit: int) -> list[tuple[str, str, dict[str, str]]]:
        """Blobs (container, name, tags) whose tags satisfy every (key, op, value), in (container, name) order.
        The first condition drives the (account, key, value) index; the others are EXISTS probes."""
        key, op, value = conditions[0]
        assert op in _TAG_OPS
        sql = [f"SELECT c.name AS container, b.name AS name, b.id AS id FROM blob_tags t "
               f"JOIN blobs b ON b.id = t.blob_id JOIN blob_containers c ON c.id = b.container_id "
               f"WHERE t.account = ? AND t.key = ? AND t.value {op} ? AND b.snapshot = ''"]
        args: list[Any] = [account, key, value]
        for k, o, v in conditions[1:]:
            assert o in _TAG_OPS
            sql.append(f"AND EXISTS (SELECT 1 FROM blob_tags x WHERE x.blob_id = b.id AND x.key = ? AND x.value {o} ?)")
            args += [k, v]
        if container is not None:
            sql.append("AND c.name = ?")
            args.append(container)
        sql.append("AND (c.name, b.name) > (?, ?) ORDER BY c.name, b.name LIMIT ?")
        args += [marker[0], marker[1], limit]
        rows = self.conn.execute(" ".join(sql), args).fetchall()
        return [(r["container"], r["name"], self.get_tags(r["id"])) for r in rows]

    # -- listing ---------------------------------------------------------------------------------
    def list_blobs(self, container_id: int, prefix: str, delimiter: str, marker: tuple[str, str], limit: int,
                   snapshots: bool) -> tuple[list[Blob | str], tuple[str, str] | None]:
        """Up to `limit` entries in (name, snapshot) order: Blobs, and with a delimiter the virtual directory
        prefixes (str). Returns the entries and the (name, snapshot) to continue from, or None at the end.

        One index range, read lazily row by row. With a delimiter it is a skip-scan: the first name inside a
        virtual directory yields its prefix, and the next read seeks straight past the whole directory (to the
        prefix's successor), so a page costs one seek per directory and one row per blob it returns, however
        many blobs the directories hold."""
        out: list[Blob | str] = []
        end = successor(prefix)
        pos = max(marker, (prefix, ""))
        while True:
            for row in self.conn.execute(Q["list_blobs"], (container_id, pos[0], pos[1], end)):
                name, snap = row["name"], row["snapshot"]
                if len(out) == limit:
                    return out, (name, snap)
                if delimiter and (cut := name.find(delimiter, len(prefix))) >= 0:
                    directory = name[: cut + len(delimiter)]
                    out.append(directory)
                    pos = (successor(directory), "")
                    break
                if snap and not snapshots:
                    continue
                out.append(self._blob(row))
            else:
                return out, None

    def uncommitted_names(self, container_id: int, prefix: str, start: str, stop: str, limit: int) -> list[str]:
        """Names in [start, stop) with staged blocks and no committed blob (include=uncommittedblobs)."""
        names = self._all("list_staged_names", container_id, max(prefix, start), min(successor(prefix), stop), limit)
        return [r[0] for r in names if self._one("blob_exists", container_id, r[0]) is None]

    # -- service ---------------------------------------------------------------------------------
    def get_service_properties(self, account: str) -> dict[str, Any] | None:
        row = self._one("get_service_properties", account)
        return None if row is None else json.loads(row[0])

    def set_service_properties(self, account: str, properties: dict[str, Any]) -> None:
        self.conn.execute(Q["set_service_properties"], (account, json.dumps(properties)))

    def reset(self) -> None:
        for statement in Q["reset"].split(";"):
            if statement.strip():
                self.conn.execute(statement)
