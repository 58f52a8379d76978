"""Who may use the dashboard: requests addressed to this machine (no DNS rebinding), and state-changing POSTs
only from the dashboard's own pages (a per-process CSRF token checked with Origin and Sec-Fetch-Site)."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

from ..http import Request

TOKEN_HEADER = "x-cloudlet-csrf"
TOKEN_FIELD = "csrf"


class Guard:
    def __init__(self, configured_host: str) -> None:
        self.token = secrets.token_urlsafe(32)
        self.configured_host = configured_host.strip("[]").lower()

    def host_allowed(self, request: Request) -> bool:
        """A name that some other site could point at this machine is refused; IP literals and localhost are not."""
        host = _hostname(request.host)
        if host in ("localhost", self.configured_host) or host.endswith(".localhost"):
            return True
        try:
            ipaddress.ip_address(host)
            return True
        except ValueError:
            return False

    def post_allowed(self, request: Request, form_token: str | None) -> str | None:
        """None when the POST came from a dashboard page, else the reason it is refused."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return f"cross-site request refused (Sec-Fetch-Site: {site})"
        origin = request.headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if origin == "null" or parts.netloc.lower() != request.host.lower():
                return "cross-origin request refused"
        given = request.headers.get(TOKEN_HEADER) or form_token or ""
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return "missing or wrong CSRF token: reload the page"
        return None


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
