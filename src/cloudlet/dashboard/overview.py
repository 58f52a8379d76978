"""Overview: the server (version, data directory, store, uptime), each service with its counts, recent errors."""

from __future__ import annotations

import asyncio
import logging
import time

from .. import __version__
from .app import Page, View
from .markup import h, table, when

log = logging.getLogger("cloudlet.dashboard")


def _uptime(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{days}d " if days else "") + f"{hours:02d}:{minutes:02d}:{secs:02d}"


async def _service_row(view: View, name: str, service: object) -> object:
    page = view.dashboard.pages.get(name)
    summary = ""
    if page is not None and hasattr(page, "summary"):
        try:
            summary = await page.summary(service)
        except Exception as exc:  # one service's trouble must not take the overview down
            log.warning("dashboard summary of %s failed: %s", name, exc)
            summary = f"unavailable: {exc}"
    link = h('<a href="/_cloudlet/dashboard/{n}">{n}</a>', n=name) if page is not None else h("{n}", n=name)
    return h('<tr data-service="{n}"><td>{link}</td><td>{summary}</td></tr>', n=name, link=link, summary=summary)


async def overview(view: View) -> Page:
    cloudlet = view.dashboard.cloudlet
    settings = view.dashboard.settings
    db = cloudlet.db
    store = "SQLite in memory" if db.path is None else h("SQLite (WAL) <code>{p}</code>, sync={s}", p=db.path, s=db.sync)
    listening = f"http://{settings.host}:{settings.port}"
    if settings.blob_port and settings.blob_port != settings.port:
        listening += f" and :{settings.blob_port} (Azure Blob)"
    server = h('<dl class="props">'
               '<dt>Version</dt><dd id="version">{version}</dd>'
               '<dt>Listening</dt><dd>{listening}</dd>'
               '<dt>Data directory</dt><dd id="data-dir"><code>{data_dir}</code></dd>'
               '<dt>Store</dt><dd id="store">{store}</dd>'
               '<dt>Started</dt><dd>{started} UTC</dd>'
               '<dt>Uptime</dt><dd id="uptime">{uptime}</dd>'
               '<dt>Commits</dt><dd>{commits} transactions carrying {writes} writes</dd>'
               '</dl>',
               version=__version__, listening=listening,
               data_dir="(in memory)" if cloudlet.data_dir is None else cloudlet.data_dir, store=store,
               started=when(cloudlet.started_at * 1000), uptime=_uptime(time.time() - cloudlet.started_at),
               commits=db.commits, writes=db.writes)
    rows = await asyncio.gather(*(_service_row(view, name, svc) for name, svc in sorted(cloudlet.services.items())))
    errors = view.dashboard.errors.latest(25)
    error_rows = [h('<tr><td class="mono">{at}</td><td><span class="badge {cls}">{level}</span></td><td>{logger}</td>'
                    '<td><pre class="body">{message}</pre></td></tr>',
                    at=when(e.at_ms), cls="bad" if e.level in ("ERROR", "CRITICAL") else "warn", level=e.level,
                    logger=e.logger, message=e.message) for e in errors]
    body = h('<h1>Overview</h1>'
             '<div id="overview-live" data-live>'
             '<div class="grid"><div class="card"><h2>Server</h2>{server}</div>'
             '<div class="card"><h2>Services</h2>{services}</div></div>'
             '<h2>Recent errors <span class="muted">(<span id="errors-total">{total}</span> since start)</span></h2>{errors}'
             '</div>',
             server=server, services=table(["Service", "Contents"], list(rows), cls="services"),
             total=view.dashboard.errors.total,
             errors=table(["When (UTC)", "Level", "Where", "Message"], error_rows,
                          empty="No warnings or errors logged since the server started.", cls="errors"))
    return Page("Overview", "overview", body)


ROUTES = [("GET", "/", overview)]
