"""The Azure AI Search REST front end: parses the request, calls the engine, answers in Azure's JSON.

Both path styles are served: OData (`/indexes('books')/docs/search.post.search`, what the SDKs send) and the
plain REST one (`/indexes/books/docs/search`)."""

from __future__ import annotations

import json
import re
from typing import Any

from ..http import Request, Response
from .errors import SearchError, bad_request, not_found

PATH = re.compile(r"^/(?P<coll>indexes|datasources|indexers|servicestats)"
                  r"(?:\('(?P<qname>(?:[^']|'')*)'\)|/(?P<name>[^/]+))?(?P<rest>/.*)?$")
DOC = re.compile(r"^/docs(?:\('(?P<qkey>(?:[^']|'')*)'\)|/(?P<key>[^/]+))?$")
ODATA_NONE = "application/json; odata.metadata=none; odata.streaming=true"


def odata_json(payload: Any, status: int = 200) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, [("content-type", ODATA_NONE)])


def json_body(request: Request) -> Any:
    if not request.body:
        raise bad_request("The request is invalid. Details: The request body is empty.")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The request is invalid. Details: The request body is not valid JSON.") from None


class SearchFrontEnd:
    def __init__(self, service: Any) -> None:
        self.service = service

    @property
    def engine(self) -> Any:
        return self.service.engine

    async def handle(self, request: Request) -> Response:
        try:
            return await self._route(request)
        except SearchError as err:
            return err.response()

    async def _route(self, request: Request) -> Response:
        if not (request.headers.get("api-key") or request.headers.get("authorization", "").startswith("Bearer ")):
            raise SearchError(401, "Unauthorized", "Access denied due to missing api-key or bearer token.")
        if not request.query.get("api-version"):
            raise bad_request("The api-version query parameter (?api-version=) is required for all requests.",
                              "MissingApiVersionParameter")
        m = PATH.match(request.path)
        if not m:
            raise not_found(f"The requested resource {request.path} does not exist.")
        coll = m["coll"]
        name = m["qname"].replace("''", "'") if m["qname"] is not None else m["name"]
        rest = m["rest"] or ""
        if coll == "servicestats":
            return odata_json({"counters": {"indexesCount": {"usage": len(self.engine.indexes), "quota": 1000}},
                          "limits": {"maxFieldsPerIndex": 1000}})
        if coll == "indexes":
            if name is None:
                return await self._indexes(request)
            if not rest:
                return await self._index(request, name)
            return await self._index_child(request, name, rest)
        indexers = self.service.indexer_api
        if name is None:
            return await indexers.collection(request, coll)
        return await indexers.item(request, coll, name, rest)

    # -- /indexes ------------------------------------------------------------------------------
    async def _indexes(self, request: Request) -> Response:
        if request.method == "GET":
            names = sorted(self.engine.indexes)
            select = request.query.get("$select")
            if select == "name":
                return odata_json({"value": [{"name": n} for n in names]})
            return odata_json({"value": [self.engine.index_json(n) for n in names]})
        if request.method == "POST":
            body = json_body(request)
            if isinstance(body, dict) and body.get("name") in self.engine.indexes:
                raise SearchError(409, "ResourceNameAlreadyInUse",
                                  f"Cannot create index '{body['name']}' because it already exists.")
            await self.engine.put_index(body)
            return odata_json(self.engine.index_json(body["name"]), 201)
        raise SearchError(405, "MethodNotAllowed", f"{request.method} is not allowed on /indexes.")

    async def _index(self, request: Request, name: str) -> Response:
        if request.method == "GET":
            self.engine.get_index(name)
            return odata_json(self.engine.index_json(name))
        if request.method == "PUT":
            created = await self.engine.put_index(json_body(request), name, request.headers.get("if-match"),
                                                  request.headers.get("if-none-match"))
            if "return=minimal" in request.headers.get("prefer", ""):
                return Response(204)
            return odata_json(self.engine.index_json(name), 201 if created else 200)
        if request.method == "DELETE":
            await self.engine.delete_index(name)  # Azure's 404 when there is no such index
            return Response(204)
        raise SearchError(405, "MethodNotAllowed", f"{request.method} is not allowed on an index.")

    async def _index_child(self, request: Request, name: str, rest: str) -> Response:
        engine = self.engine
        q = request.query
        if rest in ("/docs/search.index", "/docs/index") and request.method == "POST":
            status, results = await engine.index_documents(name, json_body(request))
            return odata_json({"value": results}, status)
        if rest in ("/docs/search.post.search", "/docs/search") and request.method == "POST":
            return odata_json(await engine.search(name, json_body(request)))
        if rest == "/docs/$count" and request.method == "GET":
            count = await engine.count(name)
            return Response(200, str(count).encode(), [("content-type", "text/plain")])
        if rest == "/search.stats" and request.method == "GET":
            count = await engine.count(name)
            return odata_json({"documentCount": count, "storageSize": 0, "vectorIndexSize": 0})
        if rest == "/docs" and request.method == "GET":
            req = {"search": q.get("search"), "filter": q.get("$filter"), "select": q.get("$select"),
                   "top": q.get("$top"), "skip": q.get("$skip"), "orderby": q.get("$orderby"),
                   "count": q.get("$count") == "true", "searchFields": q.get("searchFields"),
                   "searchMode": q.get("searchMode"), "highlight": q.get("highlight")}
            return odata_json(await engine.search(name, {k: v for k, v in req.items() if v is not None}))
        m = DOC.match(rest)
        if m and request.method == "GET" and (m["qkey"] is not None or m["key"] is not None):
            key = m["qkey"].replace("''", "'") if m["qkey"] is not None else m["key"]
            select = q.get("$select")
            return odata_json(await engine.get_document(name, key, select.split(",") if select else None))
        engine.get_index(name)
        raise not_found(f"The requested resource {request.path} does not exist.")
