"""The Rekognition Video front end: Start*/Get* operations onto the job engine, in AWS's shapes and errors."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..aws.context import RequestContext
from ..aws.errors import AwsError
from ..aws.models import service_model
from ..aws.validate import validate
from ..objects import ObjectNotFound
from .engine import JobEngine, QuotaExceeded, TokenMismatch, VideoTooLarge
from .store import Job

MAX_RESULTS = 1000
_TOKEN_KEY = b"cloudlet-video-jobs-v1"

# Get operation -> (its Start operation, result list member, model-version member, how SortBy/AggregateBy pick
# a stored view)
GETS: dict[str, tuple[str, str, str | None, str]] = {
    "GetLabelDetection": ("StartLabelDetection", "Labels", "LabelModelVersion", "sort+aggregate"),
    "GetContentModeration": ("StartContentModeration", "ModerationLabels", "ModerationModelVersion",
                             "sort+aggregate"),
    "GetPersonTracking": ("StartPersonTracking", "Persons", None, "sort"),
    "GetFaceDetection": ("StartFaceDetection", "Faces", None, "none"),
    "GetTextDetection": ("StartTextDetection", "TextDetections", "TextModelVersion", "none"),
    "GetSegmentDetection": ("StartSegmentDetection", "Segments", None, "none"),
}
STARTS = {start for start, *_ in GETS.values()}
NO_CELEBRITIES = {"StartCelebrityRecognition", "GetCelebrityRecognition", "GetCelebrityInfo",
                  "RecognizeCelebrities"}

LIMIT_MESSAGE = "{active} open Jobs for User {account}. Maximum limit: {limit}"
TOO_LARGE_MESSAGE = ("The file size or duration of the supplied media is too large. The maximum file size is "
                     "10GB. The maximum duration is 6 hours.")
S3_MESSAGE = "Unable to get object metadata from S3. Check object key, region and/or access permissions."


class RekognitionApi:
    def __init__(self, engine: JobEngine) -> None:
        self.engine = engine
        self.model = service_model("rekognition")

    async def call(self, operation: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        if operation in STARTS:
            validate(self.model.operation_model(operation).input_shape, params)
            return await self._start(operation, params, ctx)
        if operation in GETS:
            validate(self.model.operation_model(operation).input_shape, params)
            return await self._get(operation, params, ctx)
        if operation in NO_CELEBRITIES:
            raise AwsError("AccessDeniedException", "Celebrity recognition is not available to this account in "
                                                    "Cloudlet: no celebrity model ships offline.")
        if operation == "StartFaceSearch":
            raise AwsError("ResourceNotFoundException",
                           f"The collection id: {params.get('CollectionId')} does not exist")
        if operation == "GetFaceSearch":
            raise AwsError("ResourceNotFoundException", "Job not found.")
        raise AwsError("AccessDeniedException", f"{operation} is not offered by this Cloudlet account: it serves "
                                                "Rekognition Video's asynchronous jobs only.")

    # -- Start* --------------------------------------------------------------------------------
    async def _start(self, operation: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        s3 = (params.get("Video") or {}).get("S3Object")
        if not s3 or not s3.get("Bucket") or not s3.get("Name"):
            raise AwsError("InvalidParameterException", "Video.S3Object with Bucket and Name is required.")
        if operation == "StartSegmentDetection":
            _check_segment_request(params)
        try:
            job_id = await self.engine.submit(ctx.account, operation, params)
        except ObjectNotFound:
            raise AwsError("InvalidS3ObjectException", S3_MESSAGE) from None
        except QuotaExceeded as exc:
            raise AwsError("LimitExceededException", LIMIT_MESSAGE.format(
                active=exc.active, account=ctx.account, limit=exc.limit)) from None
        except VideoTooLarge:
            raise AwsError("VideoTooLargeException", TOO_LARGE_MESSAGE) from None
        except TokenMismatch:
            raise AwsError("IdempotentParameterMismatchException",
                           "ClientRequestToken was used with different parameters.") from None
        return {"JobId": job_id}

    # -- Get* ----------------------------------------------------------------------------------
    async def _get(self, operation: str, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        start_api, member, version_member, ordering = GETS[operation]
        job = await self.engine.job(params["JobId"])
        if job is None or job.account != ctx.account or job.api != start_api:
            raise AwsError("ResourceNotFoundException", f"The job {params['JobId']} was not found.")
        view, request_meta = _view(ordering, params)
        out: dict[str, Any] = {"JobStatus": job.status, "JobId": job.job_id,
                               "Video": job.request["Video"]}
        if job.job_tag:
            out["JobTag"] = job.job_tag
        if request_meta:
            out["GetRequestMetadata"] = request_meta
        if job.status_message:
            out["StatusMessage"] = job.status_message
        if job.status != "SUCCEEDED":
            if params.get("NextToken"):
                raise AwsError("InvalidPaginationTokenException", "Invalid Token")
            return out
        meta = job.metadata or {}
        if operation == "GetSegmentDetection":
            out["VideoMetadata"] = [meta["VideoMetadata"]]
            out["AudioMetadata"] = meta.get("AudioMetadata", [])
            out["SelectedSegmentTypes"] = meta.get("SelectedSegmentTypes", [])
        else:
            out["VideoMetadata"] = meta["VideoMetadata"]
        if version_member and meta.get("ModelVersion"):
            out[version_member] = meta["ModelVersion"]
        start = _read_token(params.get("NextToken"), job, view) if params.get("NextToken") else 0
        limit = min(params.get("MaxResults") or MAX_RESULTS, MAX_RESULTS)
        items, more = await self.engine.store.page(job.job_id, view, start, limit)
        out[member] = items
        if more:
            out["NextToken"] = _make_token(job, view, start + limit)
        return out


def _view(ordering: str, params: dict[str, Any]) -> tuple[str, dict[str, str] | None]:
    if ordering == "sort+aggregate":
        sort, aggregate = params.get("SortBy", "TIMESTAMP"), params.get("AggregateBy", "TIMESTAMPS")
        return f"{sort}/{aggregate}", {"SortBy": sort, "AggregateBy": aggregate}
    if ordering == "sort":
        return params.get("SortBy", "TIMESTAMP"), None
    return "DEFAULT", None


def _check_segment_request(params: dict[str, Any]) -> None:
    types = params.get("SegmentTypes") or []
    if len(set(types)) != len(types):
        raise AwsError("InvalidParameterException", "SegmentTypes must not repeat a type.")


def _sign(payload: str) -> str:
    return hashlib.sha256(_TOKEN_KEY + payload.encode()).hexdigest()[:16]


def _make_token(job: Job, view: str, start: int) -> str:
    payload = f"{job.job_id}|{view}|{start}"
    return base64.urlsafe_b64encode(f"{payload}|{_sign(payload)}".encode()).decode()


def _read_token(token: str, job: Job, view: str) -> int:
    try:
        job_id, token_view, start, check = base64.urlsafe_b64decode(token.encode()).decode().split("|")
        if _sign(f"{job_id}|{token_view}|{start}") != check or job_id != job.job_id or token_view != view:
            raise ValueError
        return int(start)
    except (ValueError, UnicodeDecodeError):
        raise AwsError("InvalidPaginationTokenException", "Invalid Token") from None

