"""The time formats of Azure Storage: RFC 1123 headers, ISO 8601 bodies and SAS fields, snapshot stamps."""

from __future__ import annotations

import math
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


@lru_cache(maxsize=256)
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def iso(ts: float, digits: int = 7) -> str:
    """ISO 8601 UTC with `digits` of fraction (Azure's 7), exactly as datetime.fromtimestamp would round it, but
    formatting each second once (event times and snapshot stamps come many to a second)."""
    frac, whole = math.modf(ts)
    micro = round(frac * 1e6)
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    elif micro < 0:
        whole, micro = whole - 1, micro + 1_000_000
    base = _iso_second(int(whole))
    if digits == 0:
        return base + "Z"
    return f"{base}.{f'{micro:06d}0'[:digits]}Z"


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
