"""Assistant: search indexes, data sources and indexers with their runs, errors and warnings; a chat box that
answers from an index with clickable citations, through the same On Your Data chat front end the SDKs use."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from ..assistant.embeddings import ExtraMissing
from ..http import Request
from .app import ActionError, Done, Page, View
from .markup import Safe, escape, h, join, pager, path, table

SERVICE = "assistant"
PAGE_SIZE = 50
HISTORY_SHOWN = 5
ISSUES_SHOWN = 20
_DOC_REF = re.compile(r"\[doc(\d+)\]")


def _service(view: View) -> Any:
    service = view.service(SERVICE)
    if service is None:
        raise ActionError("the assistant is not running")
    return service


async def summary(service: Any) -> str:
    return f"{len(service.engine.indexes)} indexes, {len(service.indexers.indexers)} indexers"


def _issues(result: dict[str, Any]) -> Safe:
    items = [h('<li class="issue-error"><b>{key}</b>: {message}</li>', key=e.get("key") or e.get("name") or "",
               message=e.get("errorMessage", "")) for e in result.get("errors") or []]
    items += [h('<li class="issue-warning"><b>{key}</b>: {message}</li>', key=w.get("key") or w.get("name") or "",
                message=w.get("message", "")) for w in result.get("warnings") or []]
    more = len(items) - ISSUES_SHOWN
    return h('<ul class="issues">{items}{more}</ul>', items=join(items[:ISSUES_SHOWN]),
             more=h("<li>… and {n} more</li>", n=more) if more > 0 else "") if items else Safe("")


def _run_row(result: dict[str, Any]) -> Safe:
    total = result.get("itemsTotal")
    return h('<div class="run"><span class="badge state-{cls}">{status}</span> {start} – {end}: '
             '{processed}{total} processed, {failed} failed{message}{issues}</div>',
             cls="succeeded" if result.get("status") == "success" else
             "running" if result.get("status") == "inProgress" else "failed",
             status=result.get("status", ""), start=(result.get("startTime") or "")[:19].replace("T", " "),
             end=(result.get("endTime") or "")[:19].replace("T", " "), processed=result.get("itemsProcessed", 0),
             total=f" of {total}" if total is not None else "", failed=result.get("itemsFailed", 0),
             message=h(" — {m}", m=result["errorMessage"]) if result.get("errorMessage") else "",
             issues=_issues(result))


async def assistant_page(view: View) -> Page:
    service = _service(view)
    engine, indexers = service.engine, service.indexers
    token = view.dashboard.guard.token
    start = max(0, view.int_arg("start"))
    names = sorted(engine.indexes)
    shown = names[start:start + PAGE_SIZE]
    index_rows = []
    for name in shown:
        index = engine.get_index(name)
        index_rows.append(h('<tr data-index="{n}"><td>{n}</td><td class="num docs">{docs}</td><td>{key}</td>'
                            '<td>{searchable}</td><td>{vectors}</td></tr>',
                            n=name, docs=await engine.count(name), key=index.key, searchable=", ".join(index.searchable),
                            vectors=", ".join(index.vector_fields) or "none"))
    sources = [h('<tr data-datasource="{n}"><td>{n}</td><td>{kind}</td><td>{container}</td><td>{query}</td></tr>',
                 n=name, kind=body.get("type", ""), container=(body.get("container") or {}).get("name", ""),
                 query=(body.get("container") or {}).get("query") or "")
               for name, (body, _) in sorted(indexers.datasources.items())]
    indexer_rows = []
    for name, (body, _) in sorted(indexers.indexers.items()):
        status = indexers.status(name)
        history = status.get("executionHistory") or []
        last = status.get("lastResult") or (history[0] if history else None)
        runs = join(_run_row(r) for r in ([last] if last else []) + [r for r in history if r is not last][:HISTORY_SHOWN - 1])
        indexer_rows.append(h(
            '<tr data-indexer="{n}"><td>{n}</td><td>{ds}</td><td>{target}</td><td>{state}</td><td>{runs}</td>'
            '<td><form class="inline" method="post" data-action action="/_cloudlet/dashboard/assistant/run">'
            '<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="indexer" value="{n}">'
            '<button>Run now</button></form></td></tr>',
            n=name, ds=body.get("dataSourceName", ""), target=body.get("targetIndexName", ""),
            state="disabled" if body.get("disabled") else status.get("status", ""),
            runs=runs or h('<span class="empty">not run yet</span>'), token=token))
    options = join(h('<option value="{n}">{n}</option>', n=n) for n in names)
    chat = h('<form id="chat-form" method="post" data-action data-result-html="chat-answer" '
             'action="/_cloudlet/dashboard/assistant/chat"><input type="hidden" name="csrf" value="{token}">'
             '<div class="row"><label>Index<select name="index">{options}</select></label>'
             '<label>Question<input name="question" size="70" required></label>'
             '<button class="primary">Ask</button></div></form><div id="chat-answer" class="chat" hidden></div>',
             token=token, options=options) if names else h('<p class="empty">Create an index to chat with it.</p>')
    next_url = path("assistant", query={"start": start + PAGE_SIZE}) if start + PAGE_SIZE < len(names) else None
    body = h('<h1>Assistant</h1>'
             '<div class="card"><h2>Chat with an index</h2>{chat}</div>'
             '<div id="assistant-live" data-live>'
             '<h2>Indexes</h2>{indexes}{pager}'
             '<h2>Indexers</h2>{indexers}'
             '<h2>Data sources</h2>{sources}</div>',
             chat=chat,
             indexes=table(["Name", "Documents", "Key", "Searchable fields", "Vector fields"], index_rows,
                           empty="No indexes.", cls="indexes"),
             pager=pager(next_url, path("assistant") if start else None),
             indexers=table(["Name", "Data source", "Target index", "State", "Runs (latest first)", ""], indexer_rows,
                            empty="No indexers.", cls="indexers"),
             sources=table(["Name", "Type", "Container", "Folder"], sources, empty="No data sources.",
                           cls="datasources"))
    return Page("Assistant", "assistant", body)


async def run_indexer(view: View) -> Done:
    service = _service(view)
    name = view.form.get("indexer", "")
    if name not in service.indexers.indexers:
        raise ActionError(f"No indexer {name}.")
    await service.indexers.run_now(name)
    return Done(f"Indexer {name} is running.")


def _citation_link(url: str | None) -> str | None:
    """A citation's URL, as a dashboard blob page when it names a blob of this Cloudlet."""
    if not url:
        return None
    parts = urlsplit(url)
    segments = parts.path.lstrip("/").split("/", 2)
    if len(segments) == 3 and segments[0] and segments[1]:
        return path("blobs", segments[0], segments[1], "blob", query={"name": unquote(segments[2])})
    return None


def _answer_html(answer: str, citations: list[dict[str, Any]]) -> Safe:
    text = _DOC_REF.sub(lambda m: f"\x00{m.group(1)}\x01", answer)
    pieces = []
    for chunk in re.split(r"(\x00\d+\x01)", text):
        ref = re.fullmatch(r"\x00(\d+)\x01", chunk)
        pieces.append(h('<a class="cite" href="#cite-{n}">[doc{n}]</a>', n=ref.group(1)) if ref else escape(chunk))
    cites = []
    for n, c in enumerate(citations, 1):
        link = _citation_link(c.get("url"))
        where = h('<a href="{u}">{f}</a>', u=link, f=c.get("filepath") or c.get("url")) if link else \
            h("{f}", f=c.get("filepath") or c.get("url") or "")
        cites.append(h('<details class="citation" id="cite-{n}"><summary>[doc{n}] {title} — {where}</summary>'
                       '<pre class="body">{content}</pre></details>', n=n, title=c.get("title") or "", where=where,
                       content=c.get("content") or ""))
    return h('<div class="chat-answer">{answer}</div><div class="citations">{cites}</div>', answer=join(pieces),
             cites=join(cites) or h('<p class="empty">No citations.</p>'))


async def chat(view: View) -> Done:
    service = _service(view)
    index, question = view.form.get("index", ""), view.form.get("question", "").strip()
    if not question:
        raise ActionError("Ask a question.")
    payload = {"messages": [{"role": "user", "content": question}],
               "data_sources": [{"type": "azure_search", "parameters": {
                   "endpoint": f"{view.request.scheme}://{view.request.host}", "index_name": index,
                   "authentication": {"type": "api_key", "key": "dashboard"}}}]}
    scope = {"type": "http", "method": "POST", "path": "/openai/deployments/dashboard/chat/completions",
             "query_string": b"api-version=2024-10-21", "scheme": view.request.scheme,
             "headers": [(b"api-key", b"dashboard"), (b"content-type", b"application/json"),
                         (b"host", view.request.host.encode("latin-1"))]}
    try:
        response = await service.chat_api.handle(Request(scope, json.dumps(payload).encode()))
    except ExtraMissing as exc:
        raise ActionError(str(exc)) from None
    answer = json.loads(response.body or b"{}")
    if response.status != 200:
        raise ActionError((answer.get("error") or {}).get("message") or f"chat failed ({response.status})")
    message = answer["choices"][0]["message"]
    citations = (message.get("context") or {}).get("citations") or []
    return Done(f"Answered from {index} with {len(citations)} citations.",
                html=_answer_html(message.get("content") or "", citations))


ROUTES = [
    ("GET", "/assistant", assistant_page),
    ("POST", "/assistant/run", run_indexer),
    ("POST", "/assistant/chat", chat),
]
