"""Escaping templates and the request guard, without a server."""

from __future__ import annotations

from cloudlet.dashboard.guard import Guard
from cloudlet.dashboard.markup import Safe, escape, h, join, path, size
from cloudlet.http import Request

from .conftest import HOSTILE


def test_values_are_escaped_and_safe_markup_is_not():
    out = h('<td title="{t}">{v}</td>', t='"><script>', v=HOSTILE)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&quot;&gt;" in out
    inner = h("<b>{x}</b>", x="<i>")
    assert h("<p>{inner}</p>", inner=inner) == "<p><b>&lt;i&gt;</b></p>"
    assert join(["<a>", Safe("<br>")]) == "&lt;a&gt;<br>"
    assert escape(None) == "" and h("{n:04d}", n=7) == "0007"


def test_braces_in_values_are_not_templates():
    assert h("<p>{v}</p>", v="{v} {0} {__class__}") == "<p>{v} {0} {__class__}</p>"


def test_paths_encode_every_segment():
    assert path("queues", "000000000000", "us-east-1", "a/b?c") == \
        "/_cloudlet/dashboard/queues/000000000000/us-east-1/a%2Fb%3Fc"
    assert path("blobs", query={"name": "x&y=<z>", "empty": ""}) == "/_cloudlet/dashboard/blobs?name=x%26y%3D%3Cz%3E"
    assert size(512) == "512 B" and size(9 * 1024 * 1024) == "9.0 MiB"


def _request(headers: dict[str, str], method: str = "POST") -> Request:
    scope = {"method": method, "path": "/_cloudlet/dashboard/x", "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    return Request(scope, b"")


def test_host_check_refuses_names_other_sites_could_point_here():
    guard = Guard("127.0.0.1")
    for host in ("localhost:4566", "127.0.0.1:4566", "[::1]:4566", "10.1.2.3", "app.localhost:4566"):
        assert guard.host_allowed(_request({"host": host})), host
    for host in ("evil.example", "evil.example:4566", "localhost.evil.example"):
        assert not guard.host_allowed(_request({"host": host})), host
    assert Guard("cloudlet").host_allowed(_request({"host": "cloudlet:4566"}))


def test_posts_need_the_token_and_a_same_origin():
    guard = Guard("127.0.0.1")
    ok = {"host": "localhost:4566", "origin": "http://localhost:4566", "sec-fetch-site": "same-origin"}
    assert guard.post_allowed(_request({**ok, "x-cloudlet-csrf": guard.token}), None) is None
    assert guard.post_allowed(_request(ok), guard.token) is None
    assert guard.post_allowed(_request(ok), "wrong") is not None
    assert guard.post_allowed(_request(ok), None) is not None
    assert guard.post_allowed(_request({**ok, "origin": "http://evil.example"}), guard.token) is not None
    assert guard.post_allowed(_request({**ok, "sec-fetch-site": "same-site"}), guard.token) is not None
    assert Guard("127.0.0.1").token != guard.token  # per process
