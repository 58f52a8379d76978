"""The ASGI application: classifies each request and hands it to a service front end."""

from __future__ import annotations

import logging
import time
from typing import Any

from . import __version__
from .config import Settings
from .http import BodyTooLarge, Receive, Request, Response, Scope, Send, json_response
from .runtime import Cloudlet

log = logging.getLogger("cloudlet")


class App:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cloudlet = Cloudlet(settings)
        from .aws.dispatch import AwsFrontEnd
        from .queues.service import QueueService

        self.cloudlet.add(QueueService(self.cloudlet))
        from .topics.service import TopicService

        self.cloudlet.add(TopicService(self.cloudlet))
        from .blobs.service import BlobService, is_blob_request

        self._is_blob_request = is_blob_request
        self.blobs = self.cloudlet.add(BlobService(self.cloudlet))
        from .jobs.service import JobService

        self.cloudlet.add(JobService(self.cloudlet))
        from .assistant import AssistantService, is_assistant_request

        self._is_assistant_request = is_assistant_request
        self.assistant = self.cloudlet.add(AssistantService(self.cloudlet))
        self.aws = AwsFrontEnd(self.cloudlet)
        from .dashboard import Dashboard

        self.dashboard = Dashboard(self.cloudlet, settings)
        self.ready = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        path: str = scope["path"]
        try:
            if self.dashboard.wants(scope):
                response = await self.dashboard.handle(scope, receive)
            elif path.startswith("/_cloudlet/"):
                response = await self._admin(scope, receive)
            elif self._is_blob_request(scope, self.settings):
                await self.blobs.asgi(scope, receive, send)
                return
            elif self._is_assistant_request(scope):
                await self.assistant.asgi(scope, receive, send)
                return
            else:
                response = await self.aws.handle(scope, receive)
        except Exception:  # a bug: answer like AWS's InternalFailure, never a bare traceback page
            log.exception("unhandled error for %s %s", scope.get("method"), path)
            response = json_response({"__type": "InternalFailure", "message": "internal error"}, 500)
        await response.send(send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.cloudlet.start()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                self.ready = True
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.ready = False
                await self.cloudlet.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _admin(self, scope: Scope, receive: Receive) -> Response:
        try:
            request = await Request.read(scope, receive, self.settings.max_body_bytes)
        except BodyTooLarge:
            return json_response({"error": "body too large"}, 413)
        for service in self.cloudlet.services.values():  # services' own non-AWS routes, e.g. SNS's certificate
            prefix = getattr(service, "admin_prefix", None)
            if prefix and request.path.startswith(prefix):
                return await service.handle_admin(request)
        route = (request.method, request.path.rstrip("/"))
        if route == ("GET", "/_cloudlet/health"):
            return json_response(self.health())
        if request.path.startswith("/_cloudlet/jobs"):
            return await self.cloudlet.services["jobs"].admin(request)
        if route == ("POST", "/_cloudlet/reset"):
            await self.cloudlet.reset()
            return json_response({"reset": True})
        return json_response({"error": f"no admin route {request.method} {request.path}"}, 404)

    def health(self) -> dict[str, Any]:
        import botocore
        import sqlite3
        import uvicorn

        return {
            "status": "ready" if self.ready else "starting",
            "version": __version__,
            "versions": {"cloudlet": __version__, "botocore": botocore.__version__,
                         "sqlite": sqlite3.sqlite_version, "uvicorn": uvicorn.__version__},
            "services": sorted(self.cloudlet.services),
            "dataDir": None if self.cloudlet.data_dir is None else str(self.cloudlet.data_dir),
            "inMemory": self.settings.in_memory,
            "uptimeSeconds": round(time.time() - self.cloudlet.started_at, 3),
        }
