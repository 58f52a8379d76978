"""The XML documents the Blob service answers with."""

from __future__ import annotations

import re
from typing import Any, Iterable
from urllib.parse import quote
from xml.sax.saxutils import escape

from ..azure.times import http_date_cached as http_date
from . import leases, tiers
from .models import Blob, Container, Extent

HEAD = '<?xml version="1.0" encoding="utf-8"?>'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def el(tag: str, value: Any) -> str:
    if value is None or value == "":
        return f"<{tag} />"
    text = str(value)
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    return f"<{tag}>{text}</{tag}>"


def name_el(name: str) -> str:
    """Names with characters XML cannot carry go percent-encoded, flagged Encoded="true", as Azure does."""
    if _NOT_XML.search(name):
        return f'<Name Encoded="true">{quote(name, safe="")}</Name>'
    return el("Name", name)


def metadata_xml(metadata: dict[str, str]) -> str:
    return "<Metadata>" + "".join(el(k, v) for k, v in metadata.items()) + "</Metadata>"


def tags_xml(tags: dict[str, str]) -> str:
    inner = "".join(f"<Tag>{el('Key', k)}{el('Value', v)}</Tag>" for k, v in tags.items())
    return f"<Tags><TagSet>{inner}</TagSet></Tags>"


def container_list(endpoint: str, prefix: str, marker: str, limit: int | None, containers: Iterable[Container],
                   next_marker: str, with_metadata: bool) -> bytes:
    out = [HEAD, f'<EnumerationResults ServiceEndpoint="{escape(endpoint)}">', el("Prefix", prefix),
           el("Marker", marker), el("MaxResults", limit if limit is not None else ""), "<Containers>"]
    for c in containers:
        status, state, duration = leases.status(c.lease)
        out.append(f"<Container>{el('Name', c.name)}<Properties>{el('Last-Modified', http_date(c.last_modified))}"
                   f"{el('Etag', c.etag)}{el('LeaseStatus', status)}{el('LeaseState', state)}"
                   f"{el('LeaseDuration', duration) if duration else ''}"
                   f"{el('PublicAccess', c.public_access) if c.public_access else ''}"
                   "<DefaultEncryptionScope>$account-encryption-key</DefaultEncryptionScope>"
                   "<DenyEncryptionScopeOverride>false</DenyEncryptionScopeOverride>"
                   "<HasImmutabilityPolicy>false</HasImmutabilityPolicy><HasLegalHold>false</HasLegalHold>"
                   "</Properties>" + (metadata_xml(c.metadata) if with_metadata else "") + "</Container>")
    out += ["</Containers>", el("NextMarker", next_marker), "</EnumerationResults>"]
    return "".join(out).encode()


def blob_properties_xml(b: Blob, now: float) -> str:
    p = b.props
    status, state, duration = leases.status(b.lease)
    tier, inferred, archive = tiers.effective(b, now)
    parts = [el("Creation-Time", http_date(b.created)), el("Last-Modified", http_date(b.last_modified)),
             el("Etag", b.etag), el("Content-Length", b.size),
             el("Content-Type", p.get("content_type") or "application/octet-stream"),
             el("Content-Encoding", p.get("content_encoding")), el("Content-Language", p.get("content_language")),
             el("Content-CRC64", ""), el("Content-MD5", p.get("content_md5")),
             el("Cache-Control", p.get("cache_control")), el("Content-Disposition", p.get("content_disposition")),
             el("BlobType", b.blob_type)]
    if b.blob_type == "BlockBlob":
        parts += [el("AccessTier", tier), el("AccessTierInferred", "true" if inferred else "false")]
        if archive:
            parts.append(el("ArchiveStatus", archive))
        if b.tier_changed:
            parts.append(el("AccessTierChangeTime", http_date(b.tier_changed)))
    if b.blob_type == "AppendBlob":
        parts.append(el("Sealed", "true" if b.sealed else "false"))
    parts += [el("LeaseStatus", status), el("LeaseState", state)]
    if duration:
        parts.append(el("LeaseDuration", duration))
    if b.copy:
        parts += [el("CopyId", b.copy["id"]), el("CopyStatus", b.copy["status"]), el("CopySource", b.copy["source"]),
                  el("CopyProgress", b.copy["progress"]), el("CopyCompletionTime", http_date(b.copy["completed"]))]
    parts.append("<ServerEncrypted>true</ServerEncrypted>")
    if b.tag_count:
        parts.append(el("TagCount", b.tag_count))
    return "<Properties>" + "".join(parts) + "</Properties>"


def blob_list(endpoint: str, container: str, prefix: str, marker: str, limit: int | None, delimiter: str,
              blobs: list[Blob], prefixes: list[str], next_marker: str, include: set[str], now: float) -> bytes:
    out = [HEAD, f'<EnumerationResults ServiceEndpoint="{escape(endpoint)}" ContainerName="{escape(container)}">',
           el("Prefix", prefix), el("Marker", marker), el("MaxResults", limit if limit is not None else ""),
           el("Delimiter", delimiter), "<Blobs>"]
    entries: list[tuple[str, str, str]] = []
    for b in blobs:
        xml = ["<Blob>", name_el(b.name)]
        if b.snapshot:
            xml.append(el("Snapshot", b.snapshot))
        xml.append(blob_properties_xml(b, now))
        if "metadata" in include:
            xml.append(metadata_xml(b.metadata))
        if "tags" in include and b.tags:
            xml.append(tags_xml(b.tags))
        xml.append("</Blob>")
        entries.append((b.name, b.snapshot, "".join(xml)))
    for p in prefixes:
        entries.append((p, "", f"<BlobPrefix>{name_el(p)}</BlobPrefix>"))
    entries.sort(key=lambda e: (e[0], e[1]))
    out += [e[2] for e in entries]
    out += ["</Blobs>", el("NextMarker", next_marker), "</EnumerationResults>"]
    return "".join(out).encode()


def block_list(committed: list[Extent], uncommitted: list[Extent], which: str) -> bytes:
    def blocks(items: list[Extent]) -> str:
        return "".join(f"<Block>{el('Name', e.block_id)}{el('Size', e.length)}</Block>" for e in items)

    out = [HEAD, "<BlockList>"]
    if which in ("committed", "all"):
        out.append(f"<CommittedBlocks>{blocks(committed)}</CommittedBlocks>")
    if which in ("uncommitted", "all"):
        out.append(f"<UncommittedBlocks>{blocks(uncommitted)}</UncommittedBlocks>")
    out.append("</BlockList>")
    return "".join(out).encode()


def acl(identifiers: list[dict[str, str]]) -> bytes:
    out = [HEAD, "<SignedIdentifiers>"]
    for ident in identifiers:
        policy = "".join(el(tag, ident.get(key)) for tag, key in
                         (("Start", "start"), ("Expiry", "expiry"), ("Permission", "permission")) if ident.get(key))
        out.append(f"<SignedIdentifier>{el('Id', ident['id'])}<AccessPolicy>{policy}</AccessPolicy></SignedIdentifier>")
    out.append("</SignedIdentifiers>")
    return "".join(out).encode()


def tags(values: dict[str, str]) -> bytes:
    return (HEAD + tags_xml(values)).encode()


def found_blobs(endpoint: str, where: str, rows: list[tuple[str, str, dict[str, str]]], next_marker: str) -> bytes:
    out = [HEAD, f'<EnumerationResults ServiceEndpoint="{escape(endpoint)}">', el("Where", where), "<Blobs>"]
    for container, name, values in rows:
        out.append(f"<Blob>{name_el(name)}{el('ContainerName', container)}{tags_xml(values)}</Blob>")
    out += ["</Blobs>", el("NextMarker", next_marker), "</EnumerationResults>"]
    return "".join(out).encode()


def stats(now: float) -> bytes:
    return (HEAD + "<StorageServiceStats><GeoReplication><Status>live</Status>"
            f"{el('LastSyncTime', http_date(now))}</GeoReplication></StorageServiceStats>").encode()


def delegation_key(oid: str, tid: str, start: str, expiry: str, version: str, value: str) -> bytes:
    return (HEAD + f"<UserDelegationKey>{el('SignedOid', oid)}{el('SignedTid', tid)}{el('SignedStart', start)}"
            f"{el('SignedExpiry', expiry)}<SignedService>b</SignedService>{el('SignedVersion', version)}"
            f"{el('Value', value)}</UserDelegationKey>").encode()


DEFAULT_SERVICE_PROPERTIES = {
    "Logging": "<Logging><Version>1.0</Version><Delete>false</Delete><Read>false</Read><Write>false</Write>"
               "<RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></Logging>",
    "HourMetrics": "<HourMetrics><Version>1.0</Version><Enabled>false</Enabled>"
                   "<RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></HourMetrics>",
    "MinuteMetrics": "<MinuteMetrics><Version>1.0</Version><Enabled>false</Enabled>"
                     "<RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></MinuteMetrics>",
    "Cors": "<Cors />",
    "DeleteRetentionPolicy": "<DeleteRetentionPolicy><Enabled>false</Enabled></DeleteRetentionPolicy>",
    "StaticWebsite": "<StaticWebsite><Enabled>false</Enabled></StaticWebsite>",
}


def service_properties(stored: dict[str, Any]) -> bytes:
    elements = {**DEFAULT_SERVICE_PROPERTIES, **stored.get("elements", {})}
    body = "".join(elements[k] for k in elements if k in DEFAULT_SERVICE_PROPERTIES or k == "DefaultServiceVersion")
    return (HEAD + f"<StorageServiceProperties>{body}</StorageServiceProperties>").encode()

