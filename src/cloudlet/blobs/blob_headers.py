"""HTTP headers of the Blob API: conditions, content properties, metadata and ranges in; properties out."""

from __future__ import annotations

import base64
import binascii
import re

from ..azure.errors import StorageError, bad_header
from ..azure.times import http_date, parse_http_date
from . import leases, tiers
from .call import BlobCall
from .conditions import Conditions
from .models import Blob

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
PROP_HEADERS = {"content_type": "content-type", "content_encoding": "content-encoding",
                "content_language": "content-language", "content_disposition": "content-disposition",
                "cache_control": "cache-control"}


def _date(call: BlobCall, name: str) -> float | None:
    raw = call.header(name)
    if raw is None:
        return None
    value = parse_http_date(raw)
    if value is None:
        raise bad_header(name, raw)
    return value


def conditions(call: BlobCall, prefix: str = "") -> Conditions:
    return Conditions(call.header(f"{prefix}if-match"), call.header(f"{prefix}if-none-match"),
                      _date(call, f"{prefix}if-modified-since"), _date(call, f"{prefix}if-unmodified-since"),
                      call.header("x-ms-source-if-tags" if prefix else "x-ms-if-tags"))


def source_conditions(call: BlobCall) -> Conditions:
    return conditions(call, "x-ms-source-")


def md5(call: BlobCall, name: str) -> bytes | None:
    raw = call.header(name)
    if not raw:
        return None
    try:
        value = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise StorageError(400, "InvalidMd5", "The MD5 value specified in the request is invalid.") from None
    if len(value) != (8 if "crc64" in name else 16):
        raise StorageError(400, "InvalidMd5" if "md5" in name else "InvalidHeaderValue")
    return value


def props(call: BlobCall, standard: bool) -> dict[str, str]:
    """Content properties from x-ms-blob-* headers (and, for Put Blob, the plain Content-* headers)."""
    out: dict[str, str] = {}
    for key, plain in PROP_HEADERS.items():
        value = call.header(f"x-ms-blob-{plain}")
        if value is None and standard:
            value = call.header(plain)
        if value:
            out[key] = value
    blob_md5 = call.header("x-ms-blob-content-md5")
    if blob_md5:
        md5(call, "x-ms-blob-content-md5")
        out["content_md5"] = blob_md5
    return out


def metadata(call: BlobCall) -> dict[str, str]:
    return {k[len("x-ms-meta-"):]: v for k, v in call.headers.items() if k.startswith("x-ms-meta-")}


def byte_range(call: BlobCall) -> tuple[int | None, int | None]:
    raw = call.header("x-ms-range") or call.header("range")
    if not raw:
        return None, None
    m = _RANGE.match(raw.strip())
    if not m:
        if call.header("x-ms-range"):
            raise bad_header("x-ms-range", raw)
        return None, None  # HTTP: an unparsable Range is ignored
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None


def blob_headers(blob: Blob, now: float) -> list[tuple[str, str]]:
    p = blob.props
    status, state, duration = leases.status(blob.lease)
    out = [("last-modified", http_date(blob.last_modified)), ("etag", blob.etag),
           ("x-ms-creation-time", http_date(blob.created)), ("x-ms-blob-type", blob.blob_type),
           ("x-ms-lease-status", status), ("x-ms-lease-state", state), ("x-ms-server-encrypted", "true"),
           ("accept-ranges", "bytes"), ("content-type", p.get("content_type") or "application/octet-stream")]
    if duration:
        out.append(("x-ms-lease-duration", duration))
    for key, header in PROP_HEADERS.items():
        if key != "content_type" and p.get(key):
            out.append((header, p[key]))
    out += [(f"x-ms-meta-{k}", v) for k, v in blob.metadata.items()]
    if blob.blob_type == "BlockBlob":
        tier, inferred, archive = tiers.effective(blob, now)
        out += [("x-ms-access-tier", tier), ("x-ms-access-tier-inferred", "true" if inferred else "false")]
        if archive:
            out.append(("x-ms-archive-status", archive))
        if blob.tier_changed:
            out.append(("x-ms-access-tier-change-time", http_date(blob.tier_changed)))
    if blob.blob_type == "AppendBlob":
        out += [("x-ms-blob-committed-block-count", str(blob.block_count)),
                ("x-ms-blob-sealed", "true" if blob.sealed else "false")]
    if blob.tag_count:
        out.append(("x-ms-tag-count", str(blob.tag_count)))
    if blob.snapshot:
        out.append(("x-ms-snapshot", blob.snapshot))
    if blob.copy:
        c = blob.copy
        out += [("x-ms-copy-id", c["id"]), ("x-ms-copy-status", c["status"]), ("x-ms-copy-source", c["source"]),
                ("x-ms-copy-progress", c["progress"]), ("x-ms-copy-completion-time", http_date(c["completed"]))]
    return out


def write_headers(blob: Blob) -> list[tuple[str, str]]:
    out = [("etag", blob.etag), ("last-modified", http_date(blob.last_modified)),
           ("x-ms-request-server-encrypted", "true")]
    return out
