"""Azure OpenAI "On Your Data" through the openai SDK's AzureOpenAI client, over a Cloudlet index."""

from __future__ import annotations

import json
import re

import openai
import pytest

from .conftest import openai_client, search_client

REFUSAL = "The requested information is not available in the retrieved data. Please try another query or topic."
CHUNKS = [
    ("marlow-1", "Marlow Bridge", "The Marlow suspension bridge was completed in 1832. Its engineer was William "
     "Tierney Clark, who later built a larger copy in Budapest."),
    ("marlow-2", "Marlow Bridge", "The bridge deck of the Marlow bridge was rebuilt in 1966 with steel "
     "stiffening girders to carry modern traffic."),
    ("bread-1", "Sourdough Basics", "A sourdough starter is fed with equal weights of flour and water every day. "
     "Rye flour makes the starter more active."),
    ("bees-1", "Keeping Bees", "A healthy honey bee colony in summer holds about fifty thousand workers. The queen "
     "lays up to two thousand eggs a day."),
]


@pytest.fixture
def library(index_client, index_name, server):
    from azure.search.documents.indexes.models import (HnswAlgorithmConfiguration, SearchField, SearchFieldDataType,
                                                       SearchIndex, SearchableField, SimpleField, VectorSearch,
                                                       VectorSearchProfile)

    index_client.create_index(SearchIndex(
        name=index_name,
        fields=[SimpleField(name="id", type=SearchFieldDataType.String, key=True),
                SearchableField(name="title", type=SearchFieldDataType.String),
                SearchableField(name="content", type=SearchFieldDataType.String),
                SimpleField(name="url", type=SearchFieldDataType.String),
                SimpleField(name="filepath", type=SearchFieldDataType.String, filterable=True),
                SearchField(name="vector", type=SearchFieldDataType.Collection(SearchFieldDataType.Single),
                            searchable=True, vector_search_dimensions=384, vector_search_profile_name="p")],
        vector_search=VectorSearch(algorithms=[HnswAlgorithmConfiguration(name="h")],
                                   profiles=[VectorSearchProfile(name="p", algorithm_configuration_name="h")])))
    client = openai_client(server)
    vectors = client.embeddings.create(model="embed", input=[c[2] for c in CHUNKS]).data
    assert len(vectors) == len(CHUNKS) and len(vectors[0].embedding) == 384
    search_client(server, index_name).upload_documents([
        {"id": key, "title": title, "content": text, "url": f"http://library/{key}.md", "filepath": f"{key}.md",
         "vector": v.embedding} for (key, title, text), v in zip(CHUNKS, vectors)])
    return index_name


def data_source(server, index, **params):
    return [{"type": "azure_search", "parameters": {
        "endpoint": server.url, "index_name": index, "authentication": {"type": "api_key", "key": "k"},
        **params}}]


def ask(server, index, question, history=(), **params):
    client = openai_client(server)
    messages = [*history, {"role": "user", "content": question}]
    return client.chat.completions.create(model="gpt-4o", messages=messages,
                                          extra_body={"data_sources": data_source(server, index, **params)})


def check_citations(message):
    """Every [docN] follows a sentence found verbatim in citation N's content."""
    context = message.context
    refs = re.findall(r"([^\[\]]+?)\s*\[doc(\d+)\]", message.content)
    assert refs
    for sentence, n in refs:
        cited = context["citations"][int(n) - 1]
        assert sentence.strip() in cited["content"], (sentence, cited)
    return refs


@pytest.mark.parametrize("query_type", ["simple", "vector", "vector_simple_hybrid"])
def test_answer_cites_the_right_chunk(server, library, query_type):
    completion = ask(server, library, "Who was the engineer of the Marlow bridge?", query_type=query_type)
    message = completion.choices[0].message
    assert message.role == "assistant"
    assert message.end_turn is True if hasattr(message, "end_turn") else message.model_extra["end_turn"]
    refs = check_citations(message)
    cited = message.context["citations"][int(refs[0][1]) - 1]
    assert cited["chunk_id"] == "marlow-1" and cited["title"] == "Marlow Bridge"
    assert cited["url"] == "http://library/marlow-1.md" and cited["filepath"] == "marlow-1.md"
    assert "William Tierney Clark" in message.content
    assert json.loads(message.context["intent"]) == ["Who was the engineer of the Marlow bridge?"]


def test_out_of_scope_refuses_with_azure_text(server, library):
    completion = ask(server, library, "What is the boiling point of liquid nitrogen in kelvin?", strictness=4)
    message = completion.choices[0].message
    assert message.content == REFUSAL
    assert message.context["citations"] == []


def test_follow_up_uses_history(server, library):
    history = [{"role": "user", "content": "Tell me about the Marlow bridge"},
               {"role": "assistant", "content": "It is a suspension bridge [doc1]."}]
    completion = ask(server, library, "When was its deck rebuilt?", history=history)
    message = completion.choices[0].message
    intent = json.loads(message.context["intent"])
    assert "Marlow" in intent[0] and intent[-1] == "When was its deck rebuilt?"
    assert "1966" in message.content
    check_citations(message)


def test_filter_limits_the_data(server, library):
    completion = ask(server, library, "Who was the engineer of the Marlow bridge?", filter="filepath eq 'bees-1.md'")
    assert completion.choices[0].message.content == REFUSAL


def test_streaming_puts_context_first(server, library):
    client = openai_client(server)
    stream = client.chat.completions.create(
        model="gpt-4o", stream=True, messages=[{"role": "user", "content": "How many eggs does a queen bee lay?"}],
        extra_body={"data_sources": data_source(server, library)})
    chunks = list(stream)
    first = chunks[0].choices[0].delta
    assert first.role == "assistant"
    context = first.model_extra["context"]
    assert context["citations"][0]["chunk_id"] == "bees-1"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "two thousand eggs" in text and "[doc1]" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].choices[0].model_extra["end_turn"] is True
    assert all(c.choices[0].model_extra["end_turn"] is False for c in chunks[:-1])
    assert chunks[0].object == "extensions.chat.completion.chunk"
    assert all("context" not in (c.choices[0].delta.model_extra or {}) for c in chunks[1:])


def test_bad_requests(server, library):
    client = openai_client(server)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}],
                                       extra_body={"data_sources": data_source(server, "no-such-index")})
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}],
                                       extra_body={"data_sources": data_source(server, library, strictness=9)})
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}],
                                       extra_body={"data_sources": data_source(server, library, filter="nope eq 1")})
    assert err.value.body["code"] == "BadRequest"
    import requests

    url = f"{server.url}/openai/deployments/m/chat/completions?api-version=2024-10-21"
    r = requests.post(url, json={"messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 401 and r.json()["error"]["code"] == "401"
    r = requests.post(url, data=b"{oops", headers={"api-key": "k"})
    assert r.status_code == 400 and r.json()["error"]["message"]


def test_fields_mapping_and_text_vector_queries(server, index_client, index_name):
    import requests
    from azure.search.documents.models import VectorizableTextQuery

    body = {"name": index_name, "fields": [
        {"name": "key", "type": "Edm.String", "key": True},
        {"name": "heading", "type": "Edm.String", "searchable": True},
        {"name": "body", "type": "Edm.String", "searchable": True},
        {"name": "source", "type": "Edm.String"},
        {"name": "emb", "type": "Collection(Edm.Single)", "dimensions": 384, "vectorSearchProfile": "p"}],
        "vectorSearch": {"algorithms": [{"name": "h", "kind": "hnsw"}],
                         "profiles": [{"name": "p", "algorithm": "h", "vectorizer": "v"}],
                         "vectorizers": [{"name": "v", "kind": "azureOpenAI", "azureOpenAIParameters": {
                             "resourceUri": server.url, "deploymentId": "embed", "modelName": "text-embedding-3-small"}}]}}
    r = requests.post(f"{server.url}/indexes?api-version=2024-07-01", json=body, headers={"api-key": "k"})
    assert r.status_code == 201, r.text
    client = openai_client(server)
    texts = [c[2] for c in CHUNKS]
    vectors = client.embeddings.create(model="embed", input=texts).data
    search_client(server, index_name).upload_documents([
        {"key": k, "heading": t, "body": text, "source": f"shelf/{k}", "emb": v.embedding}
        for (k, t, text), v in zip(CHUNKS, vectors)])
    hits = list(search_client(server, index_name).search(
        None, vector_queries=[VectorizableTextQuery(text="insects making honey", k_nearest_neighbors=1, fields="emb")]))
    assert [h["key"] for h in hits] == ["bees-1"]
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "What flour livens up a starter?"}],
        extra_body={"data_sources": [{"type": "azure_search", "parameters": {
            "endpoint": server.url, "index_name": index_name, "query_type": "vector",
            "fields_mapping": {"content_fields": ["body"], "title_field": "heading", "filepath_field": "source",
                               "vector_fields": ["emb"]}}}]})
    message = completion.choices[0].message
    check_citations(message)
    first = message.context["citations"][0]
    assert first["title"] == "Sourdough Basics" and first["filepath"] == "shelf/bread-1" and first["url"] is None
    assert "Rye flour" in message.content
