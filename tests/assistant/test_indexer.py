"""Blob indexers: documents of every supported type uploaded with azure-storage-blob, indexed through a data
source and an indexer made with azure-search-documents, kept in sync as blobs change."""

from __future__ import annotations

import time
import uuid

import pytest

from cloudlet.assistant.samples import docx, pdf

from .conftest import blob_connection_string, blob_service, search_client


def chunk_index(name: str):
    from azure.search.documents.indexes.models import (HnswAlgorithmConfiguration, SearchField, SearchFieldDataType,
                                                       SearchIndex, SearchableField, SimpleField, VectorSearch,
                                                       VectorSearchProfile)

    return SearchIndex(
        name=name,
        fields=[SimpleField(name="chunk_key", type=SearchFieldDataType.String, key=True),
                SimpleField(name="parent_id", type=SearchFieldDataType.String, filterable=True),
                SearchableField(name="title", type=SearchFieldDataType.String),
                SearchableField(name="content", type=SearchFieldDataType.String),
                SimpleField(name="url", type=SearchFieldDataType.String),
                SimpleField(name="filepath", type=SearchFieldDataType.String, filterable=True),
                SimpleField(name="page", type=SearchFieldDataType.Int32, filterable=True),
                SearchField(name="vector", type=SearchFieldDataType.Collection(SearchFieldDataType.Single),
                            searchable=True, vector_search_dimensions=384, vector_search_profile_name="p")],
        vector_search=VectorSearch(algorithms=[HnswAlgorithmConfiguration(name="h")],
                                   profiles=[VectorSearchProfile(name="p", algorithm_configuration_name="h")]))


def wait_for(predicate, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture
def indexed(server, index_client, index_name):
    from azure.search.documents.indexes import SearchIndexerClient
    from azure.search.documents.indexes.models import (SearchIndexer, SearchIndexerDataContainer,
                                                       SearchIndexerDataSourceConnection)
    from azure.core.credentials import AzureKeyCredential

    blobs = blob_service(server.blob_url)
    container = blobs.create_container(f"lib{uuid.uuid4().hex[:12]}")
    container.upload_blob("notes/bridges.md", b"# Bridges\n\nIntro to bridges.\n\n## Suspension\n\nThe Marlow "
                          b"suspension bridge opened in 1832.\n\n## Arches\n\nRoman arch bridges used voussoirs.")
    container.upload_blob("bread.html", b"<html><head><title>Bread</title></head><body><h1>Bread</h1><p>Sourdough "
                          b"starters ferment flour.</p><h2>Ovens</h2><p>A Dutch oven traps steam.</p></body></html>")
    container.upload_blob("bees.txt", b"A honey bee colony keeps about fifty thousand workers in summer.")
    container.upload_blob("manual.pdf", pdf(["Chapter one covers safety goggles.", "Chapter two: the lathe spins "
                                             "at 3000 revolutions per minute."], title="Lathe Manual"))
    container.upload_blob("scan.pdf", pdf(None, blank_pages=2))
    container.upload_blob("garden.docx", docx("Garden Guide", [("Tomatoes", ["Tomatoes need six hours of sun."]),
                                                               ("Roses", ["Prune roses in late winter."])]))
    container.upload_blob("image.bin", b"\x00\x01binary")
    container.upload_blob("broken.pdf", b"%PDF-1.4 this is not really a pdf")
    index_client.create_index(chunk_index(index_name))
    indexers = SearchIndexerClient(server.url, AzureKeyCredential("k"))
    ds_name, ix_name = f"ds-{index_name}", f"ix-{index_name}"
    indexers.create_data_source_connection(SearchIndexerDataSourceConnection(
        name=ds_name, type="azureblob", connection_string=blob_connection_string(server.blob_url),
        container=SearchIndexerDataContainer(name=container.container_name)))
    indexers.create_indexer(SearchIndexer(name=ix_name, data_source_name=ds_name, target_index_name=index_name))

    def done():
        status = indexers.get_indexer_status(ix_name)
        result = status.last_result
        return status if result is not None and result.status != "inProgress" else None

    status = wait_for(done)
    yield container, indexers, ix_name, status
    indexers.delete_indexer(ix_name)
    indexers.delete_data_source_connection(ds_name)
    container.delete_container()


def find(client, text, **kw):
    return list(client.search(text, select=["chunk_key", "title", "content", "url", "filepath", "page"], **kw))


def test_indexer_cracks_every_type(server, index_name, indexed):
    container, indexers, ix_name, status = indexed
    result = status.last_result
    assert result.item_count == 8
    import requests

    raw = requests.get(f"{server.url}/indexers('{ix_name}')/search.status?api-version=2024-07-01",
                       headers={"api-key": "k"}).json()
    assert raw["lastResult"]["itemsTotal"] == 8 and raw["executionHistory"][0]["status"] == "transientFailure"
    assert result.failed_item_count == 1
    assert [e.name for e in result.errors] == ["broken.pdf"]
    warnings = {w.name: w.message for w in result.warnings}
    assert all(w.key.startswith(server.blob_url) for w in result.warnings)
    assert "text layer" in warnings["scan.pdf"] and "image.bin" in warnings
    client = search_client(server, index_name)
    hit = find(client, "Marlow suspension")[0]
    assert hit["filepath"] == "notes/bridges.md" and "1832" in hit["content"]
    assert "Suspension" in hit["title"] and "voussoirs" not in hit["content"]  # chunked at the heading
    lathe = find(client, "lathe revolutions")[0]
    assert lathe["page"] == 2 and lathe["url"].endswith("manual.pdf#page=2") and lathe["title"] == "Lathe Manual"
    assert find(client, "Dutch oven steam")[0]["title"] == "Bread — Ovens"
    assert find(client, "tomatoes sun")[0]["filepath"] == "garden.docx"
    assert find(client, "honey bee colony")[0]["filepath"] == "bees.txt"
    assert find(client, "goggles", filter="page eq 1")[0]["filepath"] == "manual.pdf"


def test_indexer_follows_blob_changes(server, index_name, indexed):
    container, indexers, ix_name, _ = indexed
    client = search_client(server, index_name)
    container.upload_blob("new.md", b"# Kites\n\nBox kites were invented by Lawrence Hargrave.")
    wait_for(lambda: find(client, "Hargrave"))
    container.upload_blob("bees.txt", b"Bumblebees nest in the ground.", overwrite=True)
    wait_for(lambda: find(client, "bumblebees") and not find(client, "fifty thousand workers"))
    container.delete_blob("new.md")
    wait_for(lambda: not find(client, "Hargrave"))
    # on demand: a full run finds nothing new and leaves the index as it is
    count = client.get_document_count()
    indexers.run_indexer(ix_name)
    wait_for(lambda: indexers.get_indexer_status(ix_name).last_result.status == "success")
    assert client.get_document_count() == count
    # reset forgets what was indexed; the next run indexes everything again
    indexers.reset_indexer(ix_name)
    indexers.run_indexer(ix_name)
    wait_for(lambda: (lambda r: r.status != "inProgress" and r.item_count >= 7)(
        indexers.get_indexer_status(ix_name).last_result))


def test_indexer_definitions_and_errors(server, index_name, indexed):
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
    from azure.search.documents.indexes.models import SearchIndexer

    container, indexers, ix_name, _ = indexed
    assert ix_name in indexers.get_indexer_names()
    got = indexers.get_indexer(ix_name)
    assert got.target_index_name == index_name
    ds = indexers.get_data_source_connection(f"ds-{index_name}")
    assert ds.container.name == container.container_name
    with pytest.raises(HttpResponseError) as err:
        indexers.create_indexer(SearchIndexer(name="bad-ix", data_source_name="nope", target_index_name=index_name))
    assert err.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        indexers.get_indexer_status("no-such-indexer")
