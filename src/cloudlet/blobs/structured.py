"""Structured message bodies (x-ms-structured-body: XSM/1.0; properties=crc64), which the SDKs send and ask for
when validating content with CRC-64: a 13-byte header (version, message length, flags, segment count), then
per segment a 10-byte header (number, length), the bytes and their CRC-64, then the whole content's CRC-64.
CRCs are computed in worker threads (pure Python, so slow: only clients that ask pay for it)."""

from __future__ import annotations

import asyncio
import math
from typing import AsyncIterator

from ..azure.errors import StorageError
from .crc64 import crc64

HEADER_V1 = "XSM/1.0; properties=crc64"
SEGMENT = 4 * 1024 * 1024
_CRC64 = 1


def accepted(value: str) -> bool:
    parts = [p.strip().lower() for p in value.split(";")]
    return parts[0] == "xsm/1.0" and all(p in ("properties=crc64", "") for p in parts[1:])


def _bad(detail: str) -> StorageError:
    return StorageError(400, "InvalidInput", f"Invalid structured message body: {detail}.")


async def decode(body: AsyncIterator[bytes], message_length: int) -> AsyncIterator[bytes]:
    """The content of a structured message, checked segment by segment as it streams in."""
    buffer = bytearray()
    it = body.__aiter__()

    async def need(n: int) -> bytes:
        while len(buffer) < n:
            try:
                buffer.extend(await it.__anext__())
            except StopAsyncIteration:
                raise _bad("truncated") from None
        out = bytes(buffer[:n])
        del buffer[:n]
        return out

    head = await need(13)
    if head[0] != 1 or int.from_bytes(head[1:9], "little") != message_length:
        raise _bad("bad version or message length")
    flags = int.from_bytes(head[9:11], "little")
    segments = int.from_bytes(head[11:13], "little")
    total_crc = 0
    for number in range(1, segments + 1):
        seg = await need(10)
        if int.from_bytes(seg[0:2], "little") != number:
            raise _bad("segments out of order")
        left = int.from_bytes(seg[2:10], "little")
        seg_crc = 0
        while left:
            if not buffer:
                try:
                    buffer.extend(await it.__anext__())
                except StopAsyncIteration:
                    raise _bad("truncated") from None
            piece = bytes(buffer[:left])
            del buffer[: len(piece)]
            left -= len(piece)
            if flags & _CRC64:
                seg_crc, total_crc = await asyncio.to_thread(_both, piece, seg_crc, total_crc)
            yield piece
        if flags & _CRC64 and int.from_bytes(await need(8), "little") != seg_crc:
            raise StorageError(400, "Crc64Mismatch")
    if flags & _CRC64 and int.from_bytes(await need(8), "little") != total_crc:
        raise StorageError(400, "Crc64Mismatch")
    if buffer:
        raise _bad("bytes after the message")
    async for extra in it:
        if extra:
            raise _bad("bytes after the message")


def _both(piece: bytes, a: int, b: int) -> tuple[int, int]:
    return crc64(piece, a), crc64(piece, b)


def message_length(content_length: int) -> int:
    segments = math.ceil(content_length / SEGMENT) or 1
    return 13 + segments * (10 + 8) + content_length + 8


async def encode(content: AsyncIterator[bytes], content_length: int) -> AsyncIterator[bytes]:
    """Frame `content` (exactly content_length bytes) as a structured message with CRC-64s."""
    segments = math.ceil(content_length / SEGMENT) or 1
    yield (1).to_bytes(1, "little") + message_length(content_length).to_bytes(8, "little") + \
        _CRC64.to_bytes(2, "little") + segments.to_bytes(2, "little")
    total_crc = 0
    number = 0
    left_in_segment = 0
    seg_crc = 0
    pending = b""
    source = content.__aiter__()
    sent = 0
    while sent < content_length or number == 0:
        if left_in_segment == 0:
            number += 1
            left_in_segment = min(SEGMENT, content_length - sent)
            seg_crc = 0
            yield number.to_bytes(2, "little") + left_in_segment.to_bytes(8, "little")
            if left_in_segment == 0:
                yield seg_crc.to_bytes(8, "little")
                break
        if not pending:
            pending = await source.__anext__()
        piece, pending = pending[:left_in_segment], pending[left_in_segment:]
        seg_crc, total_crc = await asyncio.to_thread(_both, piece, seg_crc, total_crc)
        left_in_segment -= len(piece)
        sent += len(piece)
        yield piece
        if left_in_segment == 0:
            yield seg_crc.to_bytes(8, "little")
    yield total_crc.to_bytes(8, "little")
