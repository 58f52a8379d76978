"""Blob fixtures: the real azure-storage-blob SDK pointed at the server's blob port, a fresh container per test."""

from __future__ import annotations

import uuid

import pytest

ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def connection_string(blob_url: str) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={blob_url}/{ACCOUNT};")


def service_client(blob_url: str, **kwargs):
    from azure.storage.blob import BlobServiceClient

    kwargs.setdefault("retry_total", 0)
    return BlobServiceClient.from_connection_string(connection_string(blob_url), **kwargs)


@pytest.fixture
def blob_service(server):
    return service_client(server.blob_url)


@pytest.fixture
def container(blob_service):
    client = blob_service.create_container(f"t{uuid.uuid4().hex[:20]}")
    yield client
    try:
        client.delete_container()
    except Exception:
        pass


def error_code(response) -> str:
    """x-ms-error-code of a raw `requests` response, checked against the XML body's <Code>."""
    import re

    code = response.headers.get("x-ms-error-code", "")
    if response.content:
        match = re.search(rb"<Code>([^<]+)</Code>", response.content)
        assert match and match.group(1).decode() == code, response.content
    return code
