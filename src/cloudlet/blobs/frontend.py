"""The Azure Blob REST front end: route, authorize, call the operation, and answer with Azure's common headers,
CORS headers and error XML. Never a traceback: an unexpected failure is Azure's 500 InternalError."""

from __future__ import annotations

import logging
import time

from ..azure.accounts import Accounts
from ..azure.errors import StorageError
from ..azure.times import http_date, iso
from ..http import Receive, Response, Scope, Send
from . import cors
from .auth import authorize
from .blob_api import BlobApi
from .call import BlobCall, ClientDisconnected
from .container_api import ContainerApi
from .engine import BlobEngine
from .routes import route

log = logging.getLogger("cloudlet.blobs")
DEFAULT_VERSION = "2025-11-05"
DRAIN_LIMIT = 1 << 20


class BlobFrontEnd:
    def __init__(self, engine: BlobEngine, accounts: Accounts) -> None:
        self.engine = engine
        self.accounts = accounts
        self.containers = ContainerApi(engine)
        self.blobs = BlobApi(engine)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        call = None
        try:
            call = BlobCall(scope, receive)
            host_account = call.host_account()
            if host_account and call.account not in self.accounts and host_account in self.accounts:
                call.rebase(host_account)
            if call.method == "OPTIONS":
                response = await self._preflight(call)
            else:
                op = route(call)
                who = await authorize(call, op, self.accounts, self.engine)
                api = self.blobs if hasattr(self.blobs, op.name) else self.containers
                response = await getattr(api, op.name)(call, who)
        except ClientDisconnected:
            return
        except StorageError as exc:
            response = self._error(call, exc)
        except UnicodeDecodeError:
            response = self._error(call, StorageError(400, "InvalidUri"))
        except Exception:
            log.exception("blob request failed: %s %s", scope.get("method"), scope.get("path"))
            response = self._error(call, StorageError(500, "InternalError"))
        if call is not None:
            response.headers += await self._common(call)
            if not call.consumed and call.has_body:
                length = call.headers.get("content-length", "0")
                if length.isdigit() and int(length) <= DRAIN_LIMIT:
                    await call.drain()
                else:
                    response.headers.append(("connection", "close"))
        await response.send(send)

    def _error(self, call: BlobCall | None, exc: StorageError) -> Response:
        request_id = call.request_id if call else ""
        headers = [("x-ms-error-code", exc.code)]
        if exc.status == 304 or (call is not None and call.method == "HEAD"):
            return Response(exc.status, b"", headers + [("content-length", "0")])
        body = exc.to_xml(request_id, iso(time.time()))
        return Response(exc.status, body, headers + [("content-type", "application/xml")])

    async def _common(self, call: BlobCall) -> list[tuple[str, str]]:
        headers = [("x-ms-request-id", call.request_id), ("x-ms-version", call.header("x-ms-version") or
                                                          DEFAULT_VERSION), ("date", http_date())]
        client_id = call.header("x-ms-client-request-id")
        if client_id:
            headers.append(("x-ms-client-request-id", client_id))
        origin = call.header("origin")
        if origin and call.method != "OPTIONS" and self.accounts.get(call.account):
            rules = (await self.engine.get_service_properties(self.accounts.get(call.account).name)).get("cors")
            rule = cors.match(rules or [], origin, call.method)
            if rule:
                headers += cors.response_headers(rule, origin)
        return headers

    async def _preflight(self, call: BlobCall) -> Response:
        account = self.accounts.get(call.account)
        origin = call.header("origin")
        method = call.header("access-control-request-method")
        if account is None or not origin or not method:
            raise StorageError(403, "CorsPreflightFailure")
        wanted = [h.strip().lower() for h in (call.header("access-control-request-headers") or "").split(",")
                  if h.strip()]
        rules = (await self.engine.get_service_properties(account.name)).get("cors") or []
        rule = cors.match(rules, origin, method, wanted)
        if rule is None:
            raise StorageError(403, "CorsPreflightFailure")
        return Response(200, b"", cors.preflight_headers(rule, origin, method, wanted))
