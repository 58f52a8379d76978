"""The assistant service: owns the search engine, the indexers and the embedder, and routes its requests."""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from ..http import BodyTooLarge, Receive, Request, Response, Scope, Send, json_response
from .embeddings import Embedder, ExtraMissing
from .engine import SearchEngine
from .errors import SearchError

log = logging.getLogger("cloudlet.assistant")
TABLES = ("search_indexer_items", "search_indexers", "search_datasources", "search_vectors", "search_rows",
          "search_docs", "search_indexes")


class AssistantService:
    name = "assistant"

    def __init__(self, cloudlet: Any) -> None:
        from .chat_api import ChatFrontEnd
        from .indexer_api import IndexerFrontEnd
        from .indexers import Indexers
        from .search_api import SearchFrontEnd

        self.cloudlet = cloudlet
        cloudlet.db.add_schema(resources.files(__package__).joinpath("schema.sql").read_text())
        self.embedder = Embedder()
        self.engine = SearchEngine(cloudlet.db, self.embedder)
        self.indexers = Indexers(self)
        self.indexer_api = IndexerFrontEnd(self.indexers)
        self.search_api = SearchFrontEnd(self)
        self.chat_api = ChatFrontEnd(self)

    async def start(self) -> None:
        await self.engine.load()
        await self.indexers.start()

    async def stop(self) -> None:
        await self.indexers.stop()
        self.embedder.close()

    async def reset(self) -> None:
        await self.indexers.stop()

        def wipe(conn: Any) -> None:
            conn.execute("DELETE FROM search_fts")
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")
        await self.cloudlet.db.write(wipe)
        await self.engine.load()
        await self.indexers.start()

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handle(scope, receive)
        await response.send(send)

    async def handle(self, scope: Scope, receive: Receive) -> Response:
        openai = scope["path"].startswith("/openai/")
        try:
            request = await Request.read(scope, receive, self.cloudlet.settings.max_body_bytes)
        except BodyTooLarge:
            return SearchError(413, "RequestEntityTooLarge", "The request body is too large.").response()
        try:
            if openai:
                return await self.chat_api.handle(request)
            return await self.search_api.handle(request)
        except ExtraMissing as exc:
            return json_response({"error": {"code": "ServiceUnavailable", "message": str(exc)}}, 503)
        except Exception:
            log.exception("assistant: unhandled error for %s %s", scope.get("method"), scope.get("path"))
            return json_response({"error": {"code": "InternalServerError",
                                            "message": "An internal error occurred in Cloudlet's assistant."}}, 500)
