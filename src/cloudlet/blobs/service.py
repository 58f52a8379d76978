"""The blob service as the runtime sees it: built from the Cloudlet, started, reset, and served over ASGI."""

from __future__ import annotations

import os
from typing import Any

from ..azure.accounts import Accounts
from ..config import Settings
from ..http import Receive, Scope, Send
from .engine import BlobEngine
from .event_topics import EventTopics, publisher
from .files import BlobFiles
from .frontend import BlobFrontEnd
from .sqlite_repo import SCHEMA
from ..runtime import EngineService

_accounts = Accounts()


class BlobService(EngineService):
    name = "blobs"

    def __init__(self, cloudlet: Any) -> None:
        self.cloudlet = cloudlet
        settings: Settings = cloudlet.settings
        cloudlet.db.add_schema(SCHEMA)
        self.accounts = _accounts
        files = BlobFiles(cloudlet.files_dir("blobs"), durable=settings.sync == "full" and not settings.in_memory)
        port = settings.blob_port or settings.port
        self.engine = BlobEngine(cloudlet.db, files, f"http://{settings.host}:{port}",
                                 float(os.environ.get("CLOUDLET_BLOB_REHYDRATE_SECONDS", "0")),
                                 float(os.environ.get("CLOUDLET_BLOB_DELETE_GRACE_SECONDS", "30")))
        self.front_end = BlobFrontEnd(self.engine, self.accounts)
        topics = EventTopics()
        if topics:
            self.engine.events.subscribe(publisher(topics, cloudlet))


    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.front_end(scope, receive, send)


def is_blob_request(scope: Scope, settings: Settings) -> bool:
    """On the blob port; or carrying x-ms-version or a SAS signature; or addressed to a known storage account."""
    server = scope.get("server")
    if server and settings.blob_port and server[1] == settings.blob_port:
        return True
    for key, _ in scope.get("headers", ()):
        if key.lower() == b"x-ms-version":
            return True
    query = scope.get("query_string", b"")
    if query.startswith(b"sig=") or b"&sig=" in query:
        return True
    first = scope.get("path", "/").lstrip("/").split("/", 1)[0]
    return bool(first) and first in _accounts
