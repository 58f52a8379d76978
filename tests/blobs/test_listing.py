"""List Blobs: prefix, delimiter (virtual directories), marker continuation, maxresults, include options."""

from __future__ import annotations

import base64
import concurrent.futures

import requests
from azure.storage.blob import generate_container_sas, ContainerSasPermissions
from datetime import datetime, timedelta, timezone

from .conftest import ACCOUNT, KEY


def _fill(container, names):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: container.upload_blob(n, n.encode()), names))


def test_prefix_delimiter_and_pages(container):
    names = [f"photos/2024/{i:03d}.jpg" for i in range(12)] + [f"photos/2025/{i}.jpg" for i in range(3)] + \
            ["photos/readme.txt", "videos/a.mp4", "root.txt"]
    _fill(container, names)
    assert sorted(b.name for b in container.list_blobs()) == sorted(names)
    assert [b.name for b in container.list_blobs(name_starts_with="photos/2025/")] == \
        [f"photos/2025/{i}.jpg" for i in range(3)]
    top = sorted(item.name for item in container.walk_blobs(delimiter="/"))
    assert top == ["photos/", "root.txt", "videos/"]
    inner = sorted(item.name for item in container.walk_blobs(name_starts_with="photos/", delimiter="/"))
    assert inner == ["photos/2024/", "photos/2025/", "photos/readme.txt"]
    pages = container.list_blobs(name_starts_with="photos/2024/", results_per_page=5).by_page()
    sizes, seen = [], []
    for page in pages:
        items = [b.name for b in page]
        sizes.append(len(items))
        seen += items
    assert sizes == [5, 5, 2] and seen == [f"photos/2024/{i:03d}.jpg" for i in range(12)]
    # delimiter pages: a virtual directory counts once and is never repeated across pages
    walked = container.list_blobs(results_per_page=1).by_page()
    assert sum(1 for page in walked for _ in page) == len(names)


def test_include_metadata_uncommitted_and_raw_xml(server, container):
    container.upload_blob("m", b"1", metadata={"k": "v"})
    container.upload_blob("z", b"2")
    container.get_blob_client("staged-only").stage_block(base64.b64encode(b"b1").decode(), b"zzz")
    listed = {b.name: b for b in container.list_blobs(include=["metadata"])}
    assert listed["m"].metadata == {"k": "v"} and "staged-only" not in listed
    with_uncommitted = [b.name for b in container.list_blobs(include=["uncommittedblobs"])]
    assert with_uncommitted == ["m", "staged-only", "z"]
    sas = generate_container_sas(ACCOUNT, container.container_name, account_key=KEY,
                                 permission=ContainerSasPermissions(list=True),
                                 expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    r = requests.get(f"{server.blob_url}/{ACCOUNT}/{container.container_name}?restype=container&comp=list"
                     f"&maxresults=1&{sas}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/xml"
    assert b"<MaxResults>1</MaxResults>" in r.content and b"<NextMarker>" in r.content
    r = requests.get(f"{server.blob_url}/{ACCOUNT}/{container.container_name}?restype=container&comp=list"
                     f"&maxresults=0&{sas}")
    assert r.status_code == 400


def test_many_blobs_listing_is_ordered(container):
    names = [f"n{i:05d}" for i in range(600)]
    _fill(container, names)
    got = [b.name for b in container.list_blobs(results_per_page=250)]
    assert got == names
