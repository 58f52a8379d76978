"""Who is calling and how: the account, region and address a request came in with."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .ids import uuid4_text

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass
class RequestContext:
    account: str
    region: str
    host: str
    scheme: str
    protocol: str  # "json" or "query"
    access_key: str = ""
    request_id: str = field(default_factory=uuid4_text)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"


def credential_scope(authorization: str, query: dict[str, str]) -> tuple[str, str, str] | None:
    """(access key id, region, service) from a SigV4 Authorization header or presigned query."""
    match = _CREDENTIAL.search(authorization or "")
    if match:
        return match.group(1), match.group(3), match.group(4)
    cred = query.get("X-Amz-Credential")
    if cred:
        parts = cred.split("/")
        if len(parts) >= 5:
            return parts[0], parts[2], parts[3]
    return None


def account_for(access_key: str, default: str) -> str:
    """A 12-digit access key id is the account id; any other credentials get the default account."""
    return access_key if _ACCOUNT.match(access_key or "") else default
