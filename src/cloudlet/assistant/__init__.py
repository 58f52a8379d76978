"""The library assistant: an Azure AI Search subset (indexes, documents, BM25/vector/hybrid search, blob
indexers) and Azure OpenAI "On Your Data" chat completions, offline, over the same data directory.

Heavy dependencies (onnxruntime, tokenizers, numpy, pypdf, python-docx, the model) are the `assistant` extra
and are imported only when a request needs them."""

from __future__ import annotations

from typing import Any

SEARCH_PREFIXES = ("/indexes", "/datasources", "/indexers", "/servicestats")
OPENAI_PREFIX = "/openai/deployments/"


def is_assistant_request(scope: dict[str, Any]) -> bool:
    """Search REST paths and Azure OpenAI deployment paths; never `POST /` (AWS) nor `/devstoreaccount1/...`."""
    path: str = scope.get("path", "")
    if path.startswith(OPENAI_PREFIX):
        return True
    for prefix in SEARCH_PREFIXES:
        if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] in "(/"):
            return True
    return False


def __getattr__(name: str) -> Any:
    if name == "AssistantService":
        from .service import AssistantService

        return AssistantService
    raise AttributeError(name)
