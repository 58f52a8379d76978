"""SharedKey and SharedKeyLite signed by hand (an implementation of Azure's documented string-to-sign that
shares no code with the server), plus x-ms-if-tags conditions."""

from __future__ import annotations

import base64
import hashlib
import hmac
from email.utils import formatdate
from urllib.parse import urlsplit, parse_qsl

import pytest
import requests
from azure.core.exceptions import ResourceModifiedError

from .conftest import ACCOUNT, KEY, error_code


def _sign(text: str) -> str:
    return base64.b64encode(hmac.new(base64.b64decode(KEY), text.encode(), hashlib.sha256).digest()).decode()


def _signed(method: str, url: str, headers: dict[str, str], lite: bool = False) -> dict[str, str]:
    headers = {"x-ms-date": formatdate(usegmt=True), "x-ms-version": "2025-11-05", **headers}
    parts = urlsplit(url)
    xms = "".join(f"{k}:{v}\n" for k, v in sorted((k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-ms-")))
    lower = {k.lower(): v for k, v in headers.items()}
    if lite:
        query = dict(parse_qsl(parts.query))
        resource = f"/{ACCOUNT}{parts.path}" + (f"?comp={query['comp']}" if "comp" in query else "")
        text = f"{method}\n{lower.get('content-md5', '')}\n{lower.get('content-type', '')}\n\n{xms}{resource}"
        return {**headers, "Authorization": f"SharedKeyLite {ACCOUNT}:{_sign(text)}"}
    length = lower.get("content-length", "")
    fields = [lower.get("content-encoding", ""), lower.get("content-language", ""), "" if length == "0" else length,
              lower.get("content-md5", ""), lower.get("content-type", ""), "", lower.get("if-modified-since", ""),
              lower.get("if-match", ""), lower.get("if-none-match", ""), lower.get("if-unmodified-since", ""),
              lower.get("range", "")]
    resource = f"/{ACCOUNT}{parts.path}" + "".join(f"\n{k.lower()}:{v}" for k, v in sorted(parse_qsl(parts.query)))
    text = method + "\n" + "\n".join(fields) + "\n" + xms + resource
    return {**headers, "Authorization": f"SharedKey {ACCOUNT}:{_sign(text)}"}


@pytest.mark.parametrize("lite", [False, True])
def test_hand_signed_requests(server, container, lite):
    url = f"{server.blob_url}/{ACCOUNT}/{container.container_name}/signed.txt"
    put = requests.put(url, data=b"signed", headers=_signed("PUT", url, {"x-ms-blob-type": "BlockBlob",
                                                                         "Content-Length": "6",
                                                                         "Content-Type": "text/plain"}, lite))
    assert put.status_code == 201, put.content
    get = requests.get(url, headers=_signed("GET", url, {}, lite))
    assert get.status_code == 200 and get.content == b"signed"
    listing = f"{server.blob_url}/{ACCOUNT}/{container.container_name}?comp=list&restype=container"
    assert requests.get(listing, headers=_signed("GET", listing, {}, lite)).status_code == 200
    bad = _signed("GET", url, {}, lite)
    bad["x-ms-date"] = formatdate(0, usegmt=True)  # signed headers changed after signing
    r = requests.get(url, headers=bad)
    assert r.status_code == 403 and error_code(r) == "AuthenticationFailed"


def test_if_tags_condition(container):
    blob = container.get_blob_client("tagged")
    blob.upload_blob(b"v1", tags={"state": "draft"})
    blob.upload_blob(b"v2", overwrite=True, if_tags_match_condition="\"state\" = 'draft'")
    with pytest.raises(ResourceModifiedError) as err:
        blob.set_blob_metadata({"a": "b"}, if_tags_match_condition="\"state\" = 'final'")
    assert err.value.status_code == 412
    with pytest.raises(ResourceModifiedError):
        blob.download_blob(if_tags_match_condition="\"state\" = 'final'")
