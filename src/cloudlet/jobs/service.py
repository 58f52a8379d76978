"""The video job service as the server runs it: store, engine, Rekognition front end and admin view."""

from __future__ import annotations

import json
from typing import Any

from ..http import Request, Response, json_response
from ..objects import ObjectStore, TopicPublisher
from .api import RekognitionApi
from .engine import JobEngine, JobSettings
from .store import JobStore
from ..runtime import EngineService


class JobService(EngineService):
    name = "jobs"
    aws_name = "rekognition"

    def __init__(self, cloudlet: Any, settings: JobSettings | None = None) -> None:
        self.settings = settings or JobSettings.from_env()
        self.store = JobStore(cloudlet.db, self.settings.default_limit)
        self.engine = JobEngine(self.store, ObjectStore(cloudlet), TopicPublisher(cloudlet),
                                cloudlet.files_dir("jobs"), self.settings)
        self.api = RekognitionApi(self.engine)


    async def admin(self, request: Request) -> Response:
        """GET /_cloudlet/jobs: per-account active/limit, queued work, recent jobs.
        PUT /_cloudlet/jobs/limits/<account> {"limit": n}: set one account's concurrent job limit."""
        path = request.path.rstrip("/")
        if request.method == "GET" and path == "/_cloudlet/jobs":
            return json_response(await self.engine.overview())
        prefix = "/_cloudlet/jobs/limits/"
        if request.method in ("PUT", "POST") and path.startswith(prefix):
            account = path[len(prefix):]
            try:
                limit = int(json.loads(request.body or b"{}")["limit"])
                if limit < 0 or not account:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return json_response({"error": 'expected {"limit": <non-negative integer>}'}, 400)
            await self.engine.set_limit(account, limit)
            return json_response({"account": account, "limit": limit})
        return json_response({"error": f"no admin route {request.method} {request.path}"}, 404)
