"""Azure's time formats, formatted from per-second caches: they must equal what datetime gives, to the digit."""

from __future__ import annotations

import random
import time
from datetime import datetime, timezone
from email.utils import formatdate

from cloudlet.azure.times import http_date, iso


def _iso_reference(ts: float, digits: int) -> str:
    dt = datetime.fromtimestamp(ts, timezone.utc)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    return base + "Z" if digits == 0 else f"{base}.{f'{dt.microsecond:06d}0'[:digits]}Z"


def test_iso_and_http_date_match_datetime_and_email_utils():
    rng = random.Random(7)
    edges = [0.9999995, 0.0000005, 0.5, 0.9999999, 0.4999995, 0.0]
    for _ in range(50_000):
        ts = rng.choice([time.time() + rng.uniform(-1e7, 1e7), rng.randint(0, 2 ** 31) + rng.choice(edges)])
        for digits in (0, 3, 7):
            assert iso(ts, digits) == _iso_reference(ts, digits), (ts, digits)
        assert http_date(ts) == formatdate(ts, usegmt=True), ts
