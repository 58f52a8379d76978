"""Access tiers: Hot, Cool, Cold, Archive. An archived blob cannot be read until rehydrated; rehydration takes
CLOUDLET_BLOB_REHYDRATE_SECONDS (default 0: done at the next look) and is settled lazily when the blob is read."""

from __future__ import annotations

from ..azure.errors import StorageError
from .models import Blob

TIERS = {"hot": "Hot", "cool": "Cool", "cold": "Cold", "archive": "Archive"}


def effective(blob: Blob, now: float) -> tuple[str, bool, str | None]:
    """(tier, inferred, archive status) as the blob stands at `now`."""
    if blob.tier == "Archive" and blob.archive_status and blob.rehydrate_at is not None and now >= blob.rehydrate_at:
        return TIERS[blob.archive_status.rsplit("-", 1)[-1]], False, None
    if blob.tier is None:
        return "Hot", True, None
    return blob.tier, False, blob.archive_status


def readable(blob: Blob, now: float) -> None:
    if effective(blob, now)[0] == "Archive":
        raise StorageError(409, "BlobArchived")


def change(blob: Blob, wanted: str, now: float, delay: float) -> tuple[dict, int]:
    """The row fields for Set Blob Tier, and the status to answer (200 done, 202 rehydration pending)."""
    tier = TIERS.get(wanted.lower())
    if tier is None:
        raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "x-ms-access-tier", "HeaderValue": wanted})
    if blob.blob_type != "BlockBlob":
        raise StorageError(409, "InvalidBlobType")
    current, _, status = effective(blob, now)
    if current == "Archive" and tier != "Archive":
        if status:
            raise StorageError(409, "BlobBeingRehydrated", "This operation is not permitted because the blob is "
                                                           "being rehydrated.")
        pending = f"rehydrate-pending-to-{tier.lower()}"
        return {"tier": "Archive", "archive_status": pending, "rehydrate_at": now + delay, "tier_changed": now}, 202
    return {"tier": tier, "archive_status": None, "rehydrate_at": None, "tier_changed": now}, 200
