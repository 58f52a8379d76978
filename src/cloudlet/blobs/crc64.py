"""Azure Storage's CRC-64 (polynomial 0x9A6C9329AC4BC9B5, reflected, inverted in and out), as sent in
x-ms-content-crc64. Table-driven pure Python: only computed when a client asks for it."""

from __future__ import annotations

_POLY = 0x9A6C9329AC4BC9B5
_MASK = (1 << 64) - 1


def _table() -> list[int]:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def crc64(data: bytes, crc: int = 0) -> int:
    crc = ~crc & _MASK
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return ~crc & _MASK
