"""Cross-site protections, over plain HTTP: the CSRF token, Origin, Sec-Fetch-Site and the Host check."""

from __future__ import annotations

import re

import requests

PREFIX = "/_cloudlet/dashboard"


def _token(server) -> str:
    html = requests.get(server.url + PREFIX + "/", timeout=10).text
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _send_url(server, sqs, name):
    sqs.create_queue(QueueName=name)
    return f"{server.url}{PREFIX}/queues/000000000000/us-east-1/{name}/send"


def _depth(sqs, server, name) -> int:
    url = f"{server.url}/000000000000/{name}"
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"])


def test_post_without_token_is_refused(server, sqs, unique):
    url = _send_url(server, sqs, f"guard-{unique}")
    answer = requests.post(url, data={"body": "hello"}, timeout=10)
    assert answer.status_code == 403
    assert _depth(sqs, server, f"guard-{unique}") == 0


def test_post_with_token_from_another_site_is_refused(server, sqs, unique):
    url = _send_url(server, sqs, f"guard-{unique}")
    token = _token(server)
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        answer = requests.post(url, data={"body": "hello", "csrf": token}, headers=headers, timeout=10)
        assert answer.status_code == 403, headers
    assert _depth(sqs, server, f"guard-{unique}") == 0


def test_post_with_token_from_the_dashboard_is_done(server, sqs, unique):
    url = _send_url(server, sqs, f"guard-{unique}")
    answer = requests.post(url, data={"body": "hello", "csrf": _token(server)},
                           headers={"Origin": server.url, "Sec-Fetch-Site": "same-origin", "X-Cloudlet-CSRF": _token(server)},
                           timeout=10)
    assert answer.status_code == 200 and answer.json()["ok"], answer.text
    assert _depth(sqs, server, f"guard-{unique}") == 1


def test_a_foreign_host_name_is_refused(server):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 must not read the dashboard (or its token)."""
    answer = requests.get(server.url + PREFIX + "/", headers={"Host": "evil.example:4566"}, timeout=10)
    assert answer.status_code == 403
    assert "csrf-token" not in answer.text
    assert requests.get(server.url + PREFIX + "/", headers={"Host": f"localhost:{server.port}"}, timeout=10).ok


def test_pages_forbid_inline_script_and_framing(server):
    answer = requests.get(server.url + PREFIX + "/queues", timeout=10)
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
