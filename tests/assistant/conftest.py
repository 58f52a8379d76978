"""Clients for the assistant tests: the real azure-search-documents and openai SDKs against a live server."""

from __future__ import annotations

import uuid

import pytest

API_KEY = "cloudlet-test-key"


@pytest.fixture
def index_client(server):
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents.indexes import SearchIndexClient

    return SearchIndexClient(server.url, AzureKeyCredential(API_KEY))


@pytest.fixture
def index_name(index_client):
    name = f"t-{uuid.uuid4().hex[:10]}"
    yield name
    try:
        index_client.delete_index(name)
    except Exception:
        pass


def search_client(server, name):
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents import SearchClient

    return SearchClient(server.url, name, AzureKeyCredential(API_KEY))


def openai_client(server):
    from openai import AzureOpenAI

    return AzureOpenAI(azure_endpoint=server.url, api_key=API_KEY, api_version="2024-10-21", max_retries=0)
