"""Blob REST front end, blob operations: parse the request, call the engine, answer (streaming bytes)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from typing import AsyncIterator

from ..azure.errors import StorageError, bad_header
from ..azure.times import http_date
from ..http import Response
from . import blob_headers as bh, structured, tags as tag_rules, xml_in, xml_out
from .auth import Principal
from .call import BlobCall
from .conditions import Conditions
from .container_api import XML, lease_response
from .engine import BlobEngine
from .writes import WriteOptions

MAX_RANGE_MD5 = 4 * 1024 * 1024
_SAS_OVERRIDES = {"rscc": "cache-control", "rscd": "content-disposition", "rsce": "content-encoding",
                  "rscl": "content-language", "rsct": "content-type"}


def _int_header(call: BlobCall, name: str) -> int | None:
    raw = call.header(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_header(name, raw) from None


def _ctx(call: BlobCall) -> dict[str, str]:
    return {"request_id": call.request_id, "client_request_id": call.header("x-ms-client-request-id", "")}


def _body(call: BlobCall, opts: WriteOptions) -> AsyncIterator[bytes]:
    """The request's bytes; a structured message (CRC-64 framed) is unwrapped and checked as it streams."""
    framing = call.header("x-ms-structured-body")
    if not framing:
        return call.stream()
    if not structured.accepted(framing):
        raise bad_header("x-ms-structured-body", framing)
    raw = call.header("x-ms-structured-content-length")
    if raw is None or not raw.isdigit():
        raise StorageError(400, "MissingRequiredHeader", extra={"HeaderName": "x-ms-structured-content-length"})
    opts.length = int(raw)
    return structured.decode(call.stream(), call.content_length or 0)


def _echo(call: BlobCall) -> list[tuple[str, str]]:
    framing = call.header("x-ms-structured-body")
    return [("x-ms-structured-body", framing)] if framing else []


def write_options(call: BlobCall, who: Principal, standard_props: bool = True) -> WriteOptions:
    raw_tags = call.header("x-ms-tags")
    return WriteOptions(props=bh.props(call, standard_props), metadata=bh.metadata(call),
                        tags=tag_rules.parse_header(raw_tags) if raw_tags is not None else None,
                        tier=call.header("x-ms-access-tier"), conditions=bh.conditions(call),
                        lease_id=call.header("x-ms-lease-id"), content_md5=bh.md5(call, "content-md5"),
                        content_crc64=bh.md5(call, "x-ms-content-crc64"), ctx=_ctx(call),
                        length=call.content_length,
                        create_only=who.grant is not None and "w" not in who.grant.permissions)


def _written(etag: str, last_modified: float, extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    return [("etag", etag), ("last-modified", http_date(last_modified)),
            ("x-ms-request-server-encrypted", "true")] + (extra or [])


class BlobApi:
    def __init__(self, engine: BlobEngine) -> None:
        self.engine = engine

    def _snapshot(self, call: BlobCall) -> str:
        return call.query.get("snapshot", "")

    # -- writes ----------------------------------------------------------------------------------
    async def put_blob(self, call: BlobCall, who: Principal) -> Response:
        blob_type = call.header("x-ms-blob-type")
        if blob_type not in ("BlockBlob", "AppendBlob"):
            raise StorageError(400, "MissingRequiredHeader" if not blob_type else "InvalidHeaderValue",
                               extra={"HeaderName": "x-ms-blob-type", "HeaderValue": blob_type or ""})
        opts = write_options(call, who)
        blob = await self.engine.put_blob(who.account.name, call.container, call.blob, _body(call, opts), opts,
                                          blob_type)
        extra = [("content-md5", blob.props["content_md5"])] if blob.props.get("content_md5") and \
            blob_type == "BlockBlob" else []
        extra += _echo(call)
        return Response(201, b"", _written(blob.etag, blob.last_modified, extra))

    async def put_block(self, call: BlobCall, who: Principal) -> Response:
        block_id = call.query.get("blockid", "")
        opts = write_options(call, who)
        written = await self.engine.put_block(who.account.name, call.container, call.blob, block_id,
                                              _body(call, opts), opts)
        headers = [("content-md5", base64.b64encode(written.md5).decode()),
                   ("x-ms-request-server-encrypted", "true")] + _echo(call)
        if written.crc64 is not None:
            headers.append(("x-ms-content-crc64", base64.b64encode(written.crc64).decode()))
        return Response(201, b"", headers)

    async def put_block_list(self, call: BlobCall, who: Principal) -> Response:
        body = await call.body()
        digest = bh.md5(call, "content-md5")
        if digest is not None and digest != hashlib.md5(body).digest():
            raise StorageError(400, "Md5Mismatch")
        opts = write_options(call, who, standard_props=False)
        opts.content_md5 = None
        blob = await self.engine.put_block_list(who.account.name, call.container, call.blob,
                                                xml_in.block_list(body), opts)
        return Response(201, b"", _written(blob.etag, blob.last_modified))

    async def append_block(self, call: BlobCall, who: Principal) -> Response:
        opts = write_options(call, who)
        blob, offset = await self.engine.append_block(
            who.account.name, call.container, call.blob, _body(call, opts), opts,
            _int_header(call, "x-ms-blob-condition-appendpos"), _int_header(call, "x-ms-blob-condition-maxsize"))
        return Response(201, b"", _written(blob.etag, blob.last_modified, [
            ("x-ms-blob-append-offset", str(offset)), ("x-ms-blob-committed-block-count", str(blob.block_count))]
            + _echo(call)))

    async def seal_blob(self, call: BlobCall, who: Principal) -> Response:
        blob = await self.engine.seal(who.account.name, call.container, call.blob, bh.conditions(call),
                                      call.header("x-ms-lease-id"))
        return Response(200, b"", _written(blob.etag, blob.last_modified, [("x-ms-blob-sealed", "true")]))

    async def copy_blob(self, call: BlobCall, who: Principal) -> Response:
        opts = write_options(call, who, standard_props=False)
        blob = await self.engine.copy_blob(who.account.name, call.container, call.blob,
                                           call.header("x-ms-copy-source", ""), opts, bh.source_conditions(call))
        status = 201 if call.header("x-ms-blob-type") == "BlockBlob" else 202
        extra = [("x-ms-copy-id", blob.copy["id"]), ("x-ms-copy-status", "success")]
        return Response(status, b"", _written(blob.etag, blob.last_modified, extra))

    async def abort_copy(self, call: BlobCall, who: Principal) -> Response:
        await self.engine.blob_properties(who.account.name, call.container, call.blob)
        raise StorageError(409, "NoPendingCopyOperation")

    async def set_blob_properties(self, call: BlobCall, who: Principal) -> Response:
        blob = await self.engine.set_properties(who.account.name, call.container, call.blob, bh.props(call, False),
                                                bh.conditions(call), call.header("x-ms-lease-id"))
        return Response(200, b"", _written(blob.etag, blob.last_modified))

    async def set_blob_metadata(self, call: BlobCall, who: Principal) -> Response:
        blob = await self.engine.set_metadata(who.account.name, call.container, call.blob, bh.metadata(call),
                                              bh.conditions(call), call.header("x-ms-lease-id"))
        return Response(200, b"", _written(blob.etag, blob.last_modified))

    async def set_blob_tags(self, call: BlobCall, who: Principal) -> Response:
        values = xml_in.tags(await call.body())
        await self.engine.set_tags(who.account.name, call.container, call.blob, self._snapshot(call), values,
                                   Conditions(), call.header("x-ms-lease-id"))
        return Response(204)

    async def set_blob_tier(self, call: BlobCall, who: Principal) -> Response:
        tier = call.header("x-ms-access-tier")
        if not tier:
            raise StorageError(400, "MissingRequiredHeader", extra={"HeaderName": "x-ms-access-tier"})
        status = await self.engine.set_tier(who.account.name, call.container, call.blob, self._snapshot(call), tier,
                                            call.header("x-ms-lease-id"))
        return Response(status)

    async def lease_blob(self, call: BlobCall, who: Principal) -> Response:
        action = (call.header("x-ms-lease-action") or "").lower()
        if not action:
            raise StorageError(400, "MissingRequiredHeader", extra={"HeaderName": "x-ms-lease-action"})
        blob, left = await self.engine.lease_blob(
            who.account.name, call.container, call.blob, action, bh.conditions(call), call.header("x-ms-lease-id"),
            call.header("x-ms-proposed-lease-id"), call.header("x-ms-lease-duration"),
            call.header("x-ms-lease-break-period"))
        return lease_response(action, blob.lease.lease_id, left, blob.etag, blob.last_modified)

    async def snapshot_blob(self, call: BlobCall, who: Principal) -> Response:
        blob, stamp = await self.engine.snapshot(who.account.name, call.container, call.blob,
                                                 bh.metadata(call) or None, bh.conditions(call),
                                                 call.header("x-ms-lease-id"))
        return Response(201, b"", _written(blob.etag, blob.last_modified, [("x-ms-snapshot", stamp)]))

    async def delete_blob(self, call: BlobCall, who: Principal) -> Response:
        await self.engine.delete_blob(who.account.name, call.container, call.blob, self._snapshot(call),
                                      call.header("x-ms-delete-snapshots"), bh.conditions(call),
                                      call.header("x-ms-lease-id"), _ctx(call))
        return Response(202, b"", [("x-ms-delete-type-permanent", "true")])

    # -- reads -----------------------------------------------------------------------------------
    async def get_blob(self, call: BlobCall, who: Principal) -> Response:
        if call.method == "HEAD":
            return await self._head(call, who)
        first, last = bh.byte_range(call)
        want_md5 = (call.header("x-ms-range-get-content-md5") or "").lower() == "true"
        if want_md5 and (first is None or last is None or last - first + 1 > MAX_RANGE_MD5):
            raise StorageError(400, "OutOfRangeInput")
        blob, start, end = await self.engine.open_blob(who.account.name, call.container, call.blob,
                                                       self._snapshot(call), call.header("x-ms-lease-id"),
                                                       bh.conditions(call), first, last)
        headers = bh.blob_headers(blob, time.time())
        headers.append(("content-length", str(end - start)))
        if first is None:
            status = 200
            if blob.props.get("content_md5"):
                headers.append(("content-md5", blob.props["content_md5"]))
        else:
            status = 206
            headers.append(("content-range", f"bytes {start}-{end - 1}/{blob.size}"))
            if blob.props.get("content_md5"):
                headers.append(("x-ms-blob-content-md5", blob.props["content_md5"]))
            if want_md5:
                digest = await asyncio.to_thread(self._range_md5, blob.extents, start, end)
                headers.append(("content-md5", base64.b64encode(digest).decode()))
        headers = self._overrides(who, headers)
        framing = call.header("x-ms-structured-body")
        if framing and structured.accepted(framing):
            content = self.engine.content(blob, start, end)
            headers = [(k, v) for k, v in headers if k != "content-length"]
            headers += [("content-length", str(structured.message_length(end - start))),
                        ("x-ms-structured-body", framing), ("x-ms-structured-content-length", str(end - start))]
            return Response(status, b"", headers, stream=structured.encode(content, end - start))
        if blob.data is not None:  # small: read with the row, sent in one piece
            return Response(status, blob.data, headers)
        return Response(status, b"", headers, stream=self.engine.content(blob, start, end))

    def _range_md5(self, extents: list, start: int, end: int) -> bytes:
        return hashlib.md5(self.engine.files.read_range_sync(extents, start, end)).digest()

    async def _head(self, call: BlobCall, who: Principal) -> Response:
        blob = await self.engine.blob_properties(who.account.name, call.container, call.blob, self._snapshot(call),
                                                 call.header("x-ms-lease-id"), bh.conditions(call))
        headers = bh.blob_headers(blob, time.time()) + [("content-length", str(blob.size))]
        if blob.props.get("content_md5"):
            headers.append(("content-md5", blob.props["content_md5"]))
        return Response(200, b"", self._overrides(who, headers))

    @staticmethod
    def _overrides(who: Principal, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """A service SAS may override response headers (rscc, rscd, rsce, rscl, rsct)."""
        overrides = who.grant.overrides if who.grant else None
        if not overrides:
            return headers
        replaced = {_SAS_OVERRIDES[k]: v for k, v in overrides.items()}
        return [(k, v) for k, v in headers if k not in replaced] + list(replaced.items())

    async def get_blob_metadata(self, call: BlobCall, who: Principal) -> Response:
        blob = await self.engine.blob_properties(who.account.name, call.container, call.blob, self._snapshot(call),
                                                 call.header("x-ms-lease-id"), bh.conditions(call))
        return Response(200, b"", [("etag", blob.etag), ("last-modified", http_date(blob.last_modified))]
                        + [(f"x-ms-meta-{k}", v) for k, v in blob.metadata.items()])

    async def get_block_list(self, call: BlobCall, who: Principal) -> Response:
        which = call.query.get("blocklisttype", "committed").lower()
        if which not in ("committed", "uncommitted", "all"):
            raise StorageError(400, "InvalidQueryParameterValue",
                               extra={"QueryParameterName": "blocklisttype", "QueryParameterValue": which})
        result = await self.engine.block_list(who.account.name, call.container, call.blob, self._snapshot(call),
                                              which, call.header("x-ms-lease-id"))
        headers = [XML]
        if result.blob is not None:
            headers += [("etag", result.blob.etag), ("last-modified", http_date(result.blob.last_modified)),
                        ("x-ms-blob-content-length", str(result.blob.size))]
        return Response(200, xml_out.block_list(result.committed, result.uncommitted, which), headers)

    async def get_blob_tags(self, call: BlobCall, who: Principal) -> Response:
        values = await self.engine.get_tags(who.account.name, call.container, call.blob, self._snapshot(call),
                                            call.header("x-ms-lease-id"))
        return Response(200, xml_out.tags(values), [XML])
