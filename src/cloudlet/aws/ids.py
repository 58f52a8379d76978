"""Random identifiers for request ids and message ids.

They must be unique, not secret (receipt handles and tokens use `secrets`). `uuid.uuid4()` reads
os.urandom, which releases the GIL: on a busy server taking it back behind the database writer thread costs
far more than the UUID itself, on every request. A Mersenne Twister seeded once from the OS does not."""

from __future__ import annotations

import random

_rng = random.Random()  # seeded once from the OS
_VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_BITS = (0x4000 << 64) | (0x8000 << 48)


def uuid4_text() -> str:
    """A random version 4 UUID in its canonical text form."""
    h = f"{(_rng.getrandbits(128) & _VERSION_MASK) | _VERSION_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
