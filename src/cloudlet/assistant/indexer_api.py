"""The REST front end of data sources and indexers: `/datasources`, `/indexers`, and an indexer's
`search.run`, `search.reset` and `search.status`."""

from __future__ import annotations

from ..http import Request, Response
from .errors import SearchError, not_found
from .indexers import Indexers
from .search_api import json_body, odata_json


class IndexerFrontEnd:
    def __init__(self, indexers: Indexers) -> None:
        self.indexers = indexers

    async def collection(self, request: Request, kind: str) -> Response:
        registry = self.indexers.datasources if kind == "datasources" else self.indexers.indexers
        if request.method == "GET":
            return odata_json({"value": [self.indexers.get(kind, n) for n in sorted(registry)]})
        if request.method == "POST":
            body = json_body(request)
            if kind == "datasources":
                await self.indexers.put_datasource(body, None, True)
            else:
                await self.indexers.put_indexer(body, None, True)
            return odata_json(self.indexers.get(kind, body["name"]), 201)
        raise SearchError(405, "MethodNotAllowed", f"{request.method} is not allowed here.")

    async def item(self, request: Request, kind: str, name: str, rest: str) -> Response:
        if kind == "indexers" and rest:
            if rest == "/search.status" and request.method == "GET":
                return odata_json(self.indexers.status(name))
            if rest == "/search.run" and request.method == "POST":
                await self.indexers.run_now(name)
                return Response(202)
            if rest == "/search.reset" and request.method == "POST":
                await self.indexers.reset(name)
                return Response(204)
            raise not_found(f"The requested resource {request.path} does not exist.")
        if rest:
            raise not_found(f"The requested resource {request.path} does not exist.")
        if request.method == "GET":
            return odata_json(self.indexers.get(kind, name))
        if request.method == "PUT":
            body = json_body(request)
            put = self.indexers.put_datasource if kind == "datasources" else self.indexers.put_indexer
            created = await put(body, name, False)
            return odata_json(self.indexers.get(kind, name), 201 if created else 200)
        if request.method == "DELETE":
            if not await self.indexers.delete(kind, name):
                self.indexers.get(kind, name)  # raises Azure's 404
            return Response(204)
        raise SearchError(405, "MethodNotAllowed", f"{request.method} is not allowed here.")


