"""The Blob storage pages in a real browser, with containers and blobs made through azure-storage-blob."""

from __future__ import annotations

import os

import requests
from azure.storage.blob import StandardBlobTier
from playwright.sync_api import expect

from tests.blobs.conftest import service_client

from .conftest import assert_not_pwned

PREFIX = "/_cloudlet/dashboard"
HOSTILE_NAME = 'docs/<img src=x onerror="window.__pwned=1">.txt'


def _container(server, unique):
    service = service_client(server.blob_url)
    container = service.create_container(f"media-{unique}", metadata={"team": "<b>ops</b>"})
    container.upload_blob("docs/readme.txt", b"hello from the readme", metadata={"owner": "<script>x</script>"},
                          tags={"project": "cloudlet"}, standard_blob_tier=StandardBlobTier.COOL)
    container.upload_blob(HOSTILE_NAME, b"hostile", metadata={"note": '"><script>window.__pwned=2</script>'})
    container.upload_blob("top.bin", os.urandom(2048))
    return container


def test_browse_download_and_sas(server, page, shot, unique):
    container = _container(server, unique)
    container.get_blob_client("top.bin").acquire_lease(lease_duration=-1)

    page.goto(f"{server.url}{PREFIX}/blobs")
    row = page.locator(f'tr[data-container="media-{unique}"]')
    expect(row).to_contain_text("<b>ops</b>")
    shot("blobs")
    row.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(f"media-{unique}")
    expect(page.locator('tr[data-blob="top.bin"]')).to_contain_text("leased")
    page.locator('tr.dir a', has_text="docs/").click()
    rows = page.locator("table.blobs tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.blobs")).to_contain_text('<img src=x onerror="window.__pwned=1">.txt')
    assert_not_pwned(page)
    expect(page.locator('tr[data-blob="docs/readme.txt"]')).to_contain_text("Cool")
    shot("container")

    page.locator('tr[data-blob="docs/readme.txt"] a').click()
    expect(page.locator("#blob-props")).to_contain_text("21 bytes")
    expect(page.locator("main")).to_contain_text("<script>x</script>")  # metadata, as text
    expect(page.locator("main")).to_contain_text("cloudlet")  # its tag
    with page.expect_download() as download:
        page.locator("#download").click()
    assert open(download.value.path(), "rb").read() == b"hello from the readme"

    # A SAS URL that reads the blob and nothing else.
    page.locator("#sas-form input[name=hours]").fill("2")
    page.locator("#sas-form button").click()
    expect(page.locator("#sas-url")).to_be_visible()
    sas_url = page.locator("#sas-url").inner_text()
    assert "sp=r&" in sas_url and "sig=" in sas_url
    assert requests.get(sas_url, timeout=10).content == b"hello from the readme"
    assert requests.delete(sas_url, timeout=10).status_code == 403
    shot("blob")

    # The hostile blob's own page.
    page.goto(f"{server.url}{PREFIX}/blobs/devstoreaccount1/media-{unique}?prefix=docs/")
    page.locator("table.blobs a", has_text="onerror").click()
    expect(page.locator("#blob-props")).to_contain_text(HOSTILE_NAME)
    expect(page.locator("main")).to_contain_text("window.__pwned=2")
    assert_not_pwned(page)


def test_upload_in_blocks_drop_and_delete(server, page, unique):
    service = service_client(server.blob_url)
    container = service.create_container(f"uploads-{unique}")
    page.goto(f"{server.url}{PREFIX}/blobs/devstoreaccount1/uploads-{unique}")

    big = os.urandom(9 * 1024 * 1024 + 123)
    page.locator("#upload-input").set_input_files([{"name": "big.bin", "mimeType": "application/x-test", "buffer": big}])
    expect(page.locator("#flash")).to_contain_text("Uploaded big.bin", timeout=30_000)
    expect(page.locator("#flash")).to_contain_text("in 3 blocks")
    expect(page.locator('tr[data-blob="big.bin"]')).to_contain_text("9.0 MiB")
    blob = container.get_blob_client("big.bin")
    assert blob.download_blob().readall() == big
    assert blob.get_blob_properties().content_settings.content_type == "application/x-test"
    assert len(blob.get_block_list("committed")[0]) == 3

    page.locator("#upload-input").set_input_files([{"name": "empty.txt", "mimeType": "text/plain", "buffer": b""}])
    expect(page.locator("#flash")).to_contain_text("Uploaded empty.txt (0 B in 0 blocks)")
    assert container.get_blob_client("empty.txt").download_blob().readall() == b""

    page.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["dropped!"], "dropped.txt", {type: "text/plain"}));
        document.getElementById("dropzone").dispatchEvent(
            new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""")
    expect(page.locator('tr[data-blob="dropped.txt"]')).to_have_count(1)
    assert container.get_blob_client("dropped.txt").download_blob().readall() == b"dropped!"

    page.locator('tr[data-blob="dropped.txt"] a').click()
    page.locator("#delete-form button").click()
    expect(page.locator("h1")).to_contain_text(f"uploads-{unique}")
    expect(page.locator("#flash")).to_contain_text("Deleted dropped.txt")  # carried over the redirect
    expect(page.locator('tr[data-blob="dropped.txt"]')).to_have_count(0)
    assert not container.get_blob_client("dropped.txt").exists()


def test_an_unknown_container_is_a_404(server, page):
    answer = page.goto(f"{server.url}{PREFIX}/blobs/devstoreaccount1/no-such-container")
    assert answer.status == 404
