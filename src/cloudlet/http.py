"""The small HTTP vocabulary shared by every front end: a buffered Request and a Response over ASGI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qsl

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


class Request:
    __slots__ = ("scope", "method", "path", "raw_query", "headers", "body", "_query")

    def __init__(self, scope: Scope, body: bytes) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.raw_query: str = scope.get("query_string", b"").decode("latin-1")
        self.headers: dict[str, str] = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        self.body = body
        self._query: list[tuple[str, str]] | None = None

    @property
    def query_items(self) -> list[tuple[str, str]]:
        if self._query is None:
            self._query = parse_qsl(self.raw_query, keep_blank_values=True)
        return self._query

    @property
    def query(self) -> dict[str, str]:
        return dict(self.query_items)

    @property
    def host(self) -> str:
        host = self.headers.get("host")
        if host:
            return host
        server = self.scope.get("server") or ("127.0.0.1", 80)
        return f"{server[0]}:{server[1]}"

    @property
    def scheme(self) -> str:
        return self.scope.get("scheme", "http")

    @property
    def client_ip(self) -> str:
        client = self.scope.get("client")
        return client[0] if client else "127.0.0.1"

    @classmethod
    async def read(cls, scope: Scope, receive: Receive, limit: int) -> "Request":
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(size)
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return cls(scope, b"".join(chunks))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: AsyncIterator[bytes] | None = None

    async def send(self, send: Send) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]
        if self.stream is None and not any(k == b"content-length" for k, _ in raw):
            raw.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": raw})
        if self.stream is None:
            await send({"type": "http.response.body", "body": self.body})
            return
        async for chunk in self.stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def json_response(payload: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    import json

    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, [("content-type", "application/json")] + (headers or []))
