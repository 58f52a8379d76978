"""Shared access signatures: account SAS, service SAS (blob and container, stored access policies) and user
delegation SAS, verified field by field as Azure Storage verifies them."""

from __future__ import annotations

import base64
import hmac
import ipaddress
import time
from dataclasses import dataclass
from functools import lru_cache

from .accounts import Account
from .errors import StorageError
from .shared_key import sign
from .times import parse_iso

ACCOUNT_PERMISSIONS = "rwdxylacuptfmie"
SAS_VERSION = "2021-08-06"  # the version of the SAS Cloudlet itself hands out (service_sas)
_DELEGATION_FIELDS = ("skoid", "sktid", "skt", "ske", "sks", "skv")


@dataclass
class SasGrant:
    kind: str  # "account" | "service"
    permissions: str
    resource_types: str = ""  # account SAS: s, c, o
    resource: str = ""  # service SAS: b, c, bs, bv
    container: str = ""
    blob: str = ""
    overrides: dict[str, str] | None = None  # rscc, rscd, ... response header overrides

    def require(self, permission: str, level: str) -> None:
        """level: 'service', 'container' or 'object'; permission: letters of which any one suffices."""
        if self.kind == "account":
            wanted = {"service": "s", "container": "c", "object": "o"}[level]
            if wanted not in self.resource_types:
                raise StorageError(403, "AuthorizationResourceTypeMismatch")
        elif level == "service" or (level == "container" and self.resource not in ("c",)):
            raise StorageError(403, "AuthorizationResourceTypeMismatch")
        if permission and not any(p in self.permissions for p in permission):
            raise StorageError(403, "AuthorizationPermissionMismatch")


def delegation_key_value(account: Account, oid: str, tid: str, start: str, expiry: str, service: str,
                         version: str) -> str:
    """The user delegation key is derived from the account key, so no state is needed to verify it."""
    return sign(account.key, "\n".join(("udk", oid, tid, start, expiry, service, version)))


def _fail(detail: str) -> StorageError:
    return StorageError(403, "AuthenticationFailed", extra={"AuthenticationErrorDetail": detail})


def _check_ip(spec: str, client_ip: str) -> None:
    try:
        low, _, high = spec.partition("-")
        ip = ipaddress.ip_address(client_ip)
        first = ipaddress.ip_address(low.strip())
        last = ipaddress.ip_address(high.strip()) if high else first
        allowed = ip.version == first.version and first <= ip <= last
    except ValueError:
        raise StorageError(403, "AuthenticationFailed",
                           extra={"AuthenticationErrorDetail": f"Invalid signed IP {spec}"}) from None
    if not allowed:
        raise StorageError(403, "AuthorizationSourceIPMismatch")


def service_sas(account: Account, container: str, blob: str, permissions: str, expiry: str, start: str = "",
                protocol: str = "https,http", version: str = SAS_VERSION) -> dict[str, str]:
    """The query fields (sig included) of a service SAS for a blob (sr=b), or for a container when `blob` is "",
    signed with the account key. Its string to sign is the first that authenticate() accepts for such a SAS:
    one builder for both, so what Cloudlet hands out and what it verifies cannot drift apart."""
    q = {k: v for k, v in (("sv", version), ("sr", "b" if blob else "c"), ("sp", permissions), ("st", start),
                           ("se", expiry), ("spr", protocol)) if v}
    canonical = _canonical_resource(account.name, q["sr"], container, blob)
    assert canonical is not None
    q["sig"] = sign(account.key, _service_candidates(q, canonical)[0])
    return q


def _canonical_resource(account: str, sr: str, container: str, blob: str) -> str | None:
    if sr in ("c", "d"):
        return f"/blob/{account}/{container}"
    if sr in ("b", "bs", "bv"):
        return f"/blob/{account}/{container}/{blob}"
    return None


def _account_candidates(q: dict[str, str], account: str) -> list[str]:
    base = [account, q.get("sp", ""), q.get("ss", ""), q.get("srt", ""), q.get("st", ""), q.get("se", ""),
            q.get("sip", ""), q.get("spr", ""), q.get("sv", "")]
    return ["\n".join(base) + "\n", "\n".join(base + [q.get("ses", "")]) + "\n"]


def _service_candidates(q: dict[str, str], canonical: str) -> list[str]:
    head = [q.get("sp", ""), q.get("st", ""), q.get("se", ""), canonical]
    tail = [q.get("sip", ""), q.get("spr", ""), q.get("sv", "")]
    overrides = [q.get(k, "") for k in ("rscc", "rscd", "rsce", "rscl", "rsct")]
    snaps = {q.get("snapshot", "") if q.get("sr") == "bs" else "", ""}
    candidates = []
    if any(k in q for k in _DELEGATION_FIELDS):
        delegation = [q.get(k, "") for k in _DELEGATION_FIELDS]
        extra_old = [q.get(k, "") for k in ("saoid", "suoid", "scid")]
        extra_new = extra_old + [q.get("skdutid", ""), q.get("sduoid", "")]
        for snap in snaps:
            sr_part = [q.get("sr", ""), snap, q.get("ses", "")]
            for extra in (extra_new, extra_old):
                for srh in ([q.get("srh", ""), q.get("srq", "")], []):
                    candidates.append("\n".join(head + delegation + extra + tail + sr_part + srh + overrides))
            candidates.append("\n".join(head + delegation + tail + [q.get("sr", ""), snap] + overrides))
        return candidates
    for snap in snaps:
        candidates.append("\n".join(head + [q.get("si", "")] + tail + [q.get("sr", ""), snap, q.get("ses", "")]
                                    + overrides))
        candidates.append("\n".join(head + [q.get("si", "")] + tail + [q.get("sr", ""), snap] + overrides))
    candidates.append("\n".join(head + [q.get("si", "")] + tail + overrides))
    return candidates


@lru_cache(maxsize=4096)
def _matches(key: bytes, candidates: tuple[str, ...], signature: str) -> bool:
    """Whether `signature` is the HMAC of one of the strings to sign. Remembered, but only when it matches (a
    mismatch raises, which lru_cache does not keep): a client sends the same SAS with every request, and the
    HMACs cost more than the rest of a small Get Blob's authorization. The key is part of what is remembered,
    so a changed account key is checked afresh."""
    if any(hmac.compare_digest(sign(key, c), signature) for c in candidates):
        return True
    raise _Mismatch


class _Mismatch(Exception):
    pass


def _signature_ok(key: bytes, candidates: tuple[str, ...], signature: str) -> bool:
    try:
        return _matches(key, candidates, signature)
    except _Mismatch:
        return False


def authenticate(q: dict[str, str], account: Account, container: str, blob: str, client_ip: str, scheme: str,
                 policy: dict[str, str] | None = None, now: float | None = None) -> SasGrant:
    """Verify the SAS in query `q` for a request on container/blob; `policy` is the stored access policy named
    by si (or None when absent). Returns the grant, or raises Azure's 403."""
    now = time.time() if now is None else now
    signature = q.get("sig", "")
    is_account = "ss" in q or "srt" in q
    if is_account:
        key = account.key
        candidates = _account_candidates(q, account.name)
    else:
        canonical = _canonical_resource(account.name, q.get("sr", ""), container, blob)
        if canonical is None:
            raise _fail("Missing or invalid signed resource (sr)")
        key = account.key
        if any(k in q for k in _DELEGATION_FIELDS):
            skv = delegation_key_value(account, *(q.get(k, "") for k in _DELEGATION_FIELDS))
            key = base64.b64decode(skv)
            expiry = parse_iso(q.get("ske", ""))
            if expiry is None or expiry < now:
                raise _fail("The user delegation key has expired")
        candidates = _service_candidates(q, canonical)
    if not signature or not _signature_ok(key, tuple(candidates), signature):
        raise _fail("Signature did not match. String to sign used was not recognised.")
    permissions = q.get("sp", "")
    start_s, expiry_s = q.get("st", ""), q.get("se", "")
    if q.get("si"):
        if policy is None:
            raise _fail(f"Identifier {q['si']} not found in the stored access policies")
        for field, mine in (("permission", permissions), ("start", start_s), ("expiry", expiry_s)):
            if mine and policy.get(field):
                raise _fail(f"The {field} is specified both in the SAS and in the stored access policy")
        permissions = permissions or policy.get("permission", "")
        start_s = start_s or policy.get("start", "")
        expiry_s = expiry_s or policy.get("expiry", "")
    if not expiry_s:
        raise _fail("Signed expiry time is required")
    expiry = parse_iso(expiry_s)
    if expiry is None:
        raise _fail(f"Invalid signed expiry {expiry_s}")
    if expiry < now:
        raise _fail(f"Signed expiry time [{expiry_s}] must be after the current time")
    if start_s:
        start = parse_iso(start_s)
        if start is None or start > now + 1:  # Azure accepts a small clock skew at the start
            raise _fail(f"Signed start time [{start_s}] is in the future or invalid")
    if q.get("spr") and "http" not in [p.strip() for p in q["spr"].split(",")] and scheme != "https":
        raise StorageError(403, "AuthorizationProtocolMismatch")
    if q.get("sip"):
        _check_ip(q["sip"], client_ip)
    if is_account:
        if "b" not in q.get("ss", ""):
            raise StorageError(403, "AuthorizationServiceMismatch")
        return SasGrant("account", permissions, resource_types=q.get("srt", ""))
    overrides = {k: q[k] for k in ("rscc", "rscd", "rsce", "rscl", "rsct") if q.get(k)}
    return SasGrant("service", permissions, resource=q.get("sr", ""), container=container, blob=blob,
                    overrides=overrides)
