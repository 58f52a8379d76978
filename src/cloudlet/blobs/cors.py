"""CORS as the Blob service does it: rules from the service properties, checked on preflight and on requests."""

from __future__ import annotations

import fnmatch
from typing import Any


def _origin_ok(rule: dict[str, Any], origin: str) -> bool:
    return any(o == "*" or fnmatch.fnmatch(origin.lower(), o.lower()) for o in rule["origins"])


def _headers_ok(rule: dict[str, Any], wanted: list[str]) -> bool:
    allowed = rule["allowed_headers"]
    for header in wanted:
        if not any(a == "*" or fnmatch.fnmatch(header, a) for a in allowed):
            return False
    return True


def match(rules: list[dict[str, Any]], origin: str, method: str, headers: list[str] | None = None) -> dict | None:
    for rule in rules:
        if _origin_ok(rule, origin) and method.upper() in rule["methods"] and \
                (headers is None or _headers_ok(rule, headers)):
            return rule
    return None


def preflight_headers(rule: dict[str, Any], origin: str, method: str, headers: list[str]) -> list[tuple[str, str]]:
    allow_origin = "*" if rule["origins"] == ["*"] else origin
    out = [("access-control-allow-origin", allow_origin), ("access-control-allow-methods", method.upper()),
           ("access-control-max-age", str(rule["max_age"]))]
    if headers:
        out.append(("access-control-allow-headers", ",".join(headers)))
    if allow_origin != "*":
        out.append(("access-control-allow-credentials", "true"))
    return out


def response_headers(rule: dict[str, Any], origin: str) -> list[tuple[str, str]]:
    allow_origin = "*" if rule["origins"] == ["*"] else origin
    out = [("access-control-allow-origin", allow_origin), ("vary", "Origin")]
    if rule["exposed_headers"]:
        out.append(("access-control-expose-headers", ",".join(rule["exposed_headers"])))
    if allow_origin != "*":
        out.append(("access-control-allow-credentials", "true"))
    return out
