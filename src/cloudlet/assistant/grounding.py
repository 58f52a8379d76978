"""Retrieval for "On Your Data": turn the conversation into a search query, run it against a Cloudlet index
(simple, vector or hybrid), keep what passes the strictness threshold, and map fields to citations."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .definitions import IndexDef
from .engine import SearchEngine
from .generator import Source, _text, content_stems

# the least cosine similarity between the question and a chunk for strictness 1..5
STRICTNESS = {1: 0.10, 2: 0.17, 3: 0.24, 4: 0.31, 5: 0.38}
PRONOUNS = {"it", "its", "they", "them", "their", "this", "that", "these", "those", "he", "she", "his", "her",
            "there", "one", "ones"}
CONTENT_NAMES = ("content", "chunk", "text", "body")


class DataSourceError(ValueError):
    pass


@dataclass
class SearchOptions:
    index_name: str
    query_type: str = "simple"
    top_n: int = 5
    strictness: int = 3
    in_scope: bool = True
    filter: str | None = None
    role_information: str | None = None
    mapping: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data_sources: Any) -> "SearchOptions":
        if not isinstance(data_sources, list) or len(data_sources) != 1 or not isinstance(data_sources[0], dict):
            raise DataSourceError("data_sources must be an array with exactly one data source.")
        source = data_sources[0]
        if source.get("type") != "azure_search":
            raise DataSourceError(f"Unsupported data source type '{source.get('type')}': Cloudlet serves "
                                  f"'azure_search' data sources (its own indexes).")
        p = source.get("parameters") or {}
        if not p.get("index_name"):
            raise DataSourceError("The azure_search data source requires 'index_name'.")
        query_type = p.get("query_type", "simple")
        if query_type not in ("simple", "semantic", "vector", "vector_simple_hybrid", "vector_semantic_hybrid"):
            raise DataSourceError(f"Invalid query_type '{query_type}'.")
        top_n = p.get("top_n_documents", 5)
        strictness = p.get("strictness", 3)
        if not isinstance(top_n, int) or not 1 <= top_n <= 20:
            raise DataSourceError("top_n_documents must be an integer between 1 and 20.")
        if not isinstance(strictness, int) or not 1 <= strictness <= 5:
            raise DataSourceError("strictness must be an integer between 1 and 5.")
        return cls(p["index_name"], query_type, top_n, strictness, p.get("in_scope", True) is not False,
                   p.get("filter"), p.get("role_information"), p.get("fields_mapping") or {})


def question_text(messages: list[dict[str, Any]]) -> str:
    users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    return users[-1] if users else ""


def search_query(messages: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The query to search with, and Azure's `intent` (the queries it searched with).

    A follow-up that leans on the conversation (a pronoun, or few content words) borrows the content words of
    the previous question: "When was it built?" after "Tell me about the Marlow bridge" searches for both."""
    users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    if not users:
        raise DataSourceError("The messages must contain at least one user message.")
    question = users[-1].strip()
    words = question.lower().replace("?", " ").split()
    if len(users) > 1 and (PRONOUNS & set(words) or len(content_stems(question)) < 3):
        previous = " ".join(w for w in users[-2].replace("?", " ").split() if w.lower() not in PRONOUNS)
        query = f"{question} {previous}".strip()
    else:
        query = question
    return query, [query] if query == question else [query, question]


class Retriever:
    def __init__(self, engine: SearchEngine) -> None:
        self.engine = engine

    async def retrieve(self, options: SearchOptions, query: str) -> list[Source]:
        try:
            index = self.engine.get_index(options.index_name)
        except Exception:
            raise DataSourceError(f"The index '{options.index_name}' was not found in the search service.") from None
        mapping = self._mapping(index, options.mapping)
        request: dict[str, Any] = {"top": options.top_n * 3, "filter": options.filter}
        want_text = options.query_type in ("simple", "semantic", "vector_simple_hybrid", "vector_semantic_hybrid")
        want_vector = options.query_type.startswith("vector")
        qvec = (await self.engine.embedder.embed([query]))[0]
        if want_text:
            request["search"] = query
        if want_vector:
            if not mapping["vector_fields"]:
                raise DataSourceError(f"query_type '{options.query_type}' needs a vector field in index "
                                      f"'{index.name}'.")
            request["vectorQueries"] = [{"kind": "vector", "vector": [float(x) for x in qvec], "fields": f,
                                         "k": options.top_n * 3} for f in mapping["vector_fields"]]
        result = await self.engine.search(index.name, request)
        threshold = STRICTNESS[options.strictness]
        kept: list[Source] = []
        contents = []
        for doc in result["value"]:
            content = mapping["separator"].join(_text(doc.get(f)) for f in mapping["content_fields"] if doc.get(f))
            if content:
                contents.append((doc, content))
        sims = await self._similarities(index, mapping, contents, qvec)
        for (doc, content), sim in zip(contents, sims):
            if sim < threshold:
                continue
            kept.append(Source(content, _opt(doc, mapping["title_field"]), _opt(doc, mapping["url_field"]),
                               _opt(doc, mapping["filepath_field"]), str(doc.get(index.key)), sim))
            if len(kept) == options.top_n:
                break
        return kept

    async def _similarities(self, index: IndexDef, mapping: dict, contents: list, qvec: Any) -> list[float]:
        """Cosine between the question and each chunk: from the stored vectors when the index has them."""
        sims: list[float | None] = [None] * len(contents)
        if mapping["vector_fields"]:
            table = await self.engine.vector_table(index, mapping["vector_fields"][0])
            if table.dimensions == len(qvec):
                sims = [table.similarity(str(doc.get(index.key)), qvec) for doc, _ in contents]
        missing = [i for i, s in enumerate(sims) if s is None]
        if missing:
            vectors = await self.engine.embedder.embed([contents[i][1] for i in missing])
            for i, v in zip(missing, vectors):
                sims[i] = float(v @ qvec)
        return [float(s) for s in sims]  # type: ignore[arg-type]

    @staticmethod
    def _mapping(index: IndexDef, given: dict[str, Any]) -> dict[str, Any]:
        def existing(name: Any) -> str | None:
            return name if isinstance(name, str) and name in index.fields else None

        content = [f for f in (given.get("content_fields") or []) if f in index.fields]
        if not content:
            content = [n for n in CONTENT_NAMES if n in index.searchable] or \
                      [n for n in index.searchable if n not in ("title", "url", "filepath")] or index.searchable
        vector_fields = [f for f in (given.get("vector_fields") or []) if f in index.vector_fields] or \
            index.vector_fields
        return {"content_fields": content, "vector_fields": vector_fields,
                "separator": given.get("content_fields_separator") or "\n",
                "title_field": existing(given.get("title_field")) or existing("title"),
                "url_field": existing(given.get("url_field")) or existing("url"),
                "filepath_field": existing(given.get("filepath_field")) or existing("filepath")}


def _opt(doc: dict, name: str | None) -> str | None:
    if not name or doc.get(name) is None:
        return None
    return str(doc[name])


def citation(src: Source) -> dict[str, Any]:
    return {"content": src.content, "title": src.title, "url": src.url, "filepath": src.filepath,
            "chunk_id": src.chunk_id, "rerank_score": None}


def intent_json(queries: list[str]) -> str:
    return json.dumps(queries)
