"""From one document's bytes to the chunk documents of an index: crack, chunk, embed, and fill whichever of the
conventional fields the target index has (content, title, heading, url, filepath, page, parent_id, chunk_id,
metadata_storage_*, and its first 384-dimension vector field)."""

from __future__ import annotations

import asyncio
import base64
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from .chunking import chunk_sections
from .cracking import Cracked, crack
from .definitions import IndexDef
from .embeddings import Embedder

CONTENT_FIELDS = ("content", "chunk", "text")


@dataclass
class Ingested:
    docs: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def parent_key(name: str) -> str:
    """A document key from a blob name: Azure keys allow only letters, digits, _, - and =."""
    return base64.urlsafe_b64encode(name.encode()).decode().rstrip("=") or "_"


def chunk_key(name: str, ordinal: int) -> str:
    return f"{parent_key(name)}_{ordinal}"


class Ingestor:
    def __init__(self, embedder: Embedder, pool: Executor) -> None:
        self.embedder = embedder
        self.pool = pool

    async def ingest(self, index: IndexDef, name: str, data: bytes, *, content_type: str = "", url: str = "",
                     last_modified: str | None = None) -> Ingested:
        cracked: Cracked = await asyncio.get_running_loop().run_in_executor(self.pool, crack, name, data, content_type)
        chunks = chunk_sections(cracked.sections)
        fields = index.fields
        content_field = next((f for f in CONTENT_FIELDS if f in fields), None)
        if content_field is None:
            raise ValueError(f"index '{index.name}' has no content field (one of {', '.join(CONTENT_FIELDS)})")
        vector_field = next((f for f in index.vector_fields if fields[f].dimensions == self.embedder.dimensions), None)
        vectors = None
        if vector_field and chunks:
            texts = [" \n".join(p for p in (cracked.title, c.heading, c.text) if p) for c in chunks]
            vectors = await self.embedder.embed(texts)
        docs = []
        for i, chunk in enumerate(chunks):
            title = cracked.title
            if chunk.heading and "heading" not in fields and chunk.heading != cracked.title:
                title = f"{cracked.title} — {chunk.heading.split(' > ')[-1]}"
            candidates: dict[str, Any] = {
                content_field: chunk.text, "title": title, "heading": chunk.heading,
                "url": f"{url}#page={chunk.page}" if url and chunk.page else url, "filepath": name,
                "page": chunk.page, "page_number": chunk.page, "parent_id": parent_key(name),
                "chunk_id": str(chunk.ordinal), "metadata_storage_name": name.rsplit("/", 1)[-1],
                "metadata_storage_path": url, "metadata_storage_content_type": content_type or None,
                "metadata_storage_size": len(data), "metadata_storage_last_modified": last_modified,
            }
            doc: dict[str, Any] = {index.key: chunk_key(name, i)}
            for fname, value in candidates.items():
                f = fields.get(fname)
                if f is None or f.key or value is None:
                    continue
                if f.type in ("Edm.Int32", "Edm.Int64") and not isinstance(value, int):
                    continue
                if f.type == "Edm.String" and not isinstance(value, str):
                    continue
                doc[fname] = value
            if vectors is not None:
                doc[vector_field] = [float(x) for x in vectors[i]]
            docs.append(doc)
        return Ingested(docs, list(cracked.warnings))
