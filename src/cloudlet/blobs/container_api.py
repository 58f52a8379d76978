"""Blob REST front end, service and container operations: parse the request, call the engine, answer."""

from __future__ import annotations

import asyncio
import time

from ..azure.errors import StorageError, bad_query
from ..azure.sas import delegation_key_value
from ..azure.times import http_date, iso, parse_iso
from ..http import Response
from . import blob_headers as bh, leases, xml_in, xml_out
from .auth import Principal
from .call import BlobCall
from .engine import BlobEngine
from .models import Container

XML = ("content-type", "application/xml")
MAX_RESULTS = 5000


def max_results(call: BlobCall) -> int:
    raw = call.query.get("maxresults")
    if raw is None:
        return MAX_RESULTS
    try:
        value = int(raw)
    except ValueError:
        raise bad_query("maxresults", raw) from None
    if value < 1:
        raise StorageError(400, "OutOfRangeQueryParameterValue",
                           extra={"QueryParameterName": "maxresults", "QueryParameterValue": raw})
    return min(value, MAX_RESULTS)


def container_headers(c: Container) -> list[tuple[str, str]]:
    status, state, duration = leases.status(c.lease)
    out = [("etag", c.etag), ("last-modified", http_date(c.last_modified)), ("x-ms-lease-status", status),
           ("x-ms-lease-state", state), ("x-ms-has-immutability-policy", "false"), ("x-ms-has-legal-hold", "false"),
           ("x-ms-default-encryption-scope", "$account-encryption-key"),
           ("x-ms-deny-encryption-scope-override", "false")]
    if duration:
        out.append(("x-ms-lease-duration", duration))
    if c.public_access:
        out.append(("x-ms-blob-public-access", c.public_access))
    return out + [(f"x-ms-meta-{k}", v) for k, v in c.metadata.items()]


class ContainerApi:
    def __init__(self, engine: BlobEngine) -> None:
        self.engine = engine

    # -- service ---------------------------------------------------------------------------------
    async def account_info(self, call: BlobCall, who: Principal) -> Response:
        return Response(200, b"", [("x-ms-sku-name", "Standard_RAGRS"), ("x-ms-account-kind", "StorageV2"),
                                   ("x-ms-is-hns-enabled", "false")])

    async def get_service_properties(self, call: BlobCall, who: Principal) -> Response:
        stored = await self.engine.get_service_properties(who.account.name)
        return Response(200, xml_out.service_properties(stored), [XML])

    async def set_service_properties(self, call: BlobCall, who: Principal) -> Response:
        properties = xml_in.service_properties(await call.body())
        await self.engine.set_service_properties(who.account.name, properties)
        return Response(202)

    async def get_stats(self, call: BlobCall, who: Principal) -> Response:
        return Response(200, xml_out.stats(time.time()), [XML])

    async def user_delegation_key(self, call: BlobCall, who: Principal) -> Response:
        start, expiry = xml_in.key_info(await call.body())
        start = start or iso(time.time(), 0)
        if parse_iso(start) is None or parse_iso(expiry) is None:
            raise StorageError(400, "InvalidXmlNodeValue", "The value for one of the XML nodes is not in the "
                                                           "correct format.")
        oid, tid = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"
        version = call.header("x-ms-version") or "2025-11-05"
        value = delegation_key_value(who.account, oid, tid, start, expiry, "b", version)
        return Response(200, xml_out.delegation_key(oid, tid, start, expiry, version, value), [XML])

    async def list_containers(self, call: BlobCall, who: Principal) -> Response:
        q = call.query
        limit = max_results(call)
        page = await self.engine.list_containers(who.account.name, q.get("prefix", ""), q.get("marker", ""), limit)
        body = await asyncio.to_thread(xml_out.container_list, call.endpoint, q.get("prefix", ""), q.get("marker", ""),
                                      int(q["maxresults"]) if "maxresults" in q else None, page.items,
                                      page.next_marker, "metadata" in q.get("include", ""))
        return Response(200, body, [XML])

    async def find_blobs(self, call: BlobCall, who: Principal) -> Response:
        where = call.query.get("where")
        if not where:
            raise StorageError(400, "MissingRequiredQueryParameter", extra={"QueryParameterName": "where"})
        rows, marker = await self.engine.find_by_tags(who.account.name, call.container or None, where,
                                                      call.query.get("marker", ""), max_results(call))
        return Response(200, xml_out.found_blobs(call.endpoint, where, rows, marker), [XML])

    # -- containers ------------------------------------------------------------------------------
    async def create_container(self, call: BlobCall, who: Principal) -> Response:
        c = await self.engine.create_container(who.account.name, call.container, bh.metadata(call),
                                               call.header("x-ms-blob-public-access"))
        return Response(201, b"", [("etag", c.etag), ("last-modified", http_date(c.last_modified))])

    async def delete_container(self, call: BlobCall, who: Principal) -> Response:
        await self.engine.delete_container(who.account.name, call.container, bh.conditions(call),
                                           call.header("x-ms-lease-id"))
        return Response(202)

    async def get_container_properties(self, call: BlobCall, who: Principal) -> Response:
        c = await self.engine.get_container(who.account.name, call.container, call.header("x-ms-lease-id"))
        return Response(200, b"", container_headers(c))

    get_container_metadata = get_container_properties

    async def set_container_metadata(self, call: BlobCall, who: Principal) -> Response:
        conditions = bh.conditions(call)
        if conditions.if_match or conditions.if_none_match or conditions.if_unmodified_since:
            raise StorageError(400, "UnsupportedHeader", "One of the HTTP headers specified in the request is not "
                                                         "supported.")
        c = await self.engine.update_container(who.account.name, call.container, conditions,
                                               call.header("x-ms-lease-id"), metadata=bh.metadata(call))
        return Response(200, b"", [("etag", c.etag), ("last-modified", http_date(c.last_modified))])

    async def get_container_acl(self, call: BlobCall, who: Principal) -> Response:
        c = await self.engine.get_container(who.account.name, call.container, call.header("x-ms-lease-id"))
        headers = [("etag", c.etag), ("last-modified", http_date(c.last_modified)), XML]
        if c.public_access:
            headers.append(("x-ms-blob-public-access", c.public_access))
        return Response(200, xml_out.acl(c.acl), headers)

    async def set_container_acl(self, call: BlobCall, who: Principal) -> Response:
        identifiers = xml_in.signed_identifiers(await call.body())
        c = await self.engine.update_container(who.account.name, call.container, bh.conditions(call),
                                               call.header("x-ms-lease-id"), acl=identifiers,
                                               public_access=call.header("x-ms-blob-public-access") or None)
        return Response(200, b"", [("etag", c.etag), ("last-modified", http_date(c.last_modified))])

    async def lease_container(self, call: BlobCall, who: Principal) -> Response:
        action = (call.header("x-ms-lease-action") or "").lower()
        if not action:
            raise StorageError(400, "MissingRequiredHeader", extra={"HeaderName": "x-ms-lease-action"})
        c, left = await self.engine.lease_container(
            who.account.name, call.container, action, bh.conditions(call), call.header("x-ms-lease-id"),
            call.header("x-ms-proposed-lease-id"), call.header("x-ms-lease-duration"),
            call.header("x-ms-lease-break-period"))
        return lease_response(action, c.lease.lease_id, left, c.etag, c.last_modified)

    async def list_blobs(self, call: BlobCall, who: Principal) -> Response:
        q = call.query
        include = {i.strip().lower() for i in q.get("include", "").split(",") if i.strip()}
        unknown = include - {"metadata", "snapshots", "uncommittedblobs", "tags", "copy", "deleted", "versions",
                             "immutabilitypolicy", "legalhold", "deletedwithversions", "permissions"}
        if unknown:
            raise bad_query("include", q.get("include", ""))
        limit = max_results(call)
        page = await self.engine.list_blobs(who.account.name, call.container, q.get("prefix", ""),
                                            q.get("delimiter", ""), q.get("marker", ""), limit, include)
        body = await asyncio.to_thread(xml_out.blob_list, call.endpoint, call.container, q.get("prefix", ""), q.get("marker", ""),
                                 int(q["maxresults"]) if "maxresults" in q else None, q.get("delimiter", ""),
                                 page.items, page.prefixes, page.next_marker, include, time.time())
        return Response(200, body, [XML])


def lease_response(action: str, lease_id: str | None, left: int | None, etag: str,
                   last_modified: float) -> Response:
    headers = [("etag", etag), ("last-modified", http_date(last_modified))]
    if action == "break":
        headers.append(("x-ms-lease-time", str(left or 0)))
    elif action != "release" and lease_id:
        headers.append(("x-ms-lease-id", lease_id))
    status = {"acquire": 201, "break": 202}.get(action, 200)
    return Response(status, b"", headers)


