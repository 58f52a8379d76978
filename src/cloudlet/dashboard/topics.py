"""Topics: an account's topics, their subscriptions (state, filter policy, raw delivery, dead-letter queue,
deliveries waiting), delivery failures the server logged, and publishing a test message."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..topics.messages import published
from .app import ActionError, Done, Page, View
from .markup import Safe, h, join, pager, path, table, when
from .queues import arn_link

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
    waiting = sum(len(lane.heap) for lane in engine.deliverer.lanes.values())
    return (f"{waiting} deliveries waiting, {engine.deliverer.dead_lettered} dead-lettered, "
            f"{engine.deliverer.dropped} dropped since start")


def _failures(view: View, needle: str | None = None) -> Safe:
    """Delivery failures as the topic engine logged them (its only record of a failed delivery)."""
    rows = [h('<tr><td class="mono">{at}</td><td><pre class="body">{message}</pre></td></tr>', at=when(e.at_ms),
              message=e.message)
            for e in view.dashboard.errors.latest(200)
            if e.logger.startswith("cloudlet.sns") and (needle is None or needle in e.message)][:50]
    return table(["When (UTC)", "Failure and reason"], rows, empty="No delivery failures logged since the server "
                 "started.", cls="delivery-failures")


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
    body = h('<h1>Topics</h1>'
             '<form class="filter" method="get" action="/_cloudlet/dashboard/topics"><div class="row">'
             '<label>Account<input name="account" value="{account}" size="14"></label>'
             '<label>Region<input name="region" value="{region}" size="12"></label><button>Show</button></div></form>'
             '<div id="topics-live" data-live>{table}{pager}'
             '<h2>Subscriptions owned by {account}</h2>{subs}{subs_pager}'
             '<h2>Delivery failures</h2>{failures}</div>',
             account=account, region=region,
             table=table(["Name", "Type", "Confirmed", "Pending", "Deleted", "Created (UTC)"], rows,
                         empty=f"No topics in account {account}, region {region}.", cls="topics"),
             pager=pager(next_url, first_url), failures=_failures(view),
             subs=table(["Topic", "Owner", "Protocol", "Endpoint", "State", "Filter"], sub_rows,
                        empty="No subscriptions.", cls="all-subscriptions"),
             subs_pager=pager(subs_next, subs_first))
    return Page("Topics", "topics", body)


def _subscription_row(engine: Any, sub: Any, topic: Any) -> Safe:
    attrs = engine.subscription_attributes(sub, topic)
    policy = attrs.get("FilterPolicy")
    if policy:
        try:
            policy = json.dumps(json.loads(policy), indent=1, ensure_ascii=False)
        except ValueError:
            pass
    lane = engine.deliverer.lanes.get(sub.arn)
    waiting = len(lane.heap) + lane.running if lane is not None else 0
    endpoint = arn_link(sub.endpoint) if sub.protocol == "sqs" else h("{e}", e=sub.endpoint)
    dlq = ""
    if attrs.get("RedrivePolicy"):
        try:
            dlq = arn_link(json.loads(attrs["RedrivePolicy"]).get("deadLetterTargetArn"))
        except ValueError:
            dlq = attrs["RedrivePolicy"]
    state = "confirmed" if sub.confirmed else "pending"
    return h('<tr data-subscription="{arn}"><td>{protocol}</td><td class="endpoint">{endpoint}</td>'
             '<td><span class="badge state-{state}">{state}</span></td>'
             '<td>{policy}</td><td>{raw}</td><td>{dlq}</td><td class="num waiting">{waiting}</td>'
             '<td class="mono small">{arn}</td></tr>',
             arn=sub.arn, protocol=sub.protocol, endpoint=endpoint, state=state,
             policy=h('<div class="muted">{scope}</div><pre class="body filter-policy">{p}</pre>',
                      scope=attrs.get("FilterPolicyScope", ""), p=policy) if policy else "none",
             raw="raw" if sub.raw else "envelope", dlq=dlq or "none", waiting=waiting,
             )


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
    body = h('<h1>Topic {name} <span class="badge">{kind}</span></h1>'
             '<div class="grid"><div class="card"><h2>Attributes</h2><dl class="props">{attrs}</dl></div>'
             '<div class="card"><h2>Publish a test message</h2>{publish}</div></div>'
             '<div id="subscriptions-live" data-live><h2>Subscriptions</h2>{subs}{pager}'
             '<h2>Delivery failures <span class="muted">(logged by the server for this topic\'s subscriptions)</span>'
             '</h2>{failures}</div>',
             name=topic.name, kind="FIFO" if topic.fifo else "standard",
             attrs=join(h("<dt>{k}</dt><dd>{v}</dd>", k=k, v=v) for k, v in shown.items()), publish=publish_form,
             subs=table(["Protocol", "Endpoint", "State", "Filter policy", "Delivery", "Dead-letter queue",
                         "Waiting", "Subscription ARN"], [_subscription_row(engine, s, topic) for s in subs],
                        empty="No subscriptions.", cls="subscriptions"),
             pager=pager(next_url, None), failures=_failures(view, topic.arn))
    return Page(f"Topic {topic.name}", "topics", body)


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
    ("GET", _T, topic_detail),
    ("POST", _T + "/publish", publish),
]
