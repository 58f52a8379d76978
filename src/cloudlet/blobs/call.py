"""One Blob REST request as the front end sees it: the path split into account/container/blob, headers, query,
and the body as a stream (never buffered whole, except small XML documents)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, AsyncIterator
from urllib.parse import parse_qsl, unquote

from ..aws.ids import uuid4_text
from ..azure.errors import StorageError
from ..http import Receive, Scope

MAX_XML_BODY = 4 * 1024 * 1024


class ClientDisconnected(Exception):
    pass


@lru_cache(maxsize=1024)
def _parsed_query(raw: str) -> tuple[tuple[str, str], ...]:
    """Clients repeat the same query (an account SAS on every request): parse each one once."""
    return tuple(parse_qsl(raw, keep_blank_values=True))


def _parse_query(raw: str) -> dict[str, str]:
    return dict(_parsed_query(raw)) if raw else {}


class BlobCall:
    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.receive = receive
        self.method: str = scope["method"]
        raw_headers = scope["headers"]
        self.headers: dict[str, str] = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw_headers}
        if len(self.headers) < len(raw_headers):  # a repeated header: its values are joined with commas
            self.headers = {}
            for k, v in raw_headers:
                key = k.decode("latin-1").lower()
                value = v.decode("latin-1")
                self.headers[key] = f"{self.headers[key]},{value}" if key in self.headers else value
        raw_path = scope.get("raw_path")
        self.raw_path: str = raw_path.decode("latin-1").split("?", 1)[0] if raw_path else scope["path"]
        self.raw_query: str = scope.get("query_string", b"").decode("latin-1")
        self.query: dict[str, str] = _parse_query(self.raw_query)
        if not raw_path:
            path = scope["path"]
        else:
            path = unquote(self.raw_path, errors="strict") if "%" in self.raw_path else self.raw_path
        self._path = path
        parts = path.lstrip("/").split("/", 2)
        self.account = parts[0]
        self.container = parts[1] if len(parts) > 1 else ""
        self.blob = parts[2] if len(parts) > 2 else ""
        self.request_id = uuid4_text()  # a GUID, as Azure's x-ms-request-id is
        client = scope.get("client")
        self.client_ip: str = client[0] if client else "127.0.0.1"
        self.scheme: str = scope.get("scheme", "http")
        self.consumed = False
        self.host_style = False

    def host_account(self) -> str:
        """The first label of a host-style address (devstoreaccount1.blob.localhost:10000), else ''."""
        host = self.headers.get("host", "").rsplit(":", 1)[0] if not self.headers.get("host", "").startswith("[") else ""
        label, dot, _ = host.partition(".")
        return label if dot and not label.isdigit() else ""

    def rebase(self, account: str) -> None:
        """Host-style addressing: the account comes from the host, the path starts at the container."""
        parts = self._path.lstrip("/").split("/", 1)
        self.account = account
        self.container = parts[0]
        self.blob = parts[1] if len(parts) > 1 else ""
        self.host_style = True

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    @property
    def level(self) -> str:
        return "blob" if self.blob else "container" if self.container else "service"

    @property
    def endpoint(self) -> str:
        host = self.headers.get("host") or "{}:{}".format(*(self.scope.get("server") or ("127.0.0.1", 80)))
        return f"{self.scheme}://{host}/" if self.host_style else f"{self.scheme}://{host}/{self.account}/"

    @property
    def has_body(self) -> bool:
        return self.headers.get("content-length", "0") != "0" or "transfer-encoding" in self.headers

    @property
    def content_length(self) -> int | None:
        raw = self.headers.get("content-length")
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "Content-Length",
                                                                 "HeaderValue": raw}) from None
        if value < 0:
            raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "Content-Length"})
        return value

    async def stream(self) -> AsyncIterator[bytes]:
        """The request body; a body cut short (client gone, fewer bytes than Content-Length) raises, so that
        nothing partial is ever committed."""
        expected = self.content_length
        if expected is None and "chunked" not in self.headers.get("transfer-encoding", "").lower():
            if self.method == "PUT":
                raise StorageError(411, "MissingContentLength",
                                   "Content-Length HTTP header is required for this request.")
        received = 0
        self.consumed = True
        while True:
            message: dict[str, Any] = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            chunk = message.get("body", b"")
            if chunk:
                received += len(chunk)
                yield chunk
            if not message.get("more_body", False):
                break
        if expected is not None and received != expected:
            raise ClientDisconnected()

    async def body(self, limit: int = MAX_XML_BODY) -> bytes:
        parts = []
        size = 0
        async for chunk in self.stream():
            size += len(chunk)
            if size > limit:
                raise StorageError(413, "RequestBodyTooLarge")
            parts.append(chunk)
        return b"".join(parts)

    async def drain(self) -> None:
        """Read and drop an unread body, so that keep-alive connections stay in step after an early error."""
        if self.consumed:
            return
        self.consumed = True
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                return
