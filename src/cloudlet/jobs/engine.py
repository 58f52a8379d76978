"""The job engine: admission under the per-account quota, a bounded pool of analysis workers, durable
outcomes, recovery after a restart, and completion notifications. Knows nothing of HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..objects import ObjectNotFound, ObjectStore, TopicPublisher
from ..runtime import cancel_and_wait
from .analyzers.errors import AnalysisFailed
from .pool import ProcessSlots, WorkerCrashed, WorkerTimeout
from .store import Admission, Job, JobStore

log = logging.getLogger("cloudlet.jobs")

MAX_VIDEO_BYTES = 10 * 1024**3  # Rekognition's limit for a stored video
MAX_ATTEMPTS = 2  # a job interrupted this many times by restarts ends FAILED instead of running again


class QuotaExceeded(Exception):
    def __init__(self, active: int, limit: int) -> None:
        super().__init__(f"{active} open Jobs. Maximum limit: {limit}")
        self.active = active
        self.limit = limit


class TokenMismatch(Exception):
    pass


class VideoTooLarge(Exception):
    pass


@dataclass
class JobSettings:
    default_limit: int = 20
    workers: int = 2  # 0 admits and queues jobs without running them (for tests of the quota alone)
    timeout: float = 1800.0
    limits: dict[str, int] | None = None

    @classmethod
    def from_env(cls) -> "JobSettings":
        limits = {}
        for item in filter(None, os.environ.get("CLOUDLET_JOBS_LIMITS", "").split(",")):
            account, _, value = item.partition("=")
            limits[account.strip()] = int(value)
        return cls(default_limit=int(os.environ.get("CLOUDLET_JOBS_MAX_ACTIVE", "20")),
                   workers=max(0, int(os.environ.get("CLOUDLET_JOBS_WORKERS", "2"))),
                   timeout=float(os.environ.get("CLOUDLET_JOBS_TIMEOUT", "1800")), limits=limits)


def request_hash(api: str, params: dict[str, Any]) -> str:
    body = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    return hashlib.sha256(json.dumps([api, body], sort_keys=True, default=str).encode()).hexdigest()


class JobEngine:
    def __init__(self, store: JobStore, objects: ObjectStore, publisher: TopicPublisher, work_dir: Path,
                 settings: JobSettings) -> None:
        self.store = store
        self.objects = objects
        self.publisher = publisher
        self.work_dir = work_dir
        self.settings = settings
        self.pool = ProcessSlots(settings.workers)
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.running: dict[int, str] = {}
        self.tasks: list[asyncio.Task] = []

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        await self._apply_configured_limits()
        for job in await self.store.in_progress():
            if job.attempts >= MAX_ATTEMPTS:
                await self._finish(job, "FAILED", "The job was interrupted by Cloudlet restarts and was not "
                                   "run again.", None, {})
            else:
                self.queue.put_nowait(job.job_id)
        self.tasks = [asyncio.create_task(self._work(slot), name=f"video-job-worker-{slot}")
                      for slot in range(self.settings.workers)]

    async def stop(self) -> None:
        await cancel_and_wait(*self.tasks)
        self.tasks = []
        await asyncio.to_thread(self.pool.close)

    async def reset(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        await self.store.wipe()
        await self._apply_configured_limits()

    async def _apply_configured_limits(self) -> None:
        for account, limit in (self.settings.limits or {}).items():
            await self.store.set_limit(account, limit)

    # -- admission -----------------------------------------------------------------------------
    async def submit(self, account: str, api: str, params: dict[str, Any]) -> str:
        """Accept a Start: returns the JobId; raises ObjectNotFound, VideoTooLarge, QuotaExceeded or
        TokenMismatch."""
        s3 = params["Video"]["S3Object"]
        token = params.get("ClientRequestToken")
        digest = request_hash(api, params)
        if token is None or not await self.store.token_used(account, api, token):
            size = await self.objects.exists(account, s3["Bucket"], s3["Name"], s3.get("Version"))
            if size > MAX_VIDEO_BYTES:
                raise VideoTooLarge()
        admission = await self.store.admit(uuid.uuid4().hex + uuid.uuid4().hex, account, api, params, digest,
                                           token, params.get("JobTag"))
        if admission.outcome == Admission.OVER_LIMIT:
            raise QuotaExceeded(admission.active, admission.limit)
        if admission.outcome == Admission.MISMATCH:
            raise TokenMismatch()
        if admission.outcome == Admission.NEW:
            self.queue.put_nowait(admission.job_id)
        return admission.job_id

    async def job(self, job_id: str) -> Job | None:
        return await self.store.get(job_id)

    async def recent_jobs(self, limit: int, before: tuple[float, str] | None = None) -> list[dict[str, Any]]:
        """A page of the job list, newest first; `before` is the (created_at, job_id) of the previous page's last."""
        return await self.store.recent(limit, before)

    async def results(self, job_id: str, view: str, start: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Items start.. of one stored result view of a job, and whether more follow."""
        return await self.store.page(job_id, view, start, limit)

    async def set_limit(self, account: str, limit: int) -> None:
        await self.store.set_limit(account, limit)

    async def overview(self) -> dict[str, Any]:
        data = await self.store.overview()
        accounts = sorted(set(data["active"]) | set(data["limits"]))
        return {
            "defaultLimit": self.store.default_limit,
            "workers": self.settings.workers,
            "queued": self.queue.qsize(),
            "running": sorted(self.running.values()),
            "accounts": [{"account": a, "active": data["active"].get(a, 0),
                          "limit": data["limits"].get(a, self.store.default_limit)} for a in accounts],
            "recent": data["recent"],
        }

    # -- running -------------------------------------------------------------------------------
    async def _work(self, slot: int) -> None:
        while True:
            job_id = await self.queue.get()
            job = await self.store.get(job_id)
            if job is None or job.status != "IN_PROGRESS":
                continue
            self.running[slot] = job_id
            try:
                await self._run(slot, job)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in the engine: the job still ends, and frees its slot
                log.exception("video job %s failed in the engine", job_id)
                await self._finish(job, "FAILED", "Internal error while analysing the video.", None, {})
            finally:
                self.running.pop(slot, None)

    async def _run(self, slot: int, job: Job) -> None:
        await self.store.mark_started(job.job_id)
        s3 = job.request["Video"]["S3Object"]
        path = self.work_dir / f"{job.job_id}.video"
        try:
            try:
                await self.objects.copy_to(job.account, s3["Bucket"], s3["Name"], s3.get("Version"), path)
            except ObjectNotFound:
                await self._finish(job, "FAILED", "Unable to get object metadata from S3. Check object key, "
                                   "region and/or access permissions.", None, {})
                return
            from . import analyzers

            try:
                out = await self.pool.run(slot, self.settings.timeout, analyzers.run, job.api, str(path),
                                          job.request)
            except AnalysisFailed as exc:
                await self._finish(job, "FAILED", exc.message, None, {})
                return
            except (WorkerCrashed, WorkerTimeout) as exc:
                await self._finish(job, "FAILED", str(exc), None, {})
                return
            metadata = {"VideoMetadata": out["metadata"], **out.get("extra", {})}
            await self._finish(job, "SUCCEEDED", None, metadata, out["views"])
        finally:
            await asyncio.to_thread(path.unlink, True)

    async def _finish(self, job: Job, status: str, message: str | None, metadata: dict[str, Any] | None,
                      views: dict[str, list[dict[str, Any]]]) -> None:
        if not await self.store.finish(job.job_id, status, message, metadata, views):
            return  # already over (or wiped by a reset): no second notification
        channel = job.request.get("NotificationChannel")
        if channel:
            s3 = job.request["Video"]["S3Object"]
            event = {"JobId": job.job_id, "Status": status, "API": job.api,
                     "JobTag": job.job_tag, "Timestamp": int(time.time() * 1000),
                     "Video": {"S3ObjectName": s3["Name"], "S3Bucket": s3["Bucket"]}}
            if job.job_tag is None:
                del event["JobTag"]  # AWS leaves it out when the Start had none
            if not await self.publisher.publish(channel["SNSTopicArn"], json.dumps(event)):
                log.warning("job %s: could not publish its completion to %s", job.job_id, channel["SNSTopicArn"])
