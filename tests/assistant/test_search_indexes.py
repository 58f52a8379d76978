"""Index management and every document action through azure-search-documents, over a real socket."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from .conftest import search_client


def make_index(name: str, dims: int = 3):
    from azure.search.documents.indexes.models import (HnswAlgorithmConfiguration, SearchField, SearchFieldDataType,
                                                       SearchIndex, SearchableField, SimpleField, VectorSearch,
                                                       VectorSearchProfile)

    return SearchIndex(
        name=name,
        fields=[
            SimpleField(name="id", type=SearchFieldDataType.String, key=True, filterable=True),
            SearchableField(name="title", type=SearchFieldDataType.String, filterable=True, sortable=True),
            SearchableField(name="content", type=SearchFieldDataType.String),
            SimpleField(name="year", type=SearchFieldDataType.Int32, filterable=True, sortable=True),
            SimpleField(name="rating", type=SearchFieldDataType.Double, filterable=True, sortable=True),
            SimpleField(name="available", type=SearchFieldDataType.Boolean, filterable=True),
            SearchableField(name="tags", collection=True, type=SearchFieldDataType.String, filterable=True),
            SearchField(name="vec", type=SearchFieldDataType.Collection(SearchFieldDataType.Single),
                        searchable=True, vector_search_dimensions=dims, vector_search_profile_name="p"),
        ],
        vector_search=VectorSearch(algorithms=[HnswAlgorithmConfiguration(name="hnsw")],
                                   profiles=[VectorSearchProfile(name="p", algorithm_configuration_name="hnsw")]),
    )


BOOKS = [
    {"id": "1", "title": "Bridges of the North", "content": "Steel truss bridges span the cold rivers.", "year": 1990,
     "rating": 4.5, "available": True, "tags": ["engineering", "history"], "vec": [1.0, 0.0, 0.0]},
    {"id": "2", "title": "Baking Bread", "content": "Sourdough needs a lively starter and patience.", "year": 2005,
     "rating": 3.9, "available": False, "tags": ["cooking"], "vec": [0.0, 1.0, 0.0]},
    {"id": "3", "title": "Rivers and Floods", "content": "Floods reshape river banks and bridges alike.", "year": 2015,
     "rating": 4.8, "available": True, "tags": ["geography", "history"], "vec": [0.7, 0.0, 0.7]},
]


def test_index_lifecycle(index_client, index_name):
    created = index_client.create_index(make_index(index_name))
    assert created.name == index_name
    assert {f.name for f in created.fields} >= {"id", "title", "vec"}
    got = index_client.get_index(index_name)
    assert [f.name for f in got.fields if f.key] == ["id"]
    assert got.e_tag
    assert index_name in list(index_client.list_index_names())
    index = make_index(index_name)
    from azure.search.documents.indexes.models import SimpleField, SearchFieldDataType
    index.fields.append(SimpleField(name="pages", type=SearchFieldDataType.Int32, filterable=True))
    updated = index_client.create_or_update_index(index)
    assert "pages" in {f.name for f in updated.fields}
    with pytest.raises(HttpResponseError) as err:
        index_client.create_index(make_index(index_name))
    assert err.value.status_code == 409
    index_client.delete_index(index_name)
    with pytest.raises(ResourceNotFoundError):
        index_client.get_index(index_name)


def test_bad_index_definitions_get_azure_errors(index_client, server):
    import requests

    bad = {"name": "Bad_Name", "fields": [{"name": "id", "type": "Edm.String", "key": True}]}
    r = requests.post(f"{server.url}/indexes?api-version=2024-07-01", json=bad, headers={"api-key": "k"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] and "index name" in r.json()["error"]["message"]
    nokey = {"name": "nokey", "fields": [{"name": "id", "type": "Edm.String"}]}
    r = requests.post(f"{server.url}/indexes?api-version=2024-07-01", json=nokey, headers={"api-key": "k"})
    assert r.status_code == 400 and "key field" in r.json()["error"]["message"]
    r = requests.post(f"{server.url}/indexes?api-version=2024-07-01", data=b"{not json", headers={"api-key": "k"})
    assert r.status_code == 400 and "error" in r.json()
    r = requests.get(f"{server.url}/indexes('nope')?api-version=2024-07-01", headers={"api-key": "k"})
    assert r.status_code == 404 and r.json()["error"]["message"]
    r = requests.get(f"{server.url}/indexes?api-version=2024-07-01")
    assert r.status_code == 401
    r = requests.get(f"{server.url}/indexes", headers={"api-key": "k"})
    assert r.status_code == 400


def test_document_actions(index_client, index_name, server):
    index_client.create_index(make_index(index_name))
    client = search_client(server, index_name)
    results = client.upload_documents(BOOKS)
    assert [r.succeeded for r in results] == [True, True, True]
    assert [r.status_code for r in results] == [201, 201, 201]
    assert client.get_document_count() == 3
    doc = client.get_document("1")
    assert doc["title"] == "Bridges of the North" and doc["tags"] == ["engineering", "history"]
    assert "vec" not in client.get_document("1", selected_fields=["title"])

    client.merge_documents([{"id": "2", "rating": 4.1}])
    merged = client.get_document("2")
    assert merged["rating"] == 4.1 and merged["title"] == "Baking Bread"

    client.merge_or_upload_documents([{"id": "4", "title": "Tunnels", "content": "Boring machines dig tunnels."},
                                      {"id": "1", "year": 1991}])
    assert client.get_document("4")["title"] == "Tunnels"
    assert client.get_document("1")["year"] == 1991
    assert client.get_document("1")["content"].startswith("Steel")

    client.delete_documents([{"id": "4"}])
    with pytest.raises(ResourceNotFoundError):
        client.get_document("4")
    assert client.get_document_count() == 3


def test_partial_failure_answers_207(index_client, index_name, server):
    import requests

    index_client.create_index(make_index(index_name))
    client = search_client(server, index_name)
    results = client.index_documents(_batch([("upload", {"id": "a", "title": "ok"}),
                                             ("merge", {"id": "missing", "title": "x"})]))
    assert [(r.key, r.succeeded, r.status_code) for r in results] == [("a", True, 201), ("missing", False, 404)]
    r = requests.post(f"{server.url}/indexes('{index_name}')/docs/search.index?api-version=2024-07-01",
                      headers={"api-key": "k"}, json={"value": [{"@search.action": "upload", "id": "b"},
                                                                {"@search.action": "upload", "id": "bad key!"}]})
    assert r.status_code == 207
    assert [v["status"] for v in r.json()["value"]] == [True, False]
    r = requests.post(f"{server.url}/indexes('{index_name}')/docs/search.index?api-version=2024-07-01",
                      headers={"api-key": "k"}, json={"value": [{"@search.action": "upload", "id": "c", "nope": 1}]})
    assert r.status_code == 400 and "nope" in r.json()["error"]["message"]
    r = requests.post(f"{server.url}/indexes('{index_name}')/docs/search.index?api-version=2024-07-01",
                      headers={"api-key": "k"}, json={"value": [{"@search.action": "upload", "id": "c",
                                                                 "vec": [1.0, 2.0]}]})
    assert r.status_code == 400 and "dimensions" in r.json()["error"]["message"]
    for bad in ({"year": "1990"}, {"available": "yes"}, {"tags": "history"}, {"rating": True}):
        r = requests.post(f"{server.url}/indexes('{index_name}')/docs/search.index?api-version=2024-07-01",
                          headers={"api-key": "k"}, json={"value": [{"@search.action": "upload", "id": "d", **bad}]})
        assert r.status_code == 400 and "expected type" in r.json()["error"]["message"], bad


def _batch(actions):
    from azure.search.documents import IndexDocumentsBatch

    batch = IndexDocumentsBatch()
    for action, doc in actions:
        {"upload": batch.add_upload_actions, "merge": batch.add_merge_actions}[action]([doc])
    return batch


def test_deleting_what_does_not_exist(server):
    import requests

    for path in ("indexes('ghost')", "indexers('ghost')", "datasources('ghost')"):
        r = requests.delete(f"{server.url}/{path}?api-version=2024-07-01", headers={"api-key": "k"})
        assert r.status_code == 404 and r.json()["error"]["message"], path


def test_admin_reset_wipes_indexes(fresh_server):
    """On a server of its own: a reset of the shared one would pull data from under other suites' fixtures."""
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents.indexes import SearchIndexClient

    fresh_server.start()
    client = SearchIndexClient(fresh_server.url, AzureKeyCredential("k"))
    client.create_index(make_index("before-reset"))
    fresh_server.reset()
    assert list(client.list_index_names()) == []
    client.create_index(make_index("after-reset"))
    assert list(client.list_index_names()) == ["after-reset"]
