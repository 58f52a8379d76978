"""The XML documents clients send: block lists, access policies, tags, service properties, key requests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ..azure.errors import StorageError
from .tags import check_tags

MAX_IDENTIFIERS = 5


def parse(body: bytes, root: str) -> ET.Element:
    try:
        doc = ET.fromstring(body)
    except ET.ParseError:
        raise StorageError(400, "InvalidXmlDocument") from None
    if _local(doc.tag) != root:
        raise StorageError(400, "InvalidXmlDocument")
    return doc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(node: ET.Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def block_list(body: bytes) -> list[tuple[str, str]]:
    doc = parse(body, "BlockList")
    out = []
    for child in doc:
        kind = _local(child.tag).lower()
        if kind not in ("latest", "committed", "uncommitted"):
            raise StorageError(400, "InvalidXmlDocument")
        out.append((kind, _text(child)))
    return out


def signed_identifiers(body: bytes) -> list[dict[str, str]]:
    if not body.strip():
        return []
    doc = parse(body, "SignedIdentifiers")
    out = []
    for ident in doc:
        policy = ident.find("AccessPolicy")
        entry = {"id": _text(ident.find("Id"))}
        if not entry["id"] or len(entry["id"]) > 64:
            raise StorageError(400, "InvalidXmlDocument")
        if policy is not None:
            for tag, key in (("Start", "start"), ("Expiry", "expiry"), ("Permission", "permission")):
                if _text(policy.find(tag)):
                    entry[key] = _text(policy.find(tag))
        out.append(entry)
    if len(out) > MAX_IDENTIFIERS:
        raise StorageError(400, "InvalidXmlDocument", "At most 5 signed identifiers are allowed.")
    return out


def tags(body: bytes) -> dict[str, str]:
    doc = parse(body, "Tags")
    out: dict[str, str] = {}
    tag_set = doc.find("TagSet")
    for tag in (tag_set if tag_set is not None else []):
        out[_text(tag.find("Key"))] = (tag.find("Value").text or "") if tag.find("Value") is not None else ""
    check_tags(out)
    return out


def service_properties(body: bytes) -> dict[str, Any]:
    """Keeps each top-level element as sent (so GET answers what was set) and the CORS rules, parsed."""
    doc = parse(body, "StorageServiceProperties")
    elements: dict[str, str] = {}
    cors: list[dict[str, Any]] | None = None
    for child in doc:
        name = _local(child.tag)
        elements[name] = ET.tostring(child, encoding="unicode")
        if name == "Cors":
            cors = []
            for rule in child:
                cors.append({
                    "origins": [o.strip() for o in _text(rule.find("AllowedOrigins")).split(",") if o.strip()],
                    "methods": [m.strip().upper() for m in _text(rule.find("AllowedMethods")).split(",") if m.strip()],
                    "allowed_headers": [h.strip().lower() for h in _text(rule.find("AllowedHeaders")).split(",")
                                        if h.strip()],
                    "exposed_headers": [h.strip() for h in _text(rule.find("ExposedHeaders")).split(",") if h.strip()],
                    "max_age": int(_text(rule.find("MaxAgeInSeconds")) or 0),
                })
            if len(cors) > 5:
                raise StorageError(400, "InvalidXmlNodeValue", "At most 5 CORS rules are allowed.")
    result: dict[str, Any] = {"elements": elements}
    if cors is not None:
        result["cors"] = cors
    return result


def key_info(body: bytes) -> tuple[str, str]:
    doc = parse(body, "KeyInfo")
    return _text(doc.find("Start")), _text(doc.find("Expiry"))
