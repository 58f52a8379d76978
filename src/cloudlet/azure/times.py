"""The time formats of Azure Storage: RFC 1123 headers, ISO 8601 bodies and SAS fields, snapshot stamps."""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from functools import lru_cache
from email.utils import formatdate, parsedate_to_datetime


def http_date(ts: float | None = None) -> str:
    return _http_second(_split(time.time() if ts is None else ts)[0])


@lru_cache(maxsize=4096)
def _http_second(second: int) -> str:
    return formatdate(second, usegmt=True)


http_date_cached = http_date  # listings: many timestamps share a second


def parse_http_date(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _split(ts: float) -> tuple[int, int]:
    """(second, microsecond) of a timestamp, rounded as datetime.fromtimestamp rounds it (half to even)."""
    frac, whole = math.modf(ts)
    micro = round(frac * 1e6)
    if micro >= 1_000_000:
        return int(whole) + 1, micro - 1_000_000
    if micro < 0:
        return int(whole) - 1, micro + 1_000_000
    return int(whole), micro


@lru_cache(maxsize=256)
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def iso(ts: float, digits: int = 7) -> str:
    """ISO 8601 UTC with `digits` of fraction (Azure's 7), exactly as datetime.fromtimestamp would round it, but
    formatting each second once (event times and snapshot stamps come many to a second)."""
    whole, micro = _split(ts)
    base = _iso_second(whole)
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
