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


DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def blob_connection_string(blob_url: str) -> str:
    """The published development account, as Azurite users write it."""
    return (f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint={blob_url}/{DEV_ACCOUNT};")


def blob_service(blob_url: str):
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient.from_connection_string(blob_connection_string(blob_url), retry_total=0)
