"""Topics: an account's topics and every account's, their subscriptions (state, filter policy, raw delivery,
dead-letter queue) with their delivery statistics, the delivery log (failed attempts and the retry each waits
for, dead-letters, drops), and publishing a test message. Everything comes from the topic engine's methods."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..topics.messages import published
from .app import ActionError, Done, Page, View
from .markup import Safe, h, join, pager, path, table, when
from .queues import arn_link
from ..topics.stats import WAITING_CAP

SERVICE = "topics"
SUBSCRIPTIONS_SHOWN = 100


def _engine(view: View) -> Any:
    service = view.service(SERVICE)
    if service is None or service.engine is None:
        raise ActionError("the topic service is not running")
    return service.engine


def topic_path(account: str, region: str, name: str, *more: str, query: dict[str, Any] | None = None) -> str:
    return path("topics", account, region, name, *more, query=query)


def _topic_url(arn: str) -> str:
    _, _, _, region, account, name = arn.split(":", 5)
    return topic_path(account, region, name)


def _arn(view: View) -> str:
    p = view.params
    return f"arn:aws:sns:{p['region']}:{p['account']}:{p['name']}"


async def summary(service: Any) -> str:
    engine = service.engine
    if engine is None:
        return "not started"
    totals = engine.delivery_summary()
    return (f"{totals['waiting']} deliveries waiting, {totals['dead_lettered']} dead-lettered, "
            f"{totals['dropped']} dropped since start")


OUTCOMES = {"retry": "failed, will retry", "dead-lettered": "dead-lettered", "dropped": "dropped"}


async def _delivery_log(view: View, engine: Any, topic_arn: str | None, here: Any) -> Safe:
    """The engine's delivery log, newest first, a page at a time; `here(token)` is this page's URL."""
    token = view.arg("log") or None
    entries, next_token = await engine.delivery_log(topic_arn, token)
    rows = []
    for e in entries:
        if e.outcome == "retry":
            status = h('<span class="badge state-pending">retrying at {t}</span>', t=when(e.next_attempt_at)) \
                if e.still_retrying else h('<span class="muted">retried</span>')
        elif e.outcome == "dead-lettered":
            status = h("to {q}", q=arn_link(e.target)) if e.target else Safe("")
        else:
            status = Safe("")
        rows.append(h('<tr data-log-outcome="{outcome}"><td class="mono">{at}</td><td><a href="{tu}">{topic}</a></td>'
                      '<td class="endpoint">{endpoint}</td><td class="mono small">{message_id}</td>'
                      '<td class="num attempt">{attempt}</td><td>{what}</td><td class="status">{status}</td>'
                      '<td class="error-cell"><pre class="body wrap reason">{reason}</pre></td></tr>',
                      outcome=e.outcome, at=when(e.at), tu=_topic_url(e.topic_arn),
                      topic=e.topic_arn.rsplit(":", 1)[-1], endpoint=e.endpoint, message_id=e.message_id,
                      attempt=e.attempt or "publish", what=OUTCOMES.get(e.outcome, e.outcome), status=status,
                      reason=e.reason))
    return join([table(["When (UTC)", "Topic", "Endpoint", "Message", "Attempt", "Outcome", "Now", "Reason"], rows,
                       empty="No failed deliveries.", cls="delivery-log"),
                 pager(here(next_token) if next_token else None, here(None) if token else None)])


async def topic_list(view: View) -> Page:
    engine = _engine(view)
    settings = view.dashboard.settings
    account = view.arg("account") or settings.default_account
    region = view.arg("region") or settings.region
    token = view.arg("token") or None
    arns, next_token = await engine.list_topics(account, region, token)
    topics = await asyncio.gather(*(engine.get_topic(arn) for arn in arns))
    attributes = await asyncio.gather(*(engine.topic_attributes(t) for t in topics))
    rows = [h('<tr data-topic="{name}"><td><a href="{u}">{name}</a></td><td>{kind}</td>'
              '<td class="num confirmed">{confirmed}</td><td class="num pending">{pending}</td>'
              '<td class="num">{deleted}</td><td class="mono">{created}</td></tr>',
              name=t.name, u=topic_path(t.account, t.region, t.name), kind="FIFO" if t.fifo else "standard",
              confirmed=a["SubscriptionsConfirmed"], pending=a["SubscriptionsPending"],
              deleted=a["SubscriptionsDeleted"], created=when(t.created_at))
            for t, a in zip(topics, attributes)]
    next_url = path("topics", query={"account": account, "region": region, "token": next_token}) if next_token else None
    first_url = path("topics", query={"account": account, "region": region}) if token else None
    subs_token = view.arg("subs") or None
    subs, next_subs = await engine.list_subscriptions(account, None, subs_token)
    sub_rows = [h('<tr data-subscription="{arn}"><td><a href="{tu}">{topic}</a></td><td>{owner}</td><td>{protocol}</td>'
                  '<td class="endpoint">{endpoint}</td><td><span class="badge state-{state}">{state}</span></td>'
                  '<td>{filtered}</td></tr>',
                  arn=sub.arn, tu=_topic_url(sub.topic_arn), topic=sub.topic_arn.rsplit(":", 1)[-1], owner=sub.owner,
                  protocol=sub.protocol,
                  endpoint=arn_link(sub.endpoint) if sub.protocol == "sqs" else h("{e}", e=sub.endpoint),
                  state="confirmed" if sub.confirmed else "pending",
                  filtered="filter policy" if sub.attributes.get("FilterPolicy") else "all messages")
                for sub in subs]
    subs_next = path("topics", query={"account": account, "region": region, "subs": next_subs}) if next_subs else None
    subs_first = path("topics", query={"account": account, "region": region}) if subs_token else None
    log_here = lambda t: path("topics", query={"account": account, "region": region, "log": t})  # noqa: E731
    body = h('<h1>Topics</h1>'
             '<form class="filter" method="get" action="/_cloudlet/dashboard/topics"><div class="row">'
             '<label>Account<input name="account" value="{account}" size="14"></label>'
             '<label>Region<input name="region" value="{region}" size="12"></label><button>Show</button>'
             '<a class="all-accounts" href="{all}">Every account\'s topics</a></div></form>'
             '<div id="topics-live" data-live>{table}{pager}'
             '<h2>Subscriptions owned by {account}</h2>{subs}{subs_pager}'
             '<h2>Delivery log <span class="muted">(every topic)</span></h2>{failures}</div>',
             account=account, region=region, all=path("topics", "all"),
             table=table(["Name", "Type", "Confirmed", "Pending", "Deleted", "Created (UTC)"], rows,
                         empty=f"No topics in account {account}, region {region}.", cls="topics"),
             pager=pager(next_url, first_url), failures=await _delivery_log(view, engine, None, log_here),
             subs=table(["Topic", "Owner", "Protocol", "Endpoint", "State", "Filter"], sub_rows,
                        empty="No subscriptions.", cls="all-subscriptions"),
             subs_pager=pager(subs_next, subs_first))
    return Page("Topics", "topics", body)


def _subscription_row(engine: Any, sub: Any, topic: Any, stats: Any) -> Safe:
    attrs = engine.subscription_attributes(sub, topic)
    policy = attrs.get("FilterPolicy")
    if policy:
        try:
            policy = json.dumps(json.loads(policy), indent=1, ensure_ascii=False)
        except ValueError:
            pass
    endpoint = arn_link(sub.endpoint) if sub.protocol == "sqs" else h("{e}", e=sub.endpoint)
    dlq = ""
    if attrs.get("RedrivePolicy"):
        try:
            dlq = arn_link(json.loads(attrs["RedrivePolicy"]).get("deadLetterTargetArn"))
        except ValueError:
            dlq = attrs["RedrivePolicy"]
    state = "confirmed" if sub.confirmed else "pending"
    waiting = f"{WAITING_CAP:,}+" if stats.waiting > WAITING_CAP else stats.waiting
    last_error = h('<div class="mono small">{at}</div><pre class="body wrap last-error">{e}</pre>',
                   at=when(stats.last_error_at), e=stats.last_error) if stats.last_error else "none"
    return h('<tr data-subscription="{arn}"><td>{protocol}</td><td class="endpoint">{endpoint}</td>'
             '<td><span class="badge state-{state}">{state}</span></td>'
             '<td>{policy}</td><td>{raw}</td><td>{dlq}</td>'
             '<td class="num delivered">{delivered}</td><td class="num failed">{failed}</td>'
             '<td class="num retrying">{retrying}</td><td class="num waiting">{waiting}</td>'
             '<td class="num dead-lettered">{dead}</td><td class="num dropped">{dropped}</td>'
             '<td class="num filtered">{filtered}</td><td class="mono last-delivery">{last}</td>'
             '<td class="error-cell">{last_error}</td><td class="mono small" title="{arn}">{sub_id}</td></tr>',
             arn=sub.arn, protocol=sub.protocol, endpoint=endpoint, state=state,
             policy=h('<div class="muted">{scope}</div><pre class="body filter-policy">{p}</pre>',
                      scope=attrs.get("FilterPolicyScope", ""), p=policy) if policy else "none",
             raw="raw" if sub.raw else "envelope", dlq=dlq or "none", delivered=stats.delivered,
             failed=stats.failed_attempts, retrying=stats.retrying, waiting=waiting, dead=stats.dead_lettered,
             dropped=stats.dropped, filtered=stats.filtered, last=when(stats.last_delivery_at) or "never",
             last_error=last_error, sub_id=sub.arn.rsplit(":", 1)[-1])


async def topic_detail(view: View) -> Page:
    engine = _engine(view)
    topic = await engine.get_topic(_arn(view))
    token = view.dashboard.guard.token
    attrs = await engine.topic_attributes(topic)
    subs, more_subs = await engine.list_subscriptions(None, topic.arn, view.arg("token") or None)
    shown = {k: v for k, v in sorted(attrs.items()) if k not in ("Policy", "EffectiveDeliveryPolicy")}
    fifo_fields = h('<label>Message group id<input name="group" required></label>'
                    '<label>Deduplication id<input name="dedup"></label>') if topic.fifo else Safe("")
    publish_form = h('<form id="publish-form" method="post" data-action data-reset action="{u}">'
                     '<input type="hidden" name="csrf" value="{token}">'
                     '<div class="row"><label>Message<textarea name="message" required></textarea></label></div>'
                     '<div class="row"><label>Subject<input name="subject"></label>{fifo}'
                     '<label>Attribute name<input name="attr_name"></label>'
                     '<label>Attribute value<input name="attr_value"></label>'
                     '<button class="primary">Publish</button></div></form>',
                     u=topic_path(topic.account, topic.region, topic.name, "publish"), token=token, fifo=fifo_fields)
    next_url = topic_path(topic.account, topic.region, topic.name, query={"token": more_subs}) if more_subs else None
    stats = await engine.subscription_stats([s.arn for s in subs])
    log_here = lambda t: topic_path(topic.account, topic.region, topic.name,  # noqa: E731
                                    query={"token": view.arg("token"), "log": t})
    body = h('<h1>Topic {name} <span class="badge">{kind}</span></h1>'
             '<div class="grid"><div class="card"><h2>Attributes</h2><dl class="props">{attrs}</dl></div>'
             '<div class="card"><h2>Publish a test message</h2>{publish}</div></div>'
             '<div id="subscriptions-live" data-live><h2>Subscriptions</h2>{subs}{pager}'
             '<h2>Delivery log <span class="muted">(failed attempts, dead-letters and drops of this topic\'s '
             'subscriptions)</span></h2>{failures}</div>',
             name=topic.name, kind="FIFO" if topic.fifo else "standard",
             attrs=join(h("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v) for k, v in shown.items()), publish=publish_form,
             subs=table(["Protocol", "Endpoint", "State", "Filter policy", "Delivery", "Dead-letter queue",
                         "Delivered", "Failed attempts", "Retrying", "Waiting", "Dead-lettered", "Dropped",
                         "Filtered out", "Last delivery (UTC)", "Last error", "Subscription id"],
                        [_subscription_row(engine, s, topic, stats[s.arn]) for s in subs],
                        empty="No subscriptions.", cls="subscriptions"),
             pager=pager(next_url, None), failures=await _delivery_log(view, engine, topic.arn, log_here))
    return Page(f"Topic {topic.name}", "topics", body)


async def all_topics(view: View) -> Page:
    """Every topic of every account, a page at a time."""
    engine = _engine(view)
    token = view.arg("token") or None
    topics, next_token = await engine.all_topics(token)
    rows = [h('<tr data-topic-arn="{arn}"><td>{account}</td><td>{region}</td><td><a href="{u}">{name}</a></td>'
              '<td>{kind}</td><td class="num confirmed">{confirmed}</td><td class="num pending">{pending}</td>'
              '<td class="mono">{created}</td></tr>',
              arn=t.arn, account=t.account, region=t.region, u=topic_path(t.account, t.region, t.name), name=t.name,
              kind="FIFO" if t.fifo else "standard", confirmed=confirmed, pending=pending, created=when(t.created_at))
            for t, confirmed, pending in topics]
    body = h('<h1>Topics of every account</h1><div id="all-topics-live" data-live>{table}{pager}</div>',
             table=table(["Account", "Region", "Name", "Type", "Confirmed", "Pending", "Created (UTC)"], rows,
                         empty="No topics in any account.", cls="all-topics"),
             pager=pager(path("topics", "all", query={"token": next_token}) if next_token else None,
                         path("topics", "all") if token else None))
    return Page("Topics of every account", "topics", body)


async def publish(view: View) -> Done:
    engine = _engine(view)
    topic = await engine.get_topic(_arn(view))
    entry: dict[str, Any] = {"Message": view.form.get("message", "")}
    if view.form.get("subject"):
        entry["Subject"] = view.form["subject"]
    for field, key in (("group", "MessageGroupId"), ("dedup", "MessageDeduplicationId")):
        if view.form.get(field):
            entry[key] = view.form[field]
    if view.form.get("attr_name"):
        entry["MessageAttributes"] = {view.form["attr_name"]: {"DataType": "String",
                                                               "StringValue": view.form.get("attr_value", "")}}
    message = published(topic, entry)
    base_url = f"{view.request.scheme}://{view.request.host}"
    [outcome] = await engine.publish(topic, [message], base_url)
    return Done(f"Published message {outcome.message_id} to {topic.name}.")


_T = r"/topics/(?P<account>[^/]+)/(?P<region>[^/]+)/(?P<name>[^/]+)"
ROUTES = [
    ("GET", "/topics", topic_list),
    ("GET", "/topics/all", all_topics),
    ("GET", _T, topic_detail),
    ("POST", _T + "/publish", publish),
]
