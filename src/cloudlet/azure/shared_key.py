"""SharedKey and SharedKeyLite: the Authorization header of Azure Storage, verified as the service does."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, unquote

from .accounts import Account

_SIGNED_HEADERS = ("content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
                   "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range")


def sign(key: bytes, text: str) -> str:
    return base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode()


def _header_orders(names: list[str]) -> list[list[str]]:
    """Ordinal order, and the service's culture order (hyphens ignored first) when it differs."""
    ordinal = sorted(names)
    culture = sorted(names, key=lambda n: (n.replace("-", ""), n))
    return [ordinal] if culture == ordinal else [ordinal, culture]


def _canonical_headers(headers: dict[str, str], order: list[str]) -> str:
    return "".join(f"{name}:{headers[name].strip()}\n" for name in order)


def _canonical_resource(account: str, raw_path: str, raw_query: str, lite: bool) -> str:
    resource = f"/{account}{raw_path or '/'}"
    params = parse_qsl(raw_query, keep_blank_values=True)
    if lite:
        comp = [v for k, v in params if k.lower() == "comp"]
        return resource + (f"?comp={comp[0]}" if comp else "")
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        grouped.setdefault(key.lower(), []).append(value)
    return resource + "".join(f"\n{k}:{','.join(sorted(grouped[k]))}" for k in sorted(grouped))


def verify(account: Account, scheme: str, signature: str, method: str, headers: dict[str, str],
           raw_path: str, raw_query: str) -> bool:
    """True when `signature` is a valid SharedKey (scheme 'SharedKey') or SharedKeyLite signature."""
    lite = scheme == "SharedKeyLite"
    x_ms = {k: v for k, v in headers.items() if k.startswith("x-ms-")}
    resource = _canonical_resource(account.name, raw_path, raw_query, lite)
    # the path as the client encoded it, and as decoded (clients differ in what they escape)
    resources = {resource, _canonical_resource(account.name, unquote(raw_path), raw_query, lite)}
    for order in _header_orders(list(x_ms)):
        canonical = _canonical_headers(x_ms, order)
        for dated in (True, False):
            if lite:
                fixed = [headers.get("content-md5", ""), headers.get("content-type", ""),
                         headers.get("date", "") if dated else ""]
            else:
                values = {k: headers.get(k, "") for k in _SIGNED_HEADERS}
                if values["content-length"] == "0":
                    values["content-length"] = ""
                if not dated:
                    values["date"] = ""
                fixed = [values[k] for k in _SIGNED_HEADERS]
            for res in resources:
                text = method + "\n" + "\n".join(fixed) + "\n" + canonical + res
                if hmac.compare_digest(sign(account.key, text), signature):
                    return True
            if "date" not in headers:
                break
    return False
