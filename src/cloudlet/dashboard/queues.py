"""Queues: every queue of every account with its depth, dead-letter links and redrive sources; peek at
messages without receiving them; send, purge, and move messages back from a dead-letter queue."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from ..queues.engine import decode_attrs, parse_arn
from ..store.queue_records import QueueRecord, StoredMessage
from .app import ActionError, Done, Page, View
from .markup import Safe, h, join, pager, path, size, table, when

SERVICE = "queues"
PAGE_SIZE = 50
MESSAGES_PAGE = 25
BODY_PREVIEW = 600
SOURCES_SHOWN = 5


def _engine(view: View) -> Any:
    service = view.service(SERVICE)
    if service is None:
        raise ActionError("the queue service is not running")
    return service.engine


def queue_path(queue: QueueRecord, *more: str, query: dict[str, Any] | None = None) -> str:
    return path("queues", queue.account, queue.region, queue.name, *more, query=query)


def arn_link(arn: str | None) -> Safe:
    """A link to the queue an ARN names (the page says so if it does not exist)."""
    parsed = parse_arn(arn or "")
    if parsed is None:
        return h("{a}", a=arn or "")
    region, account, name = parsed
    return h('<a href="{u}" title="{arn}">{name}</a>', u=path("queues", account, region, name), arn=arn, name=name)


def _dlq(queue: QueueRecord) -> tuple[str | None, str]:
    policy = queue.attributes.get("RedrivePolicy")
    if not policy:
        return None, ""
    try:
        parsed = json.loads(policy)
        return parsed.get("deadLetterTargetArn"), str(parsed.get("maxReceiveCount", ""))
    except ValueError:
        return None, ""


def _state(message: StoredMessage, now: int) -> str:
    if message.visible_at <= now:
        return "visible"
    return "inflight" if message.receive_count > 0 else "delayed"


async def summary(service: Any) -> str:
    totals = await service.engine.totals()
    return f"{totals['queues']} queues, {totals['messages']} messages"


# -- the list of queues ------------------------------------------------------------------------------
async def _queue_row(engine: Any, queue: QueueRecord) -> Safe:
    counts, (sources, more) = await asyncio.gather(engine.counts(queue),
                                                   engine.dead_letter_sources(queue, SOURCES_SHOWN, None))
    dlq_arn, max_receives = _dlq(queue)
    dlq = h("{link} <span class=\"muted\">after {n}</span>", link=arn_link(dlq_arn), n=max_receives) if dlq_arn else ""
    source_links = join((arn_link(s.arn) for s in sources), ", ")
    if more:
        source_links = h("{links}, …", links=source_links)
    return h('<tr data-queue="{name}"><td>{account}</td><td>{region}</td><td><a href="{u}">{name}</a></td>'
             '<td>{kind}</td><td class="num visible">{visible}</td><td class="num inflight">{inflight}</td>'
             '<td class="num delayed">{delayed}</td><td class="dlq">{dlq}</td><td class="sources">{sources}</td></tr>',
             account=queue.account, region=queue.region, u=queue_path(queue), name=queue.name,
             kind="FIFO" if queue.fifo else "standard", visible=counts["visible"], inflight=counts["inflight"],
             delayed=counts["delayed"], dlq=dlq, sources=source_links)


async def queue_list(view: View) -> Page:
    engine = _engine(view)
    after = view.int_arg("after")
    prefix = view.arg("prefix")
    queues = await engine.all_queues(after, PAGE_SIZE + 1, prefix)
    more = len(queues) > PAGE_SIZE
    queues = queues[:PAGE_SIZE]
    rows = await asyncio.gather(*(_queue_row(engine, q) for q in queues))
    next_url = path("queues", query={"after": queues[-1].id, "prefix": prefix}) if more else None
    first_url = path("queues", query={"prefix": prefix}) if after else None
    body = h('<h1>Queues</h1>'
             '<form class="filter" method="get" action="/_cloudlet/dashboard/queues"><div class="row">'
             '<label>Name starts with<input name="prefix" value="{prefix}"></label><button>Filter</button></div></form>'
             '<div id="queues-live" data-live>{table}{pager}</div>',
             prefix=prefix,
             table=table(["Account", "Region", "Name", "Type", "Visible", "In flight", "Delayed", "Dead-letter queue",
                          "Redrive sources"], list(rows), empty="No queues.", cls="queues"),
             pager=pager(next_url, first_url))
    return Page("Queues", "queues", body)


# -- one queue ---------------------------------------------------------------------------------------
async def _queue(view: View) -> QueueRecord:
    p = view.params
    return await _engine(view).get_queue(p["account"], p["region"], p["name"])


def _attrs_cell(message: StoredMessage) -> Safe:
    attrs = decode_attrs(message.attributes)
    items = []
    for name, value in attrs.items():
        shown = (f"<{len(value['BinaryValue'])} bytes>" if "BinaryValue" in value
                 else value.get("StringValue", ""))
        items.append(h("<div><b>{n}</b> <span class=\"muted\">{t}</span> {v}</div>", n=name, t=value.get("DataType"),
                       v=shown))
    return join(items)


def _message_row(queue: QueueRecord, m: StoredMessage, now: int) -> Safe:
    preview = m.body if len(m.body) <= BODY_PREVIEW else m.body[:BODY_PREVIEW] + "…"
    state = _state(m, now)
    return h('<tr data-message="{mid}"><td class="mono"><a href="{u}">{mid}</a></td>'
             '<td><span class="badge state-{state}">{state_text}</span></td><td class="num receives">{receives}</td>'
             '<td class="mono">{sent}</td><td>{group}</td><td>{attrs}</td><td><pre class="body">{body}</pre></td></tr>',
             mid=m.message_id, u=queue_path(queue, "messages", str(m.id)), state=state,
             state_text={"inflight": "in flight"}.get(state, state), receives=m.receive_count, sent=when(m.sent_at),
             group=m.group_id or "", attrs=_attrs_cell(m), body=preview)


async def _move_tasks(engine: Any, queue: QueueRecord, token: str) -> Safe:
    tasks = await engine.list_move_tasks(queue.arn, 10)
    rows = [h('<tr data-task="{id}"><td class="mono">{id}</td><td><span class="badge state-{cls}">{status}</span></td>'
              '<td class="num moved">{moved} / {total}</td><td>{dest}</td><td>{rate}</td><td class="mono">{started}</td>'
              '<td>{reason}</td><td>{cancel}</td></tr>',
              id=t.task_id, cls=t.status.lower(), status=t.status, moved=t.moved, total=t.to_move,
              dest=arn_link(t.destination_arn) if t.destination_arn else "each message's source queue",
              rate=t.max_per_second or "max", started=when(t.started_at), reason=t.failure_reason or "",
              cancel=h('<form class="inline" method="post" data-action action="{u}"><input type="hidden" name="csrf" '
                       'value="{token}"><input type="hidden" name="task" value="{id}"><button class="danger">Cancel'
                       '</button></form>', u=queue_path(queue, "cancel-move"), token=token, id=t.task_id)
              if t.status == "RUNNING" else "")
            for t in tasks]
    return table(["Task", "Status", "Moved", "Destination", "Per second", "Started (UTC)", "Failure", ""], rows,
                 empty="No move tasks yet.", cls="move-tasks")


def _cursor(text: str) -> tuple[int, int]:
    """The messages page's cursor, `visible_at.id` of the last message shown."""
    try:
        visible_at, row_id = text.split(".")
        return int(visible_at), int(row_id)
    except ValueError:
        return -1, 0


async def queue_detail(view: View) -> Page:
    engine = _engine(view)
    queue = await _queue(view)
    token = view.dashboard.guard.token
    after = _cursor(view.arg("after"))
    now = int(time.time() * 1000)
    counts, (sources, more_sources), messages = await asyncio.gather(
        engine.counts(queue), engine.dead_letter_sources(queue, 50, None), engine.peek(queue, after, MESSAGES_PAGE + 1))
    more = len(messages) > MESSAGES_PAGE
    messages = messages[:MESSAGES_PAGE]
    dlq_arn, max_receives = _dlq(queue)
    attributes = join(h("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v) for k, v in sorted(queue.attributes.items()))
    tags = join(h("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v) for k, v in sorted(queue.tags.items()))
    queue_url = f"{view.request.scheme}://{view.request.host}/{queue.account}/{queue.name}"
    fifo_fields = h('<label>Message group id<input name="group" required></label>'
                    '<label>Deduplication id<input name="dedup" placeholder="{hint}"></label>',
                    hint="content-based" if queue.attributes.get("ContentBasedDeduplication") == "true" else "required") \
        if queue.fifo else h('<label>Delay seconds<input name="delay" type="number" min="0" max="900"></label>')
    send_form = h('<form id="send-form" method="post" data-action data-reset action="{u}">'
                  '<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="back" value="{back}">'
                  '<div class="row"><label>Body<textarea name="body" required></textarea></label></div>'
                  '<div class="row">{fifo}<label>Attribute name<input name="attr_name"></label>'
                  '<label>Attribute value<input name="attr_value"></label>'
                  '<button class="primary">Send message</button></div></form>',
                  u=queue_path(queue, "send"), token=token, back=queue_path(queue), fifo=fifo_fields)
    purge_form = h('<form id="purge-form" method="post" data-action action="{u}" data-confirm="Delete every message in '
                   '{name}?"><input type="hidden" name="csrf" value="{token}"><input type="hidden" name="back" '
                   'value="{back}"><button class="danger">Purge queue</button></form>',
                   u=queue_path(queue, "purge"), name=queue.name, token=token, back=queue_path(queue))
    redrive = Safe("")
    if sources:
        redrive = h('<div class="card"><h2>Move messages back (redrive)</h2>'
                    '<p>This is the dead-letter queue of {sources}{more}.</p>'
                    '<form id="move-form" method="post" data-action action="{u}">'
                    '<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="back" value="{back}">'
                    '<div class="row"><label>Destination ARN (empty: each message\'s source queue)'
                    '<input name="destination" size="60"></label>'
                    '<label>Messages per second<input name="rate" type="number" min="1" max="500"></label>'
                    '<button class="primary">Start move task</button></div></form>'
                    '<div id="tasks-live" data-live>{tasks}</div></div>',
                    sources=join((arn_link(s.arn) for s in sources), ", "), more=", …" if more_sources else "",
                    u=queue_path(queue, "move"), token=token, back=queue_path(queue),
                    tasks=await _move_tasks(engine, queue, token))
    next_url = queue_path(queue, query={"after": f"{messages[-1].visible_at}.{messages[-1].id}"}) if more else None
    first_url = queue_path(queue) if view.arg("after") else None
    body = h('<h1>Queue {name} <span class="badge">{kind}</span></h1>'
             '<div class="grid"><div class="card"><dl class="props">'
             '<dt>URL</dt><dd class="mono">{url}</dd><dt>ARN</dt><dd class="mono">{arn}</dd>'
             '<dt>Account</dt><dd>{account}</dd><dt>Region</dt><dd>{region}</dd>'
             '<dt>Created</dt><dd>{created} UTC</dd>'
             '<dt>Dead-letter queue</dt><dd>{dlq}</dd></dl>'
             '<div id="counts-live" data-live><h2>Messages</h2><dl class="props counts">'
             '<dt>Visible</dt><dd class="visible">{visible}</dd><dt>In flight</dt><dd class="inflight">{inflight}</dd>'
             '<dt>Delayed</dt><dd class="delayed">{delayed}</dd></dl></div>'
             '<p>{purge}</p></div>'
             '<div class="card"><h2>Attributes</h2><dl class="props">{attributes}</dl>'
             '<h2>Tags</h2>{tags}</div></div>'
             '{redrive}'
             '<div class="card"><h2>Send a message</h2>{send}</div>'
             '<h2>Messages <span class="muted">(in the order receives take them; peeked: reading them here changes '
             'neither their visibility nor their receive count)</span></h2>'
             '<div id="messages-live" data-live>{messages}{pager}</div>',
             name=queue.name, kind="FIFO" if queue.fifo else "standard", url=queue_url, arn=queue.arn,
             account=queue.account, region=queue.region, created=when(queue.created_at),
             dlq=h("{l} after {n} receives", l=arn_link(dlq_arn), n=max_receives) if dlq_arn else "none",
             visible=counts["visible"], inflight=counts["inflight"], delayed=counts["delayed"], purge=purge_form,
             attributes=attributes, tags=h('<dl class="props">{t}</dl>', t=tags) if queue.tags else
             h('<p class="empty">No tags.</p>'), redrive=redrive, send=send_form,
             messages=table(["Message id", "State", "Receives", "Sent (UTC)", "Group", "Attributes", "Body"],
                            [_message_row(queue, m, now) for m in messages], empty="No messages.", cls="messages"),
             pager=pager(next_url, first_url))
    return Page(f"Queue {queue.name}", "queues", body)


async def message_detail(view: View) -> Page:
    engine = _engine(view)
    queue = await _queue(view)
    try:
        row_id = int(view.params["row"])
    except ValueError:
        raise ActionError("no such message") from None
    m = await engine.peek_one(queue, row_id)
    if m is None:
        raise ActionError("That message is gone: it was deleted, moved or expired.")
    now = int(time.time() * 1000)
    system = decode_attrs(m.system_attributes)
    props = [("Message id", m.message_id), ("State", _state(m, now)), ("Receive count", m.receive_count),
             ("Sent", when(m.sent_at)), ("First received", when(m.first_receive_at)),
             ("Visible at", when(m.visible_at)), ("Sender", m.sender_id), ("Message group id", m.group_id),
             ("Deduplication id", m.dedup_id), ("Sequence number", m.seq), ("Dead-lettered from", m.dlq_source_arn),
             ("MD5 of body", m.md5_body), ("MD5 of attributes", m.md5_attributes),
             ("Body size", size(len(m.body.encode("utf-8"))))]
    body = h('<h1>Message in <a href="{qu}">{qname}</a></h1>'
             '<div class="card"><dl class="props">{props}</dl></div>'
             '<div class="card"><h2>Attributes</h2>{attrs}<h2>System attributes</h2>{system}</div>'
             '<div class="card"><h2>Body</h2><pre class="body full" id="message-body">{body}</pre></div>',
             qu=queue_path(queue), qname=queue.name,
             props=join(h("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v) for k, v in props if v not in (None, "")),
             attrs=_attrs_cell(m) or h('<p class="empty">None.</p>'),
             system=join(h("<div><b>{k}</b> {v}</div>", k=k, v=v.get("StringValue", "")) for k, v in system.items())
             or h('<p class="empty">None.</p>'),
             body=m.body)
    return Page("Message", "queues", body)


# -- actions -----------------------------------------------------------------------------------------
async def send(view: View) -> Done:
    engine = _engine(view)
    queue = await _queue(view)
    entry: dict[str, Any] = {"MessageBody": view.form.get("body", "")}
    if view.form.get("delay"):
        try:
            entry["DelaySeconds"] = int(view.form["delay"])
        except ValueError:
            raise ActionError("Delay seconds must be a whole number.") from None
    for field, key in (("group", "MessageGroupId"), ("dedup", "MessageDeduplicationId")):
        if view.form.get(field):
            entry[key] = view.form[field]
    if view.form.get("attr_name"):
        entry["MessageAttributes"] = {view.form["attr_name"]: {"DataType": "String",
                                                               "StringValue": view.form.get("attr_value", "")}}
    message, _ = engine.prepare(queue, entry, "dashboard")
    outcomes = await engine.send(queue, [message])
    duplicate = " (a duplicate within the deduplication window: not stored again)" if outcomes[0].duplicate else ""
    return Done(f"Sent message {outcomes[0].message_id} to {queue.name}{duplicate}.")


async def purge(view: View) -> Done:
    queue = await _queue(view)
    await _engine(view).purge(queue)
    return Done(f"Purged {queue.name}.")


async def start_move(view: View) -> Done:
    engine = _engine(view)
    queue = await _queue(view)
    rate = view.form.get("rate") or None
    try:
        rate_value = int(rate) if rate else None
    except ValueError:
        raise ActionError("Messages per second must be a whole number.") from None
    task = await engine.start_move_task(queue.arn, view.form.get("destination") or None, rate_value)
    return Done(f"Started move task {task.task_id}: {task.to_move} messages to move.")


async def cancel_move(view: View) -> Done:
    queue = await _queue(view)
    task = await _engine(view).cancel_move_task(view.form.get("task", ""), queue.arn)
    return Done(f"Cancelled move task {task.task_id} after {task.moved} messages.")


_Q = r"/queues/(?P<account>[^/]+)/(?P<region>[^/]+)/(?P<name>[^/]+)"
ROUTES = [
    ("GET", "/queues", queue_list),
    ("GET", _Q, queue_detail),
    ("GET", _Q + r"/messages/(?P<row>\d+)", message_detail),
    ("POST", _Q + "/send", send),
    ("POST", _Q + "/purge", purge),
    ("POST", _Q + "/move", start_move),
    ("POST", _Q + "/cancel-move", cancel_move),
]
