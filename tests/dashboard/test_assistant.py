"""The Assistant page in a real browser: an index, a blob data source and an indexer made with
azure-search-documents over blobs uploaded with azure-storage-blob; a chat answer with clickable citations."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.assistant.conftest import blob_connection_string, blob_service
from tests.assistant.test_indexer import chunk_index, wait_for

from .conftest import HOSTILE, assert_not_pwned

PREFIX = "/_cloudlet/dashboard"


def test_indexes_indexers_and_chat(server, page, shot, unique):
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents.indexes import SearchIndexClient, SearchIndexerClient
    from azure.search.documents.indexes.models import (SearchIndexer, SearchIndexerDataContainer,
                                                       SearchIndexerDataSourceConnection)

    container = blob_service(server.blob_url).create_container(f"lib-{unique}")
    container.upload_blob("bees.txt", b"A honey bee colony keeps about fifty thousand workers in summer.")
    container.upload_blob("bridges.md", b"# Bridges\n\nThe Marlow suspension bridge opened in 1832.")
    container.upload_blob(f"notes/{HOSTILE}.pdf", b"%PDF-1.4 not really a pdf " + HOSTILE.encode())
    index = f"library-{unique}"
    SearchIndexClient(server.url, AzureKeyCredential("k")).create_index(chunk_index(index))
    indexers = SearchIndexerClient(server.url, AzureKeyCredential("k"))
    indexers.create_data_source_connection(SearchIndexerDataSourceConnection(
        name=f"ds-{unique}", type="azureblob", connection_string=blob_connection_string(server.blob_url),
        container=SearchIndexerDataContainer(name=f"lib-{unique}")))
    indexers.create_indexer(SearchIndexer(name=f"ix-{unique}", data_source_name=f"ds-{unique}",
                                          target_index_name=index))
    wait_for(lambda: (s := indexers.get_indexer_status(f"ix-{unique}").last_result) and s.status != "inProgress")

    page.goto(f"{server.url}{PREFIX}/assistant")
    expect(page.locator(f'tr[data-index="{index}"] td.docs')).not_to_have_text("0")
    expect(page.locator(f'tr[data-datasource="ds-{unique}"]')).to_contain_text(f"lib-{unique}")
    row = page.locator(f'tr[data-indexer="ix-{unique}"]')
    expect(row).to_contain_text("3 of 3 processed, 1 failed")
    expect(row.locator("li.issue-error")).to_contain_text(HOSTILE)  # the failed blob's name, as text
    assert_not_pwned(page)

    row.locator("button").click()  # run again: nothing changed, so nothing to process
    expect(page.locator("#flash")).to_contain_text(f"Indexer ix-{unique} is running")
    expect(row.locator("div.run")).to_have_count(2, timeout=30_000)

    page.locator("#chat-form select[name=index]").select_option(index)
    page.locator("#chat-form input[name=question]").fill("How many workers does a honey bee colony keep?")
    page.locator("#chat-form button").click()
    answer = page.locator("#chat-answer")
    expect(answer).to_contain_text("fifty thousand", timeout=30_000)
    expect(answer.locator("a.cite").first).to_be_visible()
    answer.locator("a.cite").first.click()
    cited = answer.locator("details.citation[open]")
    expect(cited).to_contain_text("bees.txt")
    shot("assistant")
    cited.locator("summary a").click()  # the cited blob, on the blob storage pages
    expect(page.locator("#blob-props")).to_contain_text("bees.txt")
