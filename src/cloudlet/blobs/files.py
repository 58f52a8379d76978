"""Blob bytes on disk, named by generated ids (never by blob name, so no name can reach outside the directory).

A new file is written under incoming/ and fsynced before any row points at it; once its row is committed it is
moved to objects/. At start-up, incoming/ holds only uploads that were in flight at a crash: those a row points
at are moved on, the others (partial or never committed) are deleted."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable, Iterable

from ..azure.errors import StorageError
from .crc64 import crc64

WRITE_CHUNK = 1 << 20
READ_CHUNK = 1 << 20


@dataclass
class Written:
    file_id: str
    size: int
    md5: bytes
    crc64: bytes | None


class _Sink:
    """One file being written: called from worker threads, one call at a time."""

    def __init__(self, path: Path, durable: bool, want_crc: bool) -> None:
        self.path = path
        self.durable = durable
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self.md5 = hashlib.md5()
        self.crc = 0 if want_crc else None
        self.size = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        self.md5.update(data)
        if self.crc is not None:
            self.crc = crc64(data, self.crc)
        self.size += len(data)

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
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.objects.mkdir(parents=True, exist_ok=True)

    def _object_path(self, file_id: str) -> Path:
        return self.objects / file_id[:2] / file_id

    # -- writing ---------------------------------------------------------------------------------
    async def write(self, body: AsyncIterator[bytes], limit: int, want_crc: bool = False) -> Written:
        """Stream `body` into a new durable file under incoming/; at most WRITE_CHUNK bytes are held at once."""
        file_id = uuid.uuid4().hex
        sink: _Sink | None = None
        buffer: list[bytes] = []
        held = 0
        try:
            async for chunk in body:
                held += len(chunk)
                buffer.append(chunk)
                if (sink.size if sink else 0) + held > limit:
                    raise StorageError(413, "RequestBodyTooLarge")
                if held >= WRITE_CHUNK:
                    if sink is None:
                        sink = await asyncio.to_thread(_Sink, self.incoming / file_id, self.durable, want_crc)
                    await asyncio.to_thread(sink.write, b"".join(buffer))
                    buffer, held = [], 0
            data = b"".join(buffer)
            if sink is None:  # small body: one trip to a worker thread for open, write, fsync, close
                sink = await asyncio.to_thread(_Sink.whole, self.incoming / file_id, self.durable, want_crc, data)
            else:
                await asyncio.to_thread(sink.write, data)
                await asyncio.to_thread(sink.finish)
        except BaseException:
            if sink is not None:
                await asyncio.to_thread(sink.abandon)
            raise
        crc = None if sink.crc is None else sink.crc.to_bytes(8, "little")
        return Written(file_id, sink.size, sink.md5.digest(), crc)

    def settle(self, file_ids: Iterable[str]) -> None:
        """Move committed files from incoming/ to objects/ (blocking: run in a thread)."""
        for file_id in file_ids:
            target = self._object_path(file_id)
            target.parent.mkdir(exist_ok=True)
            try:
                os.replace(self.incoming / file_id, target)
            except FileNotFoundError:
                pass

    def delete(self, file_ids: Iterable[str]) -> None:
        for file_id in file_ids:
            self._object_path(file_id).unlink(missing_ok=True)
            (self.incoming / file_id).unlink(missing_ok=True)

    def recover(self, referenced: Callable[[str], bool]) -> tuple[int, int]:
        """Start-up: settle the committed files a crash left in incoming/, delete the rest."""
        kept = dropped = 0
        for path in list(self.incoming.iterdir()):
            if referenced(path.name):
                self.settle([path.name])
                kept += 1
            else:
                path.unlink(missing_ok=True)
                dropped += 1
        return kept, dropped

    def wipe(self) -> None:
        for path in (self.incoming, self.objects):
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
            fd = self._open(ext.file_id)
            try:
                parts.append(os.pread(fd, hi - lo, lo - ext.start))
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
            fd = await asyncio.to_thread(self._open, ext.file_id)
            try:
                while lo < hi:
                    n = min(READ_CHUNK, hi - lo)
                    data = await asyncio.to_thread(os.pread, fd, n, lo - ext.start)
                    if not data:
                        raise OSError(f"blob file {ext.file_id} is shorter than its extent")
                    lo += len(data)
                    yield data
            finally:
                os.close(fd)
