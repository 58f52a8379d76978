"""Block blobs through the SDK: put, get (whole and ranged), properties, metadata, blocks, chunked uploads."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobBlock, BlobType, BlockState, ContentSettings

from .conftest import service_client


def test_put_get_roundtrip_with_properties(container):
    data = os.urandom(10_000)
    blob = container.get_blob_client("dir/sub/file.bin")
    blob.upload_blob(data, metadata={"owner": "ada"}, content_settings=ContentSettings(
        content_type="image/png", cache_control="max-age=60", content_language="en",
        content_disposition="inline", content_encoding="identity"))
    assert blob.download_blob().readall() == data
    props = blob.get_blob_properties()
    assert props.size == len(data)
    assert props.metadata == {"owner": "ada"}
    assert props.content_settings.content_type == "image/png"
    assert props.content_settings.cache_control == "max-age=60"
    assert props.content_settings.content_language == "en"
    assert props.content_settings.content_disposition == "inline"
    assert bytes(props.content_settings.content_md5) == hashlib.md5(data).digest()
    assert props.blob_type == BlobType.BLOCKBLOB
    assert props.blob_tier == "Hot" and props.blob_tier_inferred


def test_overwrite_and_no_overwrite(container):
    blob = container.get_blob_client("x")
    blob.upload_blob(b"one")
    with pytest.raises(ResourceExistsError) as err:
        blob.upload_blob(b"two")
    assert err.value.error_code == "BlobAlreadyExists"
    blob.upload_blob(b"three", overwrite=True)
    assert blob.download_blob().readall() == b"three"


def test_ranged_downloads(server, container):
    data = os.urandom(100_000)
    blob = container.get_blob_client("ranged")
    blob.upload_blob(data)
    assert blob.download_blob(offset=10, length=90).readall() == data[10:100]
    assert blob.download_blob(offset=99_990).readall() == data[99_990:]
    small_chunks = service_client(server.blob_url, max_single_get_size=4096, max_chunk_get_size=4096)
    chunked = small_chunks.get_blob_client(container.container_name, "ranged")
    assert chunked.download_blob(max_concurrency=4).readall() == data
    assert chunked.download_blob(validate_content=True).readall() == data


def test_empty_blob(container):
    blob = container.get_blob_client("empty")
    blob.upload_blob(b"")
    assert blob.download_blob().readall() == b""
    assert blob.get_blob_properties().size == 0


def test_missing_blob_and_container(container, blob_service):
    with pytest.raises(ResourceNotFoundError) as err:
        container.get_blob_client("nope").download_blob()
    assert err.value.error_code == "BlobNotFound"
    with pytest.raises(ResourceNotFoundError) as err:
        blob_service.get_blob_client("no-such-container", "x").upload_blob(b"1")
    assert err.value.error_code == "ContainerNotFound"


def test_chunked_upload_larger_than_single_put(server, container):
    client = service_client(server.blob_url, max_single_put_size=64 * 1024, max_block_size=32 * 1024)
    blob = client.get_blob_client(container.container_name, "big.bin")
    data = os.urandom(1_000_000 + 123)
    blob.upload_blob(data, max_concurrency=4)
    blocks = blob.get_block_list("committed")[0]
    assert len(blocks) == 31 and all(b.size <= 32 * 1024 for b in blocks)
    assert blob.download_blob().readall() == data
    assert blob.get_blob_properties().size == len(data)


def test_explicit_blocks_committed_uncommitted_latest(container):
    blob = container.get_blob_client("blocks")
    ids = [base64.b64encode(f"block-{i:03d}".encode()).decode() for i in range(3)]
    for i, block_id in enumerate(ids):
        blob.stage_block(block_id, f"part{i}".encode())
    committed, uncommitted = blob.get_block_list("all")
    assert committed == [] and [b.id for b in uncommitted] == ids
    blob.commit_block_list([BlobBlock(ids[0]), BlobBlock(ids[2])])
    assert blob.download_blob().readall() == b"part0part2"
    committed, uncommitted = blob.get_block_list("all")
    assert [b.id for b in committed] == [ids[0], ids[2]] and uncommitted == []
    # re-use a committed block and a newly staged one
    new_id = base64.b64encode(b"block-new").decode()
    blob.stage_block(new_id, b"NEW")
    blob.commit_block_list([BlobBlock(ids[2], BlockState.COMMITTED), BlobBlock(new_id, BlockState.UNCOMMITTED),
                            BlobBlock(ids[0], BlockState.LATEST)])
    assert blob.download_blob().readall() == b"part2NEWpart0"
    with pytest.raises(HttpResponseError) as err:
        blob.commit_block_list([BlobBlock(base64.b64encode(b"missing").decode())])
    assert err.value.error_code == "InvalidBlockList"
    assert blob.download_blob().readall() == b"part2NEWpart0"


@pytest.mark.parametrize("size", [10, 300 * 1024])  # an inline body and a file
def test_put_blob_discards_staged_blocks(container, size):
    blob = container.get_blob_client(f"staged-then-put-{size}")
    staged = base64.b64encode(b"staged").decode()
    blob.stage_block(staged, b"never committed")
    data = os.urandom(size)
    blob.upload_blob(data)
    assert blob.get_block_list("all") == ([], [])
    assert blob.download_blob().readall() == data
    with pytest.raises(HttpResponseError) as err:
        blob.commit_block_list([BlobBlock(staged)])
    assert err.value.error_code == "InvalidBlockList"
    # a name with no staged blocks keeps none after a put, and a later stage starts afresh
    blob.stage_block(staged, b"again")
    blob.commit_block_list([BlobBlock(staged)])
    assert blob.download_blob().readall() == b"again"

def test_content_md5_validated_on_upload(container):
    blob = container.get_blob_client("md5")
    blob.upload_blob(b"checked", validate_content=True)
    assert blob.download_blob(validate_content=True).readall() == b"checked"


def test_set_properties_and_metadata(container):
    blob = container.get_blob_client("props")
    blob.upload_blob(b"x")
    etag = blob.get_blob_properties().etag
    blob.set_blob_metadata({"a": "1", "b": "2"})
    blob.set_http_headers(ContentSettings(content_type="text/plain"))
    props = blob.get_blob_properties()
    assert props.metadata == {"a": "1", "b": "2"}
    assert props.content_settings.content_type == "text/plain"
    assert props.etag != etag


def test_delete_blob(container):
    blob = container.get_blob_client("gone")
    blob.upload_blob(b"x")
    blob.delete_blob()
    assert not blob.exists()
    with pytest.raises(ResourceNotFoundError):
        blob.delete_blob()


def test_unicode_and_tricky_names(container):
    names = ["héllo wörld/文件.txt", "a%2Fb", "sp ace+plus&amp", "q?=#", "tab\there", "ünï/..x", "a" * 1024]
    for name in names:
        container.get_blob_client(name).upload_blob(name.encode(), overwrite=True)
    for name in names:
        assert container.get_blob_client(name).download_blob().readall() == name.encode()
    listed = sorted(b.name for b in container.list_blobs())
    assert listed == sorted(names)


def test_crc64_validated_on_upload(server, container):
    """x-ms-content-crc64 is Azure's CRC-64; checked against azure-storage-extensions when it is installed."""
    import requests
    from datetime import datetime, timedelta, timezone
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    from .conftest import ACCOUNT, KEY, error_code

    data = b"crc me " * 100
    checksums = pytest.importorskip("azure.storage.extensions.checksums")
    crc = checksums.crc64.compute(data, 0).to_bytes(8, "little")
    sas = generate_blob_sas(ACCOUNT, container.container_name, "crc", account_key=KEY,
                            permission=BlobSasPermissions(write=True, create=True, read=True),
                            expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    url = f"{server.blob_url}/{ACCOUNT}/{container.container_name}/crc?{sas}"
    ok = requests.put(url, data=data, headers={"x-ms-blob-type": "BlockBlob",
                                               "x-ms-content-crc64": base64.b64encode(crc).decode()})
    assert ok.status_code == 201, ok.content
    bad = requests.put(url, data=data + b"!", headers={"x-ms-blob-type": "BlockBlob",
                                                        "x-ms-content-crc64": base64.b64encode(crc).decode()})
    assert bad.status_code == 400 and error_code(bad) == "Crc64Mismatch"
    assert requests.get(url).content == data
    container.get_blob_client("sdk-crc").upload_blob(data, validate_content="crc64")
    assert container.get_blob_client("sdk-crc").download_blob().readall() == data


def test_crc64_structured_messages(server, container):
    """The SDK's CRC-64 validation frames bodies as structured messages (uploads from streams, all downloads)."""
    import io

    pytest.importorskip("azure.storage.extensions.checksums")
    client = service_client(server.blob_url, max_single_put_size=64 * 1024, max_block_size=48 * 1024,
                            max_single_get_size=40 * 1024, max_chunk_get_size=40 * 1024)
    blob = client.get_blob_client(container.container_name, "framed.bin")
    data = os.urandom(150_000)
    blob.upload_blob(io.BytesIO(data), length=len(data), validate_content="crc64")
    assert blob.download_blob().readall() == data  # stored unframed
    assert blob.download_blob(validate_content="crc64").readall() == data
    assert blob.download_blob(offset=1000, length=5000, validate_content="crc64").readall() == data[1000:6000]
    small = container.get_blob_client("framed-small")
    small.upload_blob(io.BytesIO(b"tiny"), length=4, validate_content="crc64")
    assert small.download_blob(validate_content="crc64").readall() == b"tiny"
