"""A small HTTP/1.1 client for endpoint deliveries: POST with keep-alive, a hard timeout, no redirects."""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

MAX_IDLE_PER_HOST = 4


class HttpClient:
    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
        self._tls = ssl.create_default_context()

    async def request(self, method: str, url: str, headers: dict[str, str], body: bytes, timeout: float) -> int:
        """Send one request; returns the status code. Raises OSError/asyncio.TimeoutError/ValueError on failure."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"bad endpoint {url}")
        key = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rsplit("@", 1)[-1]
        head = [f"{method} {target} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace") + body
        return await asyncio.wait_for(self._exchange(key, data), timeout)

    async def _exchange(self, key: tuple[str, str, int], data: bytes) -> int:
        idle = self._idle.get(key)
        reused = bool(idle)
        reader, writer = idle.pop() if idle else await self._open(key)
        try:
            writer.write(data)
            await writer.drain()
            status, keep = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            writer.close()
            if reused:  # the server closed an idle connection: one fresh try
                return await self._exchange_fresh(key, data)
            raise
        except BaseException:
            writer.close()
            raise
        if keep and len(self._idle.setdefault(key, [])) < MAX_IDLE_PER_HOST:
            self._idle[key].append((reader, writer))
        else:
            writer.close()
        return status

    async def _exchange_fresh(self, key: tuple[str, str, int], data: bytes) -> int:
        reader, writer = await self._open(key)
        try:
            writer.write(data)
            await writer.drain()
            status, _ = await _read_response(reader)
            return status
        finally:
            writer.close()

    async def _open(self, key: tuple[str, str, int]):
        scheme, host, port = key
        return await asyncio.open_connection(host, port, ssl=self._tls if scheme == "https" else None,
                                             server_hostname=host if scheme == "https" else None)

    def close(self) -> None:
        for conns in self._idle.values():
            for _, writer in conns:
                writer.close()
        self._idle.clear()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    line = await reader.readuntil(b"\r\n")
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError("not an HTTP response")
    status = int(parts[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = parts[0] == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif status not in (204, 304):
        await reader.read()  # body until close
        keep = False
    return status, keep
