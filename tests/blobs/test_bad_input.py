"""Bad input answered with Azure's error XML and codes, never a 500; names that never escape the data dir."""

from __future__ import annotations

import http.client
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

from .conftest import ACCOUNT, KEY, error_code


def _sas() -> str:
    return generate_account_sas(ACCOUNT, KEY, ResourceTypes(service=True, container=True, object=True),
                                AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True,
                                                      create=True, tag=True), datetime.now(timezone.utc)
                                + timedelta(hours=1))


def test_error_xml_and_common_headers(server, container):
    url = f"{server.blob_url}/{ACCOUNT}/{container.container_name}/missing?{_sas()}"
    r = requests.get(url, headers={"x-ms-client-request-id": "abc-123", "x-ms-version": "2021-08-06"})
    assert r.status_code == 404 and error_code(r) == "BlobNotFound"
    assert r.headers["x-ms-client-request-id"] == "abc-123"
    assert r.headers["x-ms-version"] == "2021-08-06"
    assert r.headers["x-ms-request-id"] and r.headers["date"]
    assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code>')
    head = requests.head(url)
    assert head.status_code == 404 and head.headers["x-ms-error-code"] == "BlobNotFound" and not head.content


def test_bad_requests_get_azure_codes(server, container):
    base = f"{server.blob_url}/{ACCOUNT}/{container.container_name}"
    sas = _sas()
    cases = [
        (requests.put, f"{base}/b?{sas}", {"headers": {}, "data": b"x"}, 400, "MissingRequiredHeader"),
        (requests.put, f"{base}/b?{sas}", {"headers": {"x-ms-blob-type": "BlockBlob", "Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="},
                                            "data": b"x"}, 400, "Md5Mismatch"),
        (requests.put, f"{base}/b?{sas}", {"headers": {"x-ms-blob-type": "BlockBlob", "Content-MD5": "nope"},
                                            "data": b"x"}, 400, "InvalidMd5"),
        (requests.put, f"{base}/b?comp=block&blockid=***&{sas}", {"data": b"x"}, 400, "InvalidQueryParameterValue"),
        (requests.put, f"{base}/b?comp=blocklist&{sas}", {"data": b"<BlockList><Latest>"}, 400, "InvalidXmlDocument"),
        (requests.put, f"{base}/b?comp=blocklist&{sas}", {"data": b"<Nope/>"}, 400, "InvalidXmlDocument"),
        (requests.put, f"{base}/b?comp=tags&{sas}", {"data": b"<Tags><TagSet><Tag><Key>bad key!</Key><Value>v</Value>"
                                                            b"</Tag></TagSet></Tags>"}, 400, "InvalidTag"),
        (requests.put, f"{base}/b?{sas}", {"headers": {"x-ms-blob-type": "PageBlob", "x-ms-blob-content-length": "512"}},
         501, "NotImplemented"),
        (requests.get, f"{base}/b?comp=pagelist&{sas}", {}, 501, "NotImplemented"),
        (requests.put, f"{base}/b?{sas}", {"headers": {"x-ms-blob-type": "BlockBlob", "x-ms-meta-bad-name": "v"},
                                            "data": b"x"}, 400, "InvalidMetadata"),
        (requests.put, f"{base}/b?{sas}", {"headers": {"x-ms-blob-type": "BlockBlob", "If-Modified-Since": "yesterday"},
                                            "data": b"x"}, 400, "InvalidHeaderValue"),
        (requests.get, f"{base}/b?{sas}", {"headers": {"x-ms-range": "bytes=abc"}}, 400, "InvalidHeaderValue"),
        (requests.patch, f"{base}/b?{sas}", {}, 405, "UnsupportedHttpVerb"),
        (requests.get, f"{server.blob_url}/nosuchaccount/c/b?{sas}", {}, 400, "InvalidUri"),
        (requests.put, f"{base}/{'x' * 1025}?{sas}", {"headers": {"x-ms-blob-type": "BlockBlob"}, "data": b"x"},
         400, "InvalidResourceName"),
        (requests.get, f"{base}?restype=container&comp=list&include=bogus&{sas}", {}, 400,
         "InvalidQueryParameterValue"),
    ]
    for method, url, kwargs, status, code in cases:
        r = method(url, **kwargs)
        assert (r.status_code, error_code(r)) == (status, code), (url, r.content[:300])
    container.upload_blob("small", b"0123456789")
    r = requests.get(f"{base}/small?{sas}", headers={"x-ms-range": "bytes=20-30"})
    assert r.status_code == 416 and error_code(r) == "InvalidRange"
    r = requests.get(f"{base}/small?{sas}", headers={"Range": "bytes=2-4"})
    assert r.status_code == 206 and r.content == b"234" and r.headers["content-range"] == "bytes 2-4/10"


def test_short_body_is_never_committed(server, container):
    conn = http.client.HTTPConnection("127.0.0.1", server.blob_port, timeout=5)
    conn.putrequest("PUT", f"/{ACCOUNT}/{container.container_name}/short?{_sas()}")
    conn.putheader("x-ms-blob-type", "BlockBlob")
    conn.putheader("Content-Length", "1000")
    conn.endheaders()
    conn.send(b"only part of it")
    conn.close()
    assert not container.get_blob_client("short").exists()


def test_path_tricks_stay_inside_the_data_dir(server, container):
    sas = _sas()
    tricky = ["..%2F..%2F..%2Fescape", "%2E%2E/%2E%2E/escape2", "a/../../../../escape3", "nul%00byte",
              "..\\..\\escape4"]
    for name in tricky:
        conn = http.client.HTTPConnection("127.0.0.1", server.blob_port, timeout=5)
        conn.request("PUT", f"/{ACCOUNT}/{container.container_name}/{name}?{sas}", body=b"payload" * 10_000,
                     headers={"x-ms-blob-type": "BlockBlob"})
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status in (201, 400), (name, resp.status, body)
        conn.close()
    data_dir = Path(server.data_dir)
    for root in (data_dir.parent, data_dir):
        assert not any(p.name.startswith("escape") for p in root.rglob("*"))
    # every file under the blob directory is named by a generated id (bodies of 70 KB: above the inline size,
    # so they are files)
    files = [p for p in (data_dir / "blobs").rglob("*") if p.is_file()]
    assert files and all(len(p.name) in (32, 33) and p.name.isalnum() for p in files)


def test_tampered_structured_message_is_refused(server, container):
    import io

    from azure.storage.blob._shared.streams import StructuredMessageEncodeStream, StructuredMessageProperties

    data = b"framed content " * 100
    framed = bytearray(StructuredMessageEncodeStream(io.BytesIO(data), len(data),
                                                     StructuredMessageProperties.CRC64).read())
    framed[40] ^= 0xFF
    r = requests.put(f"{server.blob_url}/{ACCOUNT}/{container.container_name}/framed?{_sas()}", data=bytes(framed),
                     headers={"x-ms-blob-type": "BlockBlob", "x-ms-structured-body": "XSM/1.0; properties=crc64",
                              "x-ms-structured-content-length": str(len(data))})
    assert r.status_code == 400 and error_code(r) == "Crc64Mismatch"
    assert not container.get_blob_client("framed").exists()
