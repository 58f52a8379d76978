"""Leases on containers and blobs: the state machine of Azure's Lease Blob / Lease Container operations."""

from __future__ import annotations

import uuid

from ..azure.errors import StorageError
from .models import Lease


def current(lease: Lease, now: float) -> Lease:
    """The lease as it stands at `now`: a fixed lease past its end has expired, a break past its period is broken."""
    if lease.state == "leased" and lease.expires is not None and now >= lease.expires:
        return Lease(lease.lease_id, "expired", lease.duration)
    if lease.state == "breaking" and lease.break_at is not None and now >= lease.break_at:
        return Lease(lease.lease_id, "broken", lease.duration)
    return lease


def status(lease: Lease) -> tuple[str, str, str]:
    """(x-ms-lease-status, x-ms-lease-state, x-ms-lease-duration or '')"""
    state = lease.state
    locked = "locked" if state in ("leased", "breaking") else "unlocked"
    duration = ("infinite" if lease.duration < 0 else "fixed") if state == "leased" else ""
    return locked, state, duration


def check_write(lease: Lease, given: str | None, now: float, kind: str) -> None:
    """A write on a leased resource needs its lease id; a lease id given for an unleased one is refused.
    kind: 'Blob' or 'Container' (Azure's error codes name it)."""
    lease = current(lease, now)
    active = lease.state in ("leased", "breaking")
    if given:
        if not active:
            raise StorageError(412, f"LeaseNotPresentWith{kind}Operation")
        if given.lower() != (lease.lease_id or "").lower():
            raise StorageError(412, f"LeaseIdMismatchWith{kind}Operation")
    elif active:
        raise StorageError(412, "LeaseIdMissing")


def check_read(lease: Lease, given: str | None, now: float, kind: str) -> None:
    """A read needs no lease, but a lease id it names must be the active one."""
    if given:
        check_write(lease, given, now, kind)


def _duration(raw: str | None) -> int:
    try:
        value = int(raw) if raw not in (None, "") else -1
    except ValueError:
        raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "x-ms-lease-duration"}) from None
    if value != -1 and not 15 <= value <= 60:
        raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "x-ms-lease-duration",
                                                             "HeaderValue": str(value)})
    return value


def apply(lease: Lease, action: str, now: float, lease_id: str | None, proposed: str | None,
          duration: str | None, break_period: str | None) -> tuple[Lease, int | None]:
    """Run one lease action; returns the new lease and, for break, the seconds left until broken."""
    lease = current(lease, now)
    active = lease.state in ("leased", "breaking")
    same = bool(lease_id) and lease_id.lower() == (lease.lease_id or "").lower()
    if action == "acquire":
        seconds = _duration(duration)
        if lease.state == "breaking":
            raise StorageError(409, "LeaseIsBreakingAndCannotBeAcquired")
        if lease.state == "leased" and not (proposed and proposed.lower() == (lease.lease_id or "").lower()):
            raise StorageError(409, "LeaseAlreadyPresent")
        new_id = proposed or str(uuid.uuid4())
        return Lease(new_id, "leased", seconds, None if seconds < 0 else now + seconds), None
    if action == "renew":
        if not lease_id:
            raise StorageError(400, "MissingRequiredHeader", extra={"HeaderName": "x-ms-lease-id"})
        if not same:
            raise StorageError(409, "LeaseIdMismatchWithLeaseOperation")
        if lease.state in ("breaking", "broken"):
            raise StorageError(409, "LeaseIsBrokenAndCannotBeRenewed")
        seconds = lease.duration
        return Lease(lease.lease_id, "leased", seconds, None if seconds < 0 else now + seconds), None
    if action == "change":
        if not lease_id or not proposed:
            raise StorageError(400, "MissingRequiredHeader", extra={"HeaderName": "x-ms-proposed-lease-id"})
        if not active:
            raise StorageError(409, "LeaseNotPresentWithLeaseOperation")
        if lease.state == "breaking":
            raise StorageError(409, "LeaseIsBreakingAndCannotBeChanged")
        if not same and proposed.lower() != (lease.lease_id or "").lower():
            raise StorageError(409, "LeaseIdMismatchWithLeaseOperation")
        return Lease(proposed, "leased", lease.duration, lease.expires), None
    if action == "release":
        if not lease_id:
            raise StorageError(400, "MissingRequiredHeader", extra={"HeaderName": "x-ms-lease-id"})
        if lease.state == "available":
            raise StorageError(409, "LeaseNotPresentWithLeaseOperation")
        if not same:
            raise StorageError(409, "LeaseIdMismatchWithLeaseOperation")
        return Lease(), None
    if action == "break":
        if lease.state in ("available", "expired"):
            raise StorageError(409, "LeaseNotPresentWithLeaseOperation")
        if lease.state == "broken":
            return lease, 0
        remaining = 0 if lease.expires is None else max(0, int(lease.expires - now))
        period = remaining if break_period in (None, "") else min(int(break_period), remaining
                                                                  if lease.expires is not None else 60)
        if lease.state == "breaking":
            left = max(0, int((lease.break_at or now) - now))
            period = min(period, left)
        if period <= 0:
            return Lease(lease.lease_id, "broken", lease.duration), 0
        return Lease(lease.lease_id, "breaking", lease.duration, lease.expires, now + period), period
    raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "x-ms-lease-action", "HeaderValue": action})
