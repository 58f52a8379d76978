"""The library assistant ("The Voice That Read Everything"), runnable against a local Cloudlet:

    cloudlet serve &                      # in another terminal
    python examples/library/library_assistant.py

It uploads a small library (Markdown, text, HTML, and a PDF manual and a DOCX guide made on the fly) to a blob
container with azure-storage-blob, indexes it with an Azure AI Search indexer (azure-search-documents), and
asks questions through Azure OpenAI "On Your Data" with the openai SDK, printing each answer and its sources.
Nothing here is Cloudlet-specific except the endpoints: the same code runs against Azure."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ResourceNotFoundError
from azure.search.documents.indexes import SearchIndexClient, SearchIndexerClient
from azure.search.documents.indexes.models import (HnswAlgorithmConfiguration, SearchField, SearchFieldDataType,
                                                   SearchIndex, SearchIndexer, SearchIndexerDataContainer,
                                                   SearchIndexerDataSourceConnection, SearchableField, SimpleField,
                                                   VectorSearch, VectorSearchProfile)
from azure.storage.blob import BlobServiceClient
from openai import AzureOpenAI

SEARCH = os.environ.get("SEARCH_ENDPOINT", "http://127.0.0.1:4566")
OPENAI = os.environ.get("OPENAI_ENDPOINT", "http://127.0.0.1:4566")
BLOBS = os.environ.get("BLOB_ENDPOINT", "http://127.0.0.1:10000/devstoreaccount1")
KEY = os.environ.get("SEARCH_KEY", "any-key-works-locally")
STORAGE = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUz"
           f"FT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint={BLOBS};")
DOCS = Path(__file__).resolve().parent / "docs"
QUESTIONS = [
    "How deep should the foundations of a small bridge go?",
    "How many eggs does a queen bee lay?",
    "How fast does the lathe spindle turn?",
    "When should roses be pruned?",
    "What is the airspeed velocity of an unladen swallow?",
]


def library_files() -> dict[str, bytes]:
    """The text documents on disk, plus a two-page PDF and a DOCX made here (no binary files in the repo)."""
    from cloudlet.assistant.samples import docx, pdf

    files = {p.name: p.read_bytes() for p in sorted(DOCS.iterdir())}
    files["lathe-manual.pdf"] = pdf([
        "Lathe Manual\nChapter 1: Safety\nAlways wear safety goggles and tie back long hair.",
        "Chapter 2: Speeds\nThe spindle turns at 3000 revolutions per minute at the highest belt setting.\n"
        "Use the lowest setting for parts wider than 20 centimetres."], title="Lathe Manual")
    files["garden-guide.docx"] = docx("Garden Guide", [
        ("Tomatoes", ["Tomatoes need at least six hours of direct sun and deep, infrequent watering."]),
        ("Roses", ["Prune roses in late winter, just as the buds begin to swell, cutting above an outward bud."])])
    return files


def main() -> int:
    blobs = BlobServiceClient.from_connection_string(STORAGE)
    container = blobs.get_container_client("library")
    if not container.exists():
        container.create_container()
    for name, data in library_files().items():
        container.upload_blob(name, data, overwrite=True)

    credential = AzureKeyCredential(KEY)
    indexes = SearchIndexClient(SEARCH, credential)
    indexes.create_or_update_index(SearchIndex(
        name="library",
        fields=[SimpleField(name="chunk_key", type=SearchFieldDataType.String, key=True),
                SearchableField(name="title", type=SearchFieldDataType.String),
                SearchableField(name="content", type=SearchFieldDataType.String),
                SimpleField(name="url", type=SearchFieldDataType.String),
                SimpleField(name="filepath", type=SearchFieldDataType.String, filterable=True),
                SimpleField(name="page", type=SearchFieldDataType.Int32, filterable=True),
                SearchField(name="vector", type=SearchFieldDataType.Collection(SearchFieldDataType.Single),
                            searchable=True, vector_search_dimensions=384, vector_search_profile_name="default")],
        vector_search=VectorSearch(algorithms=[HnswAlgorithmConfiguration(name="hnsw")],
                                   profiles=[VectorSearchProfile(name="default", algorithm_configuration_name="hnsw")])))
    indexers = SearchIndexerClient(SEARCH, credential)
    indexers.create_or_update_data_source_connection(SearchIndexerDataSourceConnection(
        name="library-blobs", type="azureblob", connection_string=STORAGE,
        container=SearchIndexerDataContainer(name="library")))
    indexers.create_or_update_indexer(SearchIndexer(name="library-indexer", data_source_name="library-blobs",
                                                    target_index_name="library"))
    status = wait_for_indexer(indexers, "library-indexer")
    print(f"Indexed: {status.last_result.item_count} documents, status {getattr(status.last_result.status, 'value', status.last_result.status)}")
    for warning in status.last_result.warnings:
        print(f"  warning: {warning.name}: {warning.message}")

    client = AzureOpenAI(azure_endpoint=OPENAI, api_key=KEY, api_version="2024-10-21")
    data_sources = [{"type": "azure_search", "parameters": {
        "endpoint": SEARCH, "index_name": "library", "authentication": {"type": "api_key", "key": KEY},
        "query_type": "vector_simple_hybrid", "embedding_dependency": {"type": "deployment_name",
                                                                        "deployment_name": "embeddings"},
        "top_n_documents": 3, "strictness": 3, "in_scope": True}}]
    for question in QUESTIONS:
        completion = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}],
                                                    extra_body={"data_sources": data_sources})
        message = completion.choices[0].message
        print(f"\nQ: {question}\nA: {message.content}")
        for n, cite in enumerate(message.context["citations"], start=1):
            if f"[doc{n}]" in message.content:
                print(f"   [doc{n}] {cite['title']} ({cite['filepath']}, chunk {cite['chunk_id']}) {cite['url']}")
    return 0


def wait_for_indexer(indexers: SearchIndexerClient, name: str, timeout: float = 180.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status = indexers.get_indexer_status(name)
        except ResourceNotFoundError:
            status = None
        if status and status.last_result and status.last_result.status != "inProgress":
            return status
        time.sleep(0.5)
    raise SystemExit(f"indexer {name} did not finish in {timeout} s")


if __name__ == "__main__":
    sys.exit(main())
