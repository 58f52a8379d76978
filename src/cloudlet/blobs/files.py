"""Blob bytes on disk, named by generated ids (never by blob name, so no name can reach outside the directory).

A new file is written under incoming/ and fsynced before any row points at it; once its row is committed it is
moved to objects/. At start-up, incoming/ holds only uploads that were in flight at a crash: those a row points
at are moved on, the others (partial or never committed) are deleted.

Small bodies (up to PACK_THRESHOLD) are appended to a shared pack file under packs/ instead: creating and
fsyncing a new file costs a journal commit (~5 ms here), an fdatasync after an append ~0.3 ms. A pack is
deleted when no row points into it any more (checked when blobs are released, and at start-up); space of
overwritten small blobs inside a still-referenced pack is reclaimed by the engine's compaction.

Smaller Put Blob bodies still (up to INLINE_THRESHOLD) never reach this module's disk paths: the engine keeps
them in the database, and their extents carry the bytes (Extent.data), which the read paths here honour."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable, Iterable

from ..azure.errors import StorageError
from .crc64 import crc64

WRITE_CHUNK = 1 << 20
READ_CHUNK = 1 << 20
SYNC_EVERY = 16 * 1024 * 1024
PACK_THRESHOLD = 256 * 1024
INLINE_THRESHOLD = 64 * 1024  # a Put Blob body up to this size is kept in the database (see writes.py)
PACK_MAX = 64 * 1024 * 1024


@dataclass
class Written:
    file_id: str
    size: int
    md5: bytes
    crc64: bytes | None
    offset: int = 0


class _Packs:
    """The pack file small bodies are appended to. Appends are serialized by `lock`; durability is group
    fdatasync: whoever syncs covers every append written before it, so concurrent writers share one sync.
    `pending` counts appends whose rows are not committed yet, per pack: a pack with pending appends, or the
    open one, is never deleted. Lock order: sync_lock, then lock."""

    def __init__(self, directory: Path, durable: bool) -> None:
        self.directory = directory
        self.durable = durable
        self.lock = threading.Lock()
        self.sync_lock = threading.Lock()
        self.current: str | None = None
        self.fd = -1
        self.size = 0
        self.synced = 0
        self.pending: dict[str, int] = {}

    def append(self, data: bytes) -> tuple[str, int]:
        with self.lock:
            full = self.current is None or self.size + len(data) > PACK_MAX
        if full:
            with self.sync_lock, self.lock:
                if self.current is None or self.size + len(data) > PACK_MAX:
                    self._rotate()
        with self.lock:
            offset = self.size
            view = memoryview(data)
            while view:
                n = os.pwrite(self.fd, view, offset + len(data) - len(view))
                view = view[n:]
            self.size += len(data)
            pack, end = self.current, self.size
            assert pack is not None
            self.pending[pack] = self.pending.get(pack, 0) + 1
        if self.durable:
            self._sync(pack, end)
        return pack, offset

    def _sync(self, pack: str, end: int) -> None:
        with self.sync_lock:
            with self.lock:
                if pack != self.current or self.synced >= end:
                    return  # rotated (its file was synced then) or covered by another writer's sync
                fd, target = self.fd, self.size
            os.fdatasync(fd)
            with self.lock:
                self.synced = max(self.synced, target)

    def _rotate(self) -> None:
        if self.fd >= 0:
            if self.durable:
                os.fdatasync(self.fd)
            os.close(self.fd)
        self.current = "p" + uuid.uuid4().hex
        self.fd = os.open(self.directory / self.current, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        self.size = self.synced = 0
        if self.durable:
            os.fsync(self.fd)
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def done(self, pack_id: str) -> None:
        with self.lock:
            left = self.pending.get(pack_id, 0) - 1
            if left > 0:
                self.pending[pack_id] = left
            else:
                self.pending.pop(pack_id, None)

    def busy(self, pack_id: str) -> bool:
        with self.lock:
            return pack_id == self.current or pack_id in self.pending

    def close(self) -> None:
        with self.sync_lock, self.lock:
            if self.fd >= 0:
                os.close(self.fd)
            self.fd, self.current, self.size, self.synced = -1, None, 0, 0


def is_pack(file_id: str) -> bool:
    return file_id.startswith("p")


def digest(data: bytes, want_crc: bool, file_id: str = "", offset: int = 0) -> Written:
    """What a write of `data` reports: its size, MD5 and (when asked for) CRC-64."""
    crc = crc64(data).to_bytes(8, "little") if want_crc else None
    return Written(file_id, len(data), hashlib.md5(data).digest(), crc, offset)


async def read_whole(body: AsyncIterator[bytes], limit: int) -> bytes:
    """A body known to be small, read whole (413 past `limit`)."""
    chunks, size = [], 0
    async for chunk in body:
        size += len(chunk)
        if size > limit:
            raise StorageError(413, "RequestBodyTooLarge")
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class _Sink:
    """One file being written: called from worker threads, one call at a time."""

    def __init__(self, path: Path, durable: bool, want_crc: bool) -> None:
        self.path = path
        self.durable = durable
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self.md5 = hashlib.md5()
        self.crc = 0 if want_crc else None
        self.size = 0
        self.unsynced = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        self.md5.update(data)
        if self.crc is not None:
            self.crc = crc64(data, self.crc)
        self.size += len(data)
        self.unsynced += len(data)
        if self.durable and self.unsynced >= SYNC_EVERY:  # flush as we go, so the final fsync is short
            os.fdatasync(self.fd)
            self.unsynced = 0

    def finish(self) -> None:
        if self.durable:
            os.fsync(self.fd)
        os.close(self.fd)
        self.fd = -1
        if self.durable:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def abandon(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self.path.unlink(missing_ok=True)

    @classmethod
    def whole(cls, path: Path, durable: bool, want_crc: bool, data: bytes) -> "_Sink":
        sink = cls(path, durable, want_crc)
        try:
            sink.write(data)
            sink.finish()
        except BaseException:
            sink.abandon()
            raise
        return sink


class BlobFiles:
    def __init__(self, root: Path, durable: bool) -> None:
        self.root = root
        self.durable = durable
        self.incoming = root / "incoming"
        self.objects = root / "objects"
        self.pack_dir = root / "packs"
        for path in (self.incoming, self.objects, self.pack_dir):
            path.mkdir(parents=True, exist_ok=True)
        self.packs = _Packs(self.pack_dir, durable)

    def _object_path(self, file_id: str) -> Path:
        if is_pack(file_id):
            return self.pack_dir / file_id
        return self.objects / file_id[:2] / file_id

    async def write_small(self, data: bytes, want_crc: bool = False) -> Written:
        """A small body, appended durably to the open pack file."""
        def run() -> Written:
            pack_id, offset = self.packs.append(data)
            return digest(data, want_crc, pack_id, offset)

        return await asyncio.to_thread(run)

    # -- writing ---------------------------------------------------------------------------------
    async def write(self, body: AsyncIterator[bytes], limit: int, want_crc: bool = False,
                    length: int | None = None) -> Written:
        """Stream `body` into a new durable file under incoming/ (or, when `length` says it is small, into the
        pack file); at most WRITE_CHUNK bytes are held at once."""
        if length is not None and length <= PACK_THRESHOLD:
            return await self.write_small(await read_whole(body, limit), want_crc)
        file_id = uuid.uuid4().hex
        sink: _Sink | None = None
        buffer: list[bytes] = []
        held = received = 0
        in_flight: asyncio.Future | None = None  # one chunk is written while the next is received
        try:
            async for chunk in body:
                held += len(chunk)
                received += len(chunk)
                buffer.append(chunk)
                if received > limit:
                    raise StorageError(413, "RequestBodyTooLarge")
                if held >= WRITE_CHUNK:
                    if sink is None:
                        sink = await asyncio.to_thread(_Sink, self.incoming / file_id, self.durable, want_crc)
                    if in_flight is not None:
                        await in_flight
                    in_flight = asyncio.ensure_future(asyncio.to_thread(sink.write, b"".join(buffer)))
                    buffer, held = [], 0
            data = b"".join(buffer)
            if sink is None:  # small body: one trip to a worker thread for open, write, fsync, close
                sink = await asyncio.to_thread(_Sink.whole, self.incoming / file_id, self.durable, want_crc, data)
            else:
                if in_flight is not None:
                    await in_flight
                    in_flight = None
                await asyncio.to_thread(sink.write, data)
                await asyncio.to_thread(sink.finish)
        except BaseException:
            if in_flight is not None:
                await asyncio.gather(in_flight, return_exceptions=True)
            if sink is not None:
                await asyncio.to_thread(sink.abandon)
            raise
        crc = None if sink.crc is None else sink.crc.to_bytes(8, "little")
        return Written(file_id, sink.size, sink.md5.digest(), crc)

    def pack_size(self, pack_id: str) -> int:
        try:
            return (self.pack_dir / pack_id).stat().st_size
        except FileNotFoundError:
            return 0

    def repack(self, pack_id: str, extents: list[tuple[int, int]]) -> list[tuple[int, int, str, int]]:
        """Copy the live extents of a pack into the open pack (blocking); returns the moves to commit."""
        moves = []
        fd = os.open(self.pack_dir / pack_id, os.O_RDONLY)
        try:
            for offset, length in extents:
                data = os.pread(fd, length, offset)
                if len(data) != length:
                    raise OSError(f"pack {pack_id} is shorter than its extents")
                new_id, new_offset = self.packs.append(data)
                moves.append((offset, length, new_id, new_offset))
        finally:
            os.close(fd)
        return moves

    def settle(self, file_ids: Iterable[str]) -> None:
        """Move committed files from incoming/ to objects/ (blocking: run in a thread)."""
        for file_id in file_ids:
            if is_pack(file_id):
                self.packs.done(file_id)
                continue
            target = self._object_path(file_id)
            target.parent.mkdir(exist_ok=True)
            try:
                os.replace(self.incoming / file_id, target)
            except FileNotFoundError:
                pass

    def abandon(self, file_ids: Iterable[str]) -> None:
        """Files written for a write that failed: packs keep the (dead) bytes, other files go."""
        for file_id in file_ids:
            if is_pack(file_id):
                self.packs.done(file_id)
            else:
                self.delete([file_id])

    def delete(self, file_ids: Iterable[str]) -> None:
        for file_id in file_ids:
            if is_pack(file_id):
                if not self.packs.busy(file_id):  # an unreferenced busy pack goes at the next start-up
                    self._object_path(file_id).unlink(missing_ok=True)
                continue
            self._object_path(file_id).unlink(missing_ok=True)
            (self.incoming / file_id).unlink(missing_ok=True)

    def recover(self, referenced: Callable[[str], bool]) -> tuple[int, int]:
        """Start-up: settle the committed files a crash left in incoming/, delete the rest."""
        kept = dropped = 0
        for path in list(self.pack_dir.iterdir()):
            if not referenced(path.name):
                path.unlink(missing_ok=True)
                dropped += 1
        for path in list(self.incoming.iterdir()):
            if referenced(path.name):
                self.settle([path.name])
                kept += 1
            else:
                path.unlink(missing_ok=True)
                dropped += 1
        return kept, dropped

    def wipe(self) -> None:
        self.packs.close()
        for path in (self.incoming, self.objects, self.pack_dir):
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True, exist_ok=True)

    # -- reading ---------------------------------------------------------------------------------
    def _open(self, file_id: str) -> int:
        try:
            return os.open(self._object_path(file_id), os.O_RDONLY)
        except FileNotFoundError:
            return os.open(self.incoming / file_id, os.O_RDONLY)

    def read_range_sync(self, extents: list, start: int, end: int) -> bytes:
        """Bytes [start, end) of a blob made of `extents` (blocking; for small reads and MD5 of ranges)."""
        parts = []
        for ext in extents:
            lo, hi = max(start, ext.start), min(end, ext.start + ext.length)
            if lo >= hi:
                continue
            if ext.data is not None:  # an inline body, read with its row
                parts.append(ext.data[lo - ext.start: hi - ext.start])
                continue
            fd = self._open(ext.file_id)
            try:
                parts.append(os.pread(fd, hi - lo, ext.file_offset + lo - ext.start))
            finally:
                os.close(fd)
        return b"".join(parts)

    async def stream(self, extents: list, start: int, end: int) -> AsyncIterator[bytes]:
        """Yield bytes [start, end) in chunks of at most READ_CHUNK, each read in a worker thread."""
        if end - start <= READ_CHUNK:
            yield await asyncio.to_thread(self.read_range_sync, extents, start, end)
            return
        for ext in extents:
            lo, hi = max(start, ext.start), min(end, ext.start + ext.length)
            if lo >= hi:
                continue
            if ext.data is not None:
                yield ext.data[lo - ext.start: hi - ext.start]
                continue
            fd = await asyncio.to_thread(self._open, ext.file_id)
            try:
                while lo < hi:
                    n = min(READ_CHUNK, hi - lo)
                    data = await asyncio.to_thread(os.pread, fd, n, ext.file_offset + lo - ext.start)
                    if not data:
                        raise OSError(f"blob file {ext.file_id} is shorter than its extent")
                    lo += len(data)
                    yield data
            finally:
                os.close(fd)
