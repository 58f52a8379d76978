"""Jobs: per account the active video analysis jobs against the limit, the queue and the recent jobs; one job's
request, status and results as a table, with the timestamp and frame each result came from."""

from __future__ import annotations

import json
from typing import Any

from ..jobs.api import GETS
from .app import ActionError, Done, Page, View
from .markup import Safe, h, join, pager, path, table, when

SERVICE = "jobs"
RESULTS_PAGE = 100
JOBS_PAGE = 50
# Start API -> (the result list's member, the stored view Get* answers by default)
_DEFAULT_VIEW = {"sort+aggregate": "TIMESTAMP/TIMESTAMPS", "sort": "TIMESTAMP", "none": "DEFAULT"}
RESULTS = {start: (member, _DEFAULT_VIEW[ordering]) for start, member, _, ordering in GETS.values()}


def _engine(view: View) -> Any:
    service = view.service(SERVICE)
    if service is None:
        raise ActionError("the video job service is not running")
    return service.engine


async def summary(service: Any) -> str:
    data = await service.engine.overview()
    active = sum(a["active"] for a in data["accounts"])
    return f"{active} active, {data['queued']} queued, {len(data['recent'])} recent jobs"


def _seconds(start: float | None, end: float | None) -> str:
    return f"{end - start:.1f} s" if start and end else ""


def _job_row(job: dict[str, Any], running: set[str]) -> Safe:
    status = job["status"]
    if status == "IN_PROGRESS" and job["job_id"] not in running:
        status = "QUEUED"  # accepted, waiting for a worker (Rekognition still answers IN_PROGRESS)
    return h('<tr data-job="{id}"><td class="mono"><a href="{u}">{short}</a></td><td>{account}</td><td>{api}</td>'
             '<td><span class="badge state-{cls}">{status}</span></td><td>{tag}</td><td class="mono">{created}</td>'
             '<td class="num">{took}</td><td class="num">{attempts}</td><td>{message}</td></tr>',
             id=job["job_id"], u=path("jobs", job["job_id"]), short=job["job_id"][:16] + "…", account=job["account"],
             api=job["api"].removeprefix("Start"), cls=status.lower(), status=status, tag=job.get("job_tag") or "",
             created=when(job["created_at"] * 1000), took=_seconds(job.get("started_at"), job.get("finished_at")),
             attempts=job.get("attempts", 0), message=job.get("status_message") or "")


def _cursor(text: str) -> tuple[float, str] | None:
    """The job list's page cursor `created_at:job_id` (None when absent or not one)."""
    created, _, job_id = text.partition(":")
    try:
        return (float(created), job_id) if job_id else None
    except ValueError:
        return None


async def jobs_page(view: View) -> Page:
    engine = _engine(view)
    data = await engine.overview()
    before = _cursor(view.arg("before"))
    jobs = await engine.recent_jobs(JOBS_PAGE + 1, before)
    more, jobs = len(jobs) > JOBS_PAGE, jobs[:JOBS_PAGE]
    next_url = path("jobs", query={"before": f"{jobs[-1]['created_at']!r}:{jobs[-1]['job_id']}"}) if more else None
    first_url = path("jobs") if before else None
    token = view.dashboard.guard.token
    accounts = [h('<tr data-account="{a}"><td>{a}</td><td class="num active">{active}</td><td class="num limit">{limit}'
                  '</td><td>{bar}</td></tr>', a=a["account"], active=a["active"], limit=a["limit"],
                  bar=h('<meter min="0" max="{m}" value="{v}"></meter>', m=max(a["limit"], 1), v=a["active"]))
                for a in data["accounts"]]
    running = join((h('<a class="mono" href="{u}">{s}</a>', u=path("jobs", j), s=j[:16] + "…")
                    for j in data["running"]), ", ") or "none"
    limit_form = h('<form id="limit-form" method="post" data-action action="/_cloudlet/dashboard/jobs/limit">'
                   '<input type="hidden" name="csrf" value="{token}"><div class="row">'
                   '<label>Account<input name="account" size="14" required></label>'
                   '<label>Concurrent job limit<input name="limit" type="number" min="0" required></label>'
                   '<button>Set limit</button></div></form>', token=token)
    body = h('<h1>Jobs</h1><div id="jobs-live" data-live>'
             '<div class="grid"><div class="card"><h2>Workers</h2><dl class="props">'
             '<dt>Workers</dt><dd>{workers}</dd><dt>Queued</dt><dd id="queued">{queued}</dd>'
             '<dt>Running</dt><dd id="running">{running}</dd><dt>Default limit</dt><dd>{default}</dd></dl></div>'
             '<div class="card"><h2>Active jobs per account</h2>{accounts}</div></div>'
             '<h2>Recent jobs</h2>{recent}{pager}</div>'
             '<div class="card"><h2>Set an account\'s limit</h2>{limit_form}</div>',
             workers=data["workers"], queued=data["queued"], running=running, default=data["defaultLimit"],
             accounts=table(["Account", "Active", "Limit", ""], accounts, empty="No jobs yet.", cls="accounts"),
             recent=table(["Job", "Account", "Analysis", "Status", "Tag", "Created (UTC)", "Took", "Attempts",
                           "Message"], [_job_row(j, set(data["running"])) for j in jobs], empty="No jobs yet.",
                          cls="recent-jobs"),
             pager=pager(next_url, first_url),
             limit_form=limit_form)
    return Page("Jobs", "jobs", body)


def _clock(ms: Any) -> str:
    if ms is None:
        return ""
    ms = int(ms)
    return f"{ms // 60000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


_SHOWN = {"Name", "DetectedText", "Confidence", "Index", "Timestamp", "StartTimestampMillis", "EndTimestampMillis",
          "StartFrameNumber", "EndFrameNumber", "StartTimecodeSMPTE"}


def _result_cells(item: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """(when, frames, what, confidence, details) of one result, whatever the analysis."""
    if "StartTimestampMillis" in item:
        at = f"{_clock(item['StartTimestampMillis'])} – {_clock(item.get('EndTimestampMillis'))}"
        frames = f"{item.get('StartFrameNumber', '')} – {item.get('EndFrameNumber', '')}"
        if item.get("StartTimecodeSMPTE"):
            frames += f" ({item['StartTimecodeSMPTE']})"
    else:
        at, frames = _clock(item.get("Timestamp")), ""
    inner = next((item[k] for k in ("Label", "ModerationLabel", "TextDetection", "Person", "Face") if k in item), {})
    what = (inner.get("Name") or inner.get("DetectedText")
            or (f"person {inner['Index']}" if "Index" in inner else "")
            or (item.get("ShotSegment") and "shot") or (item.get("TechnicalCueSegment") or {}).get("Type")
            or item.get("Type") or ("face" if "Face" in item else ""))
    confidence = inner.get("Confidence") or (item.get("TechnicalCueSegment") or {}).get("Confidence") \
        or (item.get("ShotSegment") or {}).get("Confidence")
    rest = {k: v for k, v in (inner or item).items() if k not in _SHOWN}
    details = json.dumps(rest, separators=(", ", ": "))
    return at, frames, str(what), f"{confidence:.1f}" if isinstance(confidence, (int, float)) else "", \
        details if len(details) < 400 else details[:400] + "…"


async def job_page(view: View) -> Page:
    engine = _engine(view)
    job = await engine.job(view.params["job_id"])
    if job is None:
        raise ActionError("No such job.")
    member, stored_view = RESULTS.get(job.api, ("Results", "DEFAULT"))
    start = max(0, view.int_arg("start"))
    items, more = (await engine.results(job.job_id, stored_view, start, RESULTS_PAGE)
                   if job.status == "SUCCEEDED" else ([], False))
    rows = [h('<tr><td class="mono">{at}</td><td class="mono">{frames}</td><td>{what}</td><td class="num">{conf}</td>'
              '<td class="mono small">{details}</td></tr>', at=at, frames=frames, what=what, conf=conf, details=details)
            for at, frames, what, conf, details in map(_result_cells, items)]
    s3 = job.request.get("Video", {}).get("S3Object", {})
    video = h('<a href="{u}">{b}/{n}</a>', u=path("blobs", "devstoreaccount1", s3.get("Bucket", ""), "blob",
                                                   query={"name": s3.get("Name", "")}),
              b=s3.get("Bucket", ""), n=s3.get("Name", ""))
    meta = (job.metadata or {}).get("VideoMetadata")
    if isinstance(meta, list):
        meta = meta[0] if meta else None
    meta_text = (f"{meta.get('Codec', '')} {meta.get('FrameWidth', '')}×{meta.get('FrameHeight', '')}, "
                 f"{meta.get('FrameRate', 0):.2f} fps, {_clock(meta.get('DurationMillis'))}") if meta else ""
    next_url = path("jobs", job.job_id, query={"start": start + RESULTS_PAGE}) if more else None
    first_url = path("jobs", job.job_id) if start else None
    body = h('<h1>Job <span class="mono">{short}</span></h1>'
             '<div id="job-live" data-live><div class="card"><dl class="props" id="job-props">'
             '<dt>Job id</dt><dd class="mono">{id}</dd><dt>Account</dt><dd>{account}</dd>'
             '<dt>Analysis</dt><dd>{api}</dd><dt>Status</dt><dd><span class="badge state-{cls}" id="job-status">'
             '{status}</span> {message}</dd><dt>Video</dt><dd>{video}</dd><dt>Video metadata</dt><dd>{meta}</dd>'
             '<dt>Tag</dt><dd>{tag}</dd><dt>Created</dt><dd>{created} UTC</dd><dt>Started</dt><dd>{started}</dd>'
             '<dt>Finished</dt><dd>{finished}</dd><dt>Attempts</dt><dd>{attempts}</dd></dl></div>'
             '<h2>{member} <span class="muted">(as Get{getter} answers them)</span></h2>{results}{pager}</div>',
             short=job.job_id[:16] + "…", id=job.job_id, account=job.account, api=job.api.removeprefix("Start"),
             cls=job.status.lower(), status=job.status, message=job.status_message or "", video=video,
             meta=meta_text, tag=job.job_tag or "", created=when(job.created_at * 1000),
             started=when((job.started_at or 0) * 1000), finished=when((job.finished_at or 0) * 1000),
             attempts=job.attempts, member=member, getter=job.api.removeprefix("Start"),
             results=table(["Time", "Frames", "Result", "Confidence", "Details"], rows,
                           empty="No results yet." if job.status == "IN_PROGRESS" else "No results.", cls="results"),
             pager=pager(next_url, first_url))
    return Page("Job", "jobs", body)


async def set_limit(view: View) -> Done:
    account = view.form.get("account", "").strip()
    try:
        limit = int(view.form.get("limit", ""))
    except ValueError:
        raise ActionError("The limit must be a whole number.") from None
    if not account or limit < 0:
        raise ActionError("Give an account and a limit of 0 or more.")
    await _engine(view).set_limit(account, limit)
    return Done(f"Account {account} may now run {limit} jobs at once.")


ROUTES = [
    ("GET", "/jobs", jobs_page),
    ("GET", r"/jobs/(?P<job_id>[0-9a-f]+)", job_page),
    ("POST", "/jobs/limit", set_limit),
]
