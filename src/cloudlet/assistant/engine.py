"""The search engine: index definitions, document actions and queries (BM25, exact vectors, and the two fused
with Reciprocal Rank Fusion). Knows nothing of HTTP; raises SearchError with Azure's codes."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from ..store.database import Database
from . import index_store as store
from .definitions import IndexDef, validate_index
from .embeddings import Embedder
from .errors import SearchError, bad_request, not_found
from .odata import compile_filter, parse_orderby
from .query_syntax import fts_expression
from .vectors import VectorTable, from_blob

KEY_CHARS = re.compile(r"^[A-Za-z0-9_\-=]{1,1024}$")
ACTIONS = {"upload", "merge", "mergeOrUpload", "delete"}
RRF_K = 60
PAGE = 50
MAX_SORTED = 100_000
MAX_BATCH = 32000


def new_etag() -> str:
    return f'"0x{time.time_ns() // 100 + 621355968000000000:X}"'


class SearchEngine:
    def __init__(self, db: Database, embedder: Embedder) -> None:
        self.db = db
        self.embedder = embedder
        self.indexes: dict[str, tuple[IndexDef, str]] = {}
        self._vectors: dict[tuple[str, str], VectorTable] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def load(self) -> None:
        self.indexes = {}
        for name, body, etag in await self.db.read(store.get_definitions, "search_indexes"):
            self.indexes[name] = (IndexDef(body), etag)
        self._vectors = {}

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    # -- indexes ---------------------------------------------------------------------------------
    def get_index(self, name: str) -> IndexDef:
        found = self.indexes.get(name)
        if found is None:
            raise not_found(f"No index with the name '{name}' was found in the service.")
        return found[0]

    def index_json(self, name: str) -> dict[str, Any]:
        index, etag = self.indexes[name]
        return {"@odata.etag": etag, **index.body}

    async def put_index(self, body: Any, name: str | None = None, if_match: str | None = None,
                        if_none_match: str | None = None) -> bool:
        body = dict(body) if isinstance(body, dict) else body
        if isinstance(body, dict):
            body.pop("@odata.etag", None)
            body.pop("@odata.context", None)
        index = validate_index(body, name)
        current = self.indexes.get(index.name)
        if if_none_match == "*" and current is not None:
            raise SearchError(412, "PreconditionFailed", "The index already exists.")
        if if_match and (current is None or (if_match != "*" and if_match != current[1])):
            raise SearchError(412, "PreconditionFailed", "The index's ETag does not match If-Match.")
        if current is not None:
            old = current[0]
            for fname, field in old.fields.items():
                new = index.fields.get(fname)
                if new is None or new.type != field.type or new.key != field.key or new.dimensions != field.dimensions:
                    raise bad_request(f"Existing field '{fname}' cannot be changed or removed.", "CannotChangeExistingField")
        etag = new_etag()
        async with self._lock(index.name):
            created = await self.db.write(store.put_definition, "search_indexes", index.name, index.body, etag, None)
            self.indexes[index.name] = (index, etag)
            if current is not None and current[0].searchable != index.searchable:
                await self._reindex_text(index)
        return created

    async def _reindex_text(self, index: IndexDef) -> None:
        keys = await self.db.read(store.filtered_keys, index.name, "1", [])
        for start in range(0, len(keys), 500):
            docs = await self.db.read(store.get_docs, index.name, keys[start:start + 500], [])
            actions = [("mergeOrUpload", k, {}) for k in docs]
            await self.db.write(store.apply_actions, index.name, index.key, index.searchable, index.vector_fields, actions)

    async def delete_index(self, name: str) -> None:
        self.get_index(name)
        async with self._lock(name):
            def drop(conn: Any) -> None:
                store.delete_definition(conn, "search_indexes", name)
                store.drop_index_data(conn, name)
            await self.db.write(drop)
            self.indexes.pop(name, None)
            for key in [k for k in self._vectors if k[0] == name]:
                del self._vectors[key]

    # -- documents -------------------------------------------------------------------------------
    async def index_documents(self, name: str, batch: Any) -> tuple[int, list[dict]]:
        index = self.get_index(name)
        values = batch.get("value") if isinstance(batch, dict) else None
        if not isinstance(values, list):
            raise bad_request("The request is invalid. Details: actions : The 'value' property is required.")
        if not values:
            raise bad_request("The request is invalid. Details: actions : No indexing actions found in the request. "
                              "Please include between 1 and 32000 indexing actions in your request.")
        if len(values) > MAX_BATCH:
            raise SearchError(413, "RequestEntityTooLarge", "The request is too large: at most 32000 actions.")
        actions: list[tuple[str, str, dict]] = []
        failures: dict[int, dict] = {}
        for pos, raw in enumerate(values):
            if not isinstance(raw, dict):
                raise bad_request("The request is invalid. Details: actions : every action must be an object.")
            action = raw.get("@search.action", "upload")
            if action not in ACTIONS:
                raise bad_request(f"The request is invalid. Details: actions : Invalid action '{action}'.")
            fields = {k: v for k, v in raw.items() if not k.startswith("@")}
            for fname, value in fields.items():
                field = index.fields.get(fname)
                if field is None:
                    raise bad_request(f"The request is invalid. Details: The property '{fname}' does not exist on type "
                                      f"'search.documentFields'. Make sure to only use property names that are "
                                      f"defined by the type.")
                if value is not None and not field.is_vector and not _fits(field.type, value):
                    raise bad_request(f"The request is invalid. Details: Cannot convert the literal "
                                      f"'{str(value)[:100]}' of field '{fname}' to the expected type '{field.type}'.")
                if field.is_vector and value is not None:
                    if not isinstance(value, list) or len(value) != field.dimensions:
                        raise bad_request(f"The request is invalid. Details: The vector field '{fname}' must have "
                                          f"{field.dimensions} dimensions.")
            key = fields.pop(index.key, None)
            if not isinstance(key, str) or not key:
                failures[pos] = {"key": key if isinstance(key, str) else "", "status": False, "statusCode": 400,
                                 "errorMessage": "Document key cannot be missing or empty."}
                continue
            if not KEY_CHARS.match(key):
                failures[pos] = {"key": key, "status": False, "statusCode": 400,
                                 "errorMessage": f"Invalid document key: '{key}'. Keys can only contain letters, "
                                                 f"digits, underscore (_), dash (-), or equal sign (=)."}
                continue
            actions.append((action, key, fields))
        async with self._lock(name):
            done, changes = await self.db.write(store.apply_actions, name, index.key, index.searchable,
                                                index.vector_fields, actions) if actions else ([], [])
            for key, field, vec in changes:
                table = self._vectors.get((name, field))
                if table is None:
                    continue
                if vec is None:
                    table.remove(key)
                else:
                    table.put(key, from_blob(vec) if isinstance(vec, bytes) else vec)
        results = []
        it = iter(done)
        for pos in range(len(values)):
            results.append(failures[pos] if pos in failures else next(it))
        status = 200 if all(r["status"] for r in results) else 207
        return status, results

    async def get_document(self, name: str, key: str, select: list[str] | None) -> dict:
        index = self.get_index(name)
        vec_fields = [f for f in index.vector_fields if select and f in select]
        docs = await self.db.read(store.get_docs, name, [key], vec_fields)
        if key not in docs:
            raise SearchError(404, "ResourceNotFound", f"Document with key '{key}' was not found.")
        return self._project(index, docs[key], select)

    async def count(self, name: str) -> int:
        self.get_index(name)
        return await self.db.read(store.count_docs, name)

    # -- vectors ---------------------------------------------------------------------------------
    async def vector_table(self, index: IndexDef, field: str) -> VectorTable:
        table = self._vectors.get((index.name, field))
        if table is not None:
            return table
        async with self._lock(index.name):  # one load however many queries ask at once
            table = self._vectors.get((index.name, field))
            if table is None:
                rows = await self.db.read(store.load_vectors, index.name, field)
                table = VectorTable(index.fields[field].dimensions or 1)
                for key, blob in rows:
                    table.put(key, from_blob(blob))
                self._vectors[(index.name, field)] = table
            return table

    # -- search ----------------------------------------------------------------------------------
    async def search(self, name: str, req: dict[str, Any]) -> dict[str, Any]:
        index = self.get_index(name)
        paged = req.get("top") is None  # Azure pages by 50 and hands the SDK the parameters of the next page
        top = _int(req.get("top"), PAGE, "top")
        skip = _int(req.get("skip"), 0, "skip")
        where, params = compile_filter(index, req.get("filter"))
        orderby = parse_orderby(index, req.get("orderby"))
        select = _list(req.get("select"))
        for fname in select or []:
            if fname != "*":
                index.field(fname)
        search_fields = _list(req.get("searchFields")) or index.searchable
        for fname in search_fields:
            if index.field(fname).name not in index.searchable:
                raise bad_request(f"The field '{fname}' in the search field list is not searchable.")
        match = fts_expression(req.get("search"), req.get("searchMode") or "any")
        vector_queries = req.get("vectorQueries") or []
        want = top + skip
        candidates = max(want + 1, 50)
        if any(fname is not None for fname, _ in orderby):
            candidates = MAX_SORTED  # sorting by a field ranks every match, not just the best-scoring ones

        async def text_part() -> tuple[list[tuple[str, float]], int | None]:
            if match is None or not search_fields:
                return [], None
            columns = [index.searchable.index(f) for f in search_fields]
            hits = await self.db.read(store.text_search, name, match, columns, len(index.searchable), where, params,
                                      candidates)
            count = None
            if req.get("count") and not vector_queries:
                count = await self.db.read(store.text_count, name, match, columns, len(index.searchable), where,
                                           params)
            return hits, count

        async def vector_part() -> list[list[tuple[str, float]]]:
            if not vector_queries:
                return []
            allowed = await self.db.read(store.filtered_keys, name, where, params) if where != "1" else None
            found: list[list[tuple[str, float]]] = []
            for vq in vector_queries:
                found.extend(await self._vector_query(index, vq, allowed, candidates))
            return found

        # a hybrid query runs its text and vector halves at the same time
        (text_hits, total), vector_hits = await asyncio.gather(text_part(), vector_part())
        ranked_lists = ([text_hits] if match is not None and search_fields else []) + vector_hits
        if not ranked_lists and match is None and not vector_queries:
            order_sql = _order_sql(orderby)
            keys, count_all = await self.db.read(store.browse, name, where, params, order_sql, top, skip)
            scored = [(k, 1.0) for k in keys]
            total = count_all
            more = skip + top < count_all
        else:
            if len(ranked_lists) == 1:
                fused = ranked_lists[0]
            else:
                fused = rrf(ranked_lists)
            if orderby:
                fused = await self._sort(index, fused, orderby)
            if total is None and req.get("count"):
                total = len(fused)
            scored = fused[skip:skip + top]
            more = len(fused) > skip + top
        keys = [k for k, _ in scored]
        vec_select = [f for f in index.vector_fields if select and f in select]
        docs = await self.db.read(store.get_docs, name, keys, vec_select)
        hl_fields = _list(req.get("highlight"))
        hls: dict[str, dict[str, list[str]]] = {}
        if hl_fields and match is not None:
            for f in hl_fields:
                if index.field(f).name not in index.searchable:
                    raise bad_request(f"The field '{f}' in the highlight field list is not searchable.")
            hl_cols = [(f, index.searchable.index(f)) for f in hl_fields]
            hls = await self.db.read(store.highlights, name, match, keys, hl_cols,
                                     req.get("highlightPreTag") or "<em>", req.get("highlightPostTag") or "</em>")
        value = []
        for key, score in scored:
            doc = docs.get(key)
            if doc is None:
                continue
            item: dict[str, Any] = {"@search.score": score}
            if key in hls:
                item["@search.highlights"] = hls[key]
            item.update(self._project(index, doc, select))
            value.append(item)
        out: dict[str, Any] = {}
        if total is not None:
            out["@odata.count"] = total
        out["value"] = value
        if paged and more:
            out["@search.nextPageParameters"] = {**{k: v for k, v in req.items() if k != "top"}, "skip": skip + top}
        return out

    async def _vector_query(self, index: IndexDef, vq: Any, allowed: list[str] | None,
                            candidates: int) -> list[list[tuple[str, float]]]:
        if not isinstance(vq, dict):
            raise bad_request("Invalid vector query.")
        kind = vq.get("kind", "vector")
        k = _int(vq.get("k", vq.get("kNearestNeighborsCount")), 50, "k")
        fields = _list(vq.get("fields"))
        if not fields:
            raise bad_request("The vector query must specify at least one vector field in 'fields'.")
        out = []
        for fname in fields:
            field = index.field(fname)
            if not field.is_vector:
                raise bad_request(f"The field '{fname}' is not a vector field.")
            if kind == "vector":
                vector = vq.get("vector")
                if not isinstance(vector, list) or len(vector) != field.dimensions:
                    raise bad_request(f"The vector query's vector must have {field.dimensions} dimensions, the "
                                      f"dimensions of field '{fname}'.")
            elif kind == "text":
                if not index.has_vectorizer(field):
                    raise bad_request(f"The field '{fname}' has no vectorizer in its vector search profile; a text "
                                      f"vector query needs one.")
                if field.dimensions != self.embedder.dimensions:
                    raise bad_request(f"Cloudlet vectorizes text with a {self.embedder.dimensions}-dimension model; "
                                      f"field '{fname}' has {field.dimensions} dimensions.")
                vector = (await self.embedder.embed([str(vq.get("text") or "")]))[0]
            else:
                raise bad_request(f"Unsupported vector query kind '{kind}'.")
            table = await self.vector_table(index, fname)
            out.append(table.nearest(vector, k, allowed))
        return out

    async def _sort(self, index: IndexDef, fused: list[tuple[str, float]], orderby: list) -> list[tuple[str, float]]:
        docs = await self.db.read(store.get_docs, index.name, [k for k, _ in fused], [])
        result = list(fused)
        for fname, desc in reversed(orderby):
            if fname is None:
                result.sort(key=lambda kv: kv[1], reverse=desc)
            else:
                present = [kv for kv in result if docs.get(kv[0], {}).get(fname) is not None]
                missing = [kv for kv in result if docs.get(kv[0], {}).get(fname) is None]
                present.sort(key=lambda kv: docs[kv[0]][fname], reverse=desc)
                result = (missing + present) if not desc else (present + missing)
        return result

    @staticmethod
    def _project(index: IndexDef, doc: dict, select: list[str] | None) -> dict:
        names = [f.name for f in index.fields.values() if f.retrievable and not f.is_vector] \
            if not select or select == ["*"] else select
        return {n: doc.get(n) for n in names if index.fields[n].retrievable}


def rrf(lists: list[list[tuple[str, float]]]) -> list[tuple[str, float]]:
    """Reciprocal Rank Fusion, as Azure fuses hybrid queries: sum over lists of 1 / (60 + rank)."""
    scores: dict[str, float] = {}
    for hits in lists:
        for rank, (key, _) in enumerate(hits, start=1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _fits(edm: str, value: Any) -> bool:
    """Whether a JSON value can be stored in a field of this EDM type."""
    if edm.startswith("Collection("):
        return isinstance(value, list) and all(v is None or _fits(edm[11:-1], v) for v in value)
    if edm in ("Edm.String", "Edm.DateTimeOffset"):
        return isinstance(value, str)
    if edm in ("Edm.Int32", "Edm.Int64"):
        return isinstance(value, int) and not isinstance(value, bool)
    if edm == "Edm.Double":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if edm == "Edm.Boolean":
        return isinstance(value, bool)
    return True


def _int(value: Any, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad_request(f"Invalid value for parameter '{name}': '{value}'.") from None
    if number < 0:
        raise bad_request(f"Invalid value for parameter '{name}': it must not be negative.")
    return number


def _list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _order_sql(orderby: list[tuple[str | None, bool]]) -> str:
    parts = []
    for fname, desc in orderby:
        if fname is None:
            continue
        col = f"json_extract(d.doc, '$.\"{fname}\"')"
        # Azure sorts nulls first ascending, last descending: SQLite does the same
        parts.append(f"{col} {'DESC' if desc else 'ASC'}")
    parts.append("d.key")
    return ", ".join(parts)
