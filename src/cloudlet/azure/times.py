"""The time formats of Azure Storage: RFC 1123 headers, ISO 8601 bodies and SAS fields, snapshot stamps."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from functools import lru_cache
from email.utils import formatdate, parsedate_to_datetime


def http_date(ts: float | None = None) -> str:
    return _http_second(int(time.time() if ts is None else ts))


@lru_cache(maxsize=4096)
def _http_second(second: int) -> str:
    return formatdate(second, usegmt=True)


def http_date_cached(ts: float) -> str:
    """http_date for listings, where many timestamps share a second."""
    return _http_second(int(ts))


def parse_http_date(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def iso(ts: float, digits: int = 7) -> str:
    dt = datetime.fromtimestamp(ts, timezone.utc)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if digits == 0:
        return base + "Z"
    frac = f"{dt.microsecond:06d}0"[:digits]
    return f"{base}.{frac}Z"


@lru_cache(maxsize=1024)  # SAS start and expiry: the same few values on every request
def parse_iso(value: str) -> float | None:
    """SAS and body times: YYYY-MM-DD, YYYY-MM-DDThh:mmZ, YYYY-MM-DDThh:mm:ssZ, with optional fraction."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1]
    if "." in text:
        head, _, frac = text.partition(".")
        text = f"{head}.{(frac + '000000')[:6]}"
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    return None
