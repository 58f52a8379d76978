"""The Overview page in a real browser: server facts, services with counts, live uptime, recent errors."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cloudlet import __version__

from .conftest import assert_not_pwned


def test_root_redirects_to_the_overview(server, sqs, page, shot, unique):
    sqs.create_queue(QueueName=f"overview-{unique}")
    page.goto(server.url + "/")
    assert page.url == server.url + "/_cloudlet/dashboard/"
    expect(page.locator("#version")).to_have_text(__version__)
    expect(page.locator("#data-dir")).to_contain_text(str(server.data_dir))
    expect(page.locator("#store")).to_contain_text("SQLite (WAL)")
    queues_row = page.locator('tr[data-service="queues"]')
    expect(queues_row).to_contain_text(re.compile(r"\d+ queues, \d+ messages"))
    first_uptime = page.locator("#uptime").inner_text()
    expect(page.locator("#uptime")).not_to_have_text(first_uptime, timeout=10_000)  # it refreshes live
    shot("overview")
    queues_row.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Queues")


def test_an_aws_request_to_root_is_not_the_dashboard(server, sqs):
    """The SDKs POST to /; only a plain browser GET / is the dashboard's."""
    import requests

    answer = requests.post(server.url + "/", data={"Action": "ListQueues", "Version": "2012-11-05"}, timeout=10)
    assert "ListQueuesResponse" in answer.text or "ListQueuesResult" in answer.text
    assert sqs.list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_recent_errors_appear_live(server, page):
    """A malformed HTTP request is logged as a warning; the open Overview shows it without a reload."""
    import socket

    page.goto(server.url + "/_cloudlet/dashboard/")
    before = int(page.locator("#errors-total").inner_text())
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"NOT HTTP <script>window.__pwned=1</script>\r\n\r\n")
        conn.recv(1000)
    # Other warnings may land meanwhile (the server is shared), so: more than before, and ours among them.
    page.wait_for_function("n => Number(document.getElementById('errors-total').textContent) > n", arg=before,
                           timeout=10_000)
    expect(page.locator("table.errors")).to_contain_text("Invalid HTTP request")
    assert_not_pwned(page)
