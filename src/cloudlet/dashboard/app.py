"""The dashboard's front end: routes, security checks, the page layout and static files. Pages live in one
module per service and reach data only through that service's engine."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

from .. import __version__
from ..aws.errors import AwsError
from ..azure.errors import StorageError
from ..http import BodyTooLarge, Receive, Request, Response, Scope
from .guard import TOKEN_FIELD, Guard
from .markup import Safe, escape, h, join, render
from .recent_errors import RecentErrors

log = logging.getLogger("cloudlet.dashboard")

PREFIX = "/_cloudlet/dashboard"
STATIC = Path(__file__).with_name("static")
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
SECURITY_HEADERS = [
    ("content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cache-control", "no-store"),
]


@dataclass
class Page:
    title: str
    section: str  # the navigation entry it belongs to
    body: Safe


@dataclass
class Done:
    """The answer to an action: a message for the user and, optionally, where to go next."""
    message: str
    redirect: str | None = None
    result: Any = None  # text to show beside the form (a SAS URL)
    html: Safe | None = None  # or markup built with h(), escaped like every page (a chat answer)


class ActionError(Exception):
    """An action the user asked for could not be done; the message is shown to them."""


# What the engines raise for a request they refuse: shown to the user, never a 500.
SERVICE_ERRORS: tuple[type[Exception], ...] = (ActionError, AwsError, StorageError)


@dataclass
class View:
    """One dashboard request as a page or action handler sees it."""
    dashboard: "Dashboard"
    request: Request
    params: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        return self.request.query

    def service(self, name: str) -> Any | None:
        return self.dashboard.cloudlet.services.get(name)

    def arg(self, name: str, default: str = "") -> str:
        return self.form.get(name, self.request.query.get(name, default))

    def int_arg(self, name: str, default: int = 0) -> int:
        try:
            return int(self.arg(name, str(default)) or default)
        except ValueError:
            return default


Handler = Callable[[View], Awaitable[Any]]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


@dataclass
class Section:
    key: str
    title: str
    service: str | None  # the cloudlet service it shows; None: always there


SECTIONS = [Section("overview", "Overview", None), Section("queues", "Queues", "queues"),
            Section("topics", "Topics", "topics"), Section("blobs", "Blob storage", "blobs"),
            Section("jobs", "Jobs", "jobs"), Section("assistant", "Assistant", "assistant")]


class Dashboard:
    def __init__(self, cloudlet: Any, settings: Any) -> None:
        from . import assistant, blobs, jobs, overview, queues, topics

        self.cloudlet = cloudlet
        self.settings = settings
        self.guard = Guard(settings.host)
        self.errors = RecentErrors().install()
        self.routes: list[Route] = []
        self.pages: dict[str, Any] = {}  # service name -> its page module
        for module in (overview, queues, topics, blobs, jobs, assistant):
            if hasattr(module, "SERVICE"):
                self.pages[module.SERVICE] = module
            for method, pattern, handler in module.ROUTES:
                self.routes.append(Route(method, re.compile(f"^{pattern}$"), handler))

    @staticmethod
    def wants(scope: Scope) -> bool:
        """The dashboard's own paths, and a browser's plain GET / (no AWS or Azure request looks like that)."""
        path: str = scope["path"]
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return True
        if path != "/" or scope.get("method") not in ("GET", "HEAD") or scope.get("query_string"):
            return False
        return not any(k == b"x-amz-target" or k.startswith(b"x-ms-") or k == b"authorization"
                       for k, _ in scope.get("headers", ()))

    async def handle(self, scope: Scope, receive: Receive) -> Response:
        self.errors.install()
        try:
            request = await Request.read(scope, receive, self.settings.max_body_bytes)
        except BodyTooLarge:
            return _text(413, "request body too large")
        try:
            return await self._route(request)
        except Exception as exc:  # a dashboard bug: say so on the page, and in Recent errors
            log.exception("dashboard: %s %s failed", request.method, request.path)
            if request.method == "POST":
                return _json(500, {"ok": False, "message": f"internal error: {type(exc).__name__}: {exc}"})
            return self._html(500, Page("Error", "", h("<h1>Something went wrong</h1><p>{m}</p><p>The Overview's "
                                                        "recent errors show the details.</p>",
                                                        m=f"{type(exc).__name__}: {exc}")))

    async def _route(self, request: Request) -> Response:
        if not self.guard.host_allowed(request):
            return _text(403, "The dashboard answers only requests addressed to localhost or an IP address "
                              "(this Host header could be another site pointing at this machine).")
        if request.path in ("/", PREFIX):
            return Response(302, b"", [("location", PREFIX + "/"), *SECURITY_HEADERS])
        sub = request.path[len(PREFIX):]
        if sub.startswith("/static/"):
            return _static(sub[len("/static/"):])
        for route in self.routes:
            match = route.pattern.match(sub)
            if match is None:
                continue
            if request.method != route.method and (request.method, route.method) != ("HEAD", "GET"):
                continue
            view = View(self, request, {k: v for k, v in match.groupdict().items()})
            if route.method == "POST":
                return await self._act(view, route.handler)
            return await self._show(view, route.handler)
        return self._html(404, Page("Not found", "", h('<h1>Not found</h1><p>No dashboard page at <code>{p}</code>.</p>',
                                                        p=request.path)))

    async def _show(self, view: View, handler: Handler) -> Response:
        try:
            result = await handler(view)
        except SERVICE_ERRORS as exc:
            return self._html(404, Page("Not found", "", h("<h1>Not found</h1><p>{m}</p>", m=_message(exc))))
        if isinstance(result, Response):
            result.headers.extend(SECURITY_HEADERS)
            return result
        return self._html(200, result)

    async def _act(self, view: View, handler: Handler) -> Response:
        request = view.request
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            view.form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        refused = self.guard.post_allowed(request, view.form.get(TOKEN_FIELD))
        if refused:
            return _json(403, {"ok": False, "message": refused})
        try:
            done = await handler(view)
        except SERVICE_ERRORS as exc:
            return _json(400, {"ok": False, "message": _message(exc)})
        if request.headers.get("x-cloudlet-csrf"):
            return _json(200, {"ok": True, "message": done.message, "redirect": done.redirect,
                                   "result": done.result, "html": done.html})
        back = done.redirect or view.form.get("back") or PREFIX + "/"
        if not back.startswith(PREFIX + "/"):
            back = PREFIX + "/"
        return Response(303, b"", [("location", back), *SECURITY_HEADERS])

    def _html(self, status: int, page: Page) -> Response:
        nav = join(h('<a href="{href}" class="{cls}">{title}</a>', href=f"{PREFIX}/{'' if s.key == 'overview' else s.key}",
                     cls="current" if s.key == page.section else "", title=s.title)
                   for s in SECTIONS if s.service is None or (s.service in self.pages and s.service in self.cloudlet.services))
        body = render("layout.html", title=page.title, nav=nav, token=self.guard.token, version=__version__,
                      content=page.body)
        return Response(status, body.encode("utf-8"), [("content-type", "text/html; charset=utf-8"), *SECURITY_HEADERS])



def _message(exc: Exception) -> str:
    code, message = getattr(exc, "code", None), getattr(exc, "message", None)
    if code:
        return f"{code}: {message}" if message else str(code)
    return str(exc)


def _static(name: str) -> Response:
    target = STATIC / name
    if "/" in name or name.startswith(".") or target.suffix not in STATIC_TYPES or not target.is_file():
        return _text(404, "no such file")
    return Response(200, target.read_bytes(), [("content-type", STATIC_TYPES[target.suffix]),
                                               ("cache-control", "max-age=60"), ("x-content-type-options", "nosniff")])


def _text(status: int, text: str) -> Response:
    return Response(status, text.encode(), [("content-type", "text/plain; charset=utf-8"), *SECURITY_HEADERS])


def _json(status: int, payload: Any) -> Response:
    return Response(status, json.dumps(payload).encode(), [("content-type", "application/json"), *SECURITY_HEADERS])


__all__ = ["Dashboard", "Page", "Done", "ActionError", "View", "PREFIX", "escape"]
