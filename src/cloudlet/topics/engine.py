"""The topic engine: SNS semantics (topics, subscriptions and their handshake, filter policies, fanout,
FIFO ordering and deduplication) over a topic store. It knows nothing of HTTP; api.py translates.

A publish is one transaction: the SQS messages of every matching queue subscription and the outbox rows of
every matching endpoint subscription are committed together with it, so an answered Publish is delivered
even if the process dies right after; the Deliverer drains the outbox."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import re
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

from ..aws.errors import AwsError
from ..aws.ids import uuid4_text
from ..cache import ReadMostlyCache
from ..queues.engine import QueueEngine, parse_arn as parse_queue_arn
from ..runtime import cancel_and_wait
from ..store.queue_records import QueueRecord
from . import delivery_policy, filter_policy
from .delivery import Deliverer
from .envelope import Envelopes, Published, canonical_notification, http_headers
from .fanout import FanoutBuilder
from .records import Delivery, Fanout, PublishUnit, Subscription, Topic
from .signing import Signer, SigningThread
from .sqlite_store import SqliteTopicStore, single_insert
from .stats import LogEntry, StatsCounter, SubscriptionStats

log = logging.getLogger("cloudlet.sns")

DEDUP_WINDOW_MS = 5 * 60 * 1000
DEFAULT_MAX_MESSAGE_SIZE = 262144
MAX_MESSAGE_SIZE = 1048576
PAGE = 100
STATS_FLUSH_SECONDS = 1.0
LOG_KEEP = 50_000  # delivery log rows kept (the newest)
PROTOCOLS = ("sqs", "http", "https", "email", "email-json")
TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TOPIC_ATTRIBUTES = {
    "DeliveryPolicy", "DisplayName", "Policy", "TracingConfig", "KmsMasterKeyId", "SignatureVersion",
    "ContentBasedDeduplication", "FifoTopic", "ArchivePolicy", "FifoThroughputScope", "DataProtectionPolicy",
    "MaximumMessageSize",
    *(f"{p}{k}" for p in ("HTTP", "SQS", "Lambda", "Firehose", "Application")
      for k in ("SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn")),
}
SUBSCRIPTION_ATTRIBUTES = {"DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery",
                           "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy"}


def now_ms() -> int:
    return int(time.time() * 1000)


def invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterException", f"Invalid parameter: {message}")


def not_found(what: str) -> AwsError:
    return AwsError("NotFoundException", f"{what} does not exist")


def parse_topic_arn(arn: str, param: str = "TopicArn") -> tuple[str, str, str]:
    parts = (arn or "").split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns" or not parts[5]:
        raise invalid(param)
    return parts[3], parts[4], parts[5]


def default_policy(arn: str, account: str) -> str:
    return json.dumps({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                   "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
        "Resource": arn, "Condition": {"StringEquals": {"AWS:SourceOwner": account}}}]}, separators=(",", ":"))


def page_token(after: str) -> str:
    return base64.b64encode(after.encode()).decode()


def parse_token(token: str | None) -> str:
    if not token:
        return ""
    try:
        return base64.b64decode(token, validate=True).decode()
    except (ValueError, binascii.Error):
        raise invalid("NextToken") from None


class TopicEngine:
    def __init__(self, store: SqliteTopicStore, queues: QueueEngine, signer: Signer, email_dir: Path) -> None:
        self.store = store
        self.queues = queues
        self.envelopes = Envelopes(signer)
        self.signing = SigningThread(signer)
        self.fanout = FanoutBuilder(self.envelopes, queues)
        self.topics: ReadMostlyCache[Topic] = ReadMostlyCache(store.get_topic)
        self.subscriptions: ReadMostlyCache[list[Subscription]] = ReadMostlyCache(self._load_subscriptions)
        self.deliverer = Deliverer(self, email_dir)
        self.dedup_window_ms = DEDUP_WINDOW_MS
        self.stats = StatsCounter()
        self._sweeper: asyncio.Task | None = None
        self._flusher: asyncio.Task | None = None

    async def _load_subscriptions(self, topic_arn: str) -> list[Subscription]:
        subs = await self.store.subscriptions_of(topic_arn)
        for sub in subs:
            sub.filter = _compiled_filter(sub)
        return subs

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.deliverer.start()
        self._sweeper = asyncio.create_task(self._sweep_forever())
        self._flusher = asyncio.create_task(self._flush_forever())

    async def stop(self) -> None:
        await cancel_and_wait(self._sweeper, self._flusher)
        await self.deliverer.stop()
        await self.flush_stats()
        await asyncio.to_thread(self.signing.stop)

    async def reset(self) -> None:
        await self.deliverer.stop()
        await self.store.wipe()
        self.stats.take()
        self.topics.clear()
        self.subscriptions.clear()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(60)
            try:
                await self.store.expire_dedup(now_ms() - DEDUP_WINDOW_MS)
                await self.store.trim_log(LOG_KEEP)
            except Exception:
                log.exception("deduplication sweep failed")

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(STATS_FLUSH_SECONDS)
            try:
                await self.flush_stats()
            except Exception:
                log.exception("storing delivery statistics failed")

    async def flush_stats(self) -> None:
        """Add the counts made since the last flush to the stored statistics (one write)."""
        counts = self.stats.take()
        if counts:
            await self.store.add_stats(counts)

    # -- topics ----------------------------------------------------------------------------------
    async def get_topic(self, arn: str, param: str = "TopicArn") -> Topic:
        parse_topic_arn(arn, param)
        topic = await self.topics.get(arn)
        if topic is None:
            raise not_found("Topic")
        return topic

    async def create_topic(self, account: str, region: str, name: str, attributes: dict[str, str],
                           tags: dict[str, str]) -> Topic:
        fifo = attributes.get("FifoTopic", "false").lower() == "true"
        if fifo and not (name.endswith(".fifo") and TOPIC_NAME.match(name[:-5])):
            raise invalid("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase "
                          "ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 "
                          "characters long.")
        if not fifo and not TOPIC_NAME.match(name):
            raise invalid("Topic Name")
        for key, value in attributes.items():
            self._check_topic_attribute(key, value, fifo, creating=True)
        self._check_tags(tags)
        arn = f"arn:aws:sns:{region}:{account}:{name}"
        wanted = {"Policy": default_policy(arn, account), "DisplayName": "", **attributes}
        if fifo:
            wanted["FifoTopic"] = "true"
            wanted.setdefault("ContentBasedDeduplication", "false")
        else:
            wanted.pop("FifoTopic", None)
        topic, created = await self.store.create_topic(Topic(arn, account, region, name, wanted, tags, now_ms()))
        if not created:
            if any(topic.attributes.get(k) != v for k, v in attributes.items() if k != "FifoTopic"):
                raise invalid("Attributes Reason: Topic already exists with different attributes")
            if tags and tags != topic.tags:
                raise invalid("Tags Reason: Topic already exists with different tags")
        self.topics.put(arn, topic)
        return topic

    def _check_topic_attribute(self, name: str, value: str, fifo: bool, creating: bool) -> None:
        if name not in TOPIC_ATTRIBUTES or (name == "FifoTopic" and not creating):
            raise invalid("AttributeName")
        if name == "SignatureVersion" and value not in ("1", "2"):
            raise invalid("Attributes Reason: SignatureVersion: Invalid value. Valid values are: 1, 2")
        if name in ("ContentBasedDeduplication", "FifoTopic") and value.lower() not in ("true", "false"):
            raise invalid(f"Attributes Reason: {name}: Invalid value [{value}]. Must be true or false.")
        if name == "ContentBasedDeduplication" and not fifo and value.lower() == "true":
            raise invalid("Attributes Reason: ContentBasedDeduplication can only be set for FIFO topics")
        if name == "DeliveryPolicy" and value:
            delivery_policy.validate(value, for_topic=True)
        if name == "MaximumMessageSize" and value and not (value.isdigit() and 1024 <= int(value) <= MAX_MESSAGE_SIZE):
            raise invalid(f"Attributes Reason: MaximumMessageSize: Invalid value [{value}]. Must be between 1024 "
                          f"and {MAX_MESSAGE_SIZE}.")
        if name in ("Policy", "DataProtectionPolicy") and value:
            try:
                doc = json.loads(value)
            except ValueError:
                doc = None
            if not isinstance(doc, dict) or not isinstance(doc.get("Statement", []), list):
                raise invalid(f"{name}: failed to parse JSON.")

    @staticmethod
    def _check_tags(tags: dict[str, str]) -> None:
        if len(tags) > 50:
            raise AwsError("TagLimitExceededException", "Could not complete request: tag quota of per resource "
                           "exceeded")
        for key, value in tags.items():
            if not 1 <= len(key) <= 128 or len(value) > 256 or key.startswith("aws:"):
                raise invalid(f"Tags Reason: Tag key or value is invalid: {key}")

    async def delete_topic(self, arn: str) -> None:
        parse_topic_arn(arn)
        await self.store.delete_topic(arn)
        self.topics.invalidate(arn)
        self.subscriptions.invalidate(arn)

    async def list_topics(self, account: str, region: str, token: str | None) -> tuple[list[str], str | None]:
        arns = await self.store.list_topics(account, region, parse_token(token), PAGE + 1)
        more = len(arns) > PAGE
        arns = arns[:PAGE]
        return arns, page_token(arns[-1]) if more else None

    async def topic_attributes(self, topic: Topic) -> dict[str, str]:
        confirmed, pending, deleted = await self.store.subscription_counts(topic.arn)
        attrs = {**topic.attributes, "TopicArn": topic.arn, "Owner": topic.account,
                 "SubscriptionsConfirmed": str(confirmed), "SubscriptionsPending": str(pending),
                 "SubscriptionsDeleted": str(deleted),
                 "EffectiveDeliveryPolicy": delivery_policy.effective_json(topic.attributes.get("DeliveryPolicy"), None)}
        return attrs

    async def set_topic_attribute(self, topic: Topic, name: str, value: str) -> None:
        self._check_topic_attribute(name, value or "", topic.fifo, creating=False)
        attrs = dict(topic.attributes)
        if value in (None, "") and name not in ("DisplayName",):
            attrs.pop(name, None)
            if name == "Policy":
                attrs["Policy"] = default_policy(topic.arn, topic.account)
        else:
            attrs[name] = value
        await self._save_topic(topic, attrs, topic.tags)

    async def _save_topic(self, topic: Topic, attributes: dict[str, str], tags: dict[str, str]) -> None:
        updated = Topic(topic.arn, topic.account, topic.region, topic.name, attributes, tags, topic.created_at)
        await self.store.save_topic(updated)
        self.topics.put(topic.arn, updated)

    async def tag(self, arn: str, tags: dict[str, str]) -> None:
        topic = await self.tagged_topic(arn)
        merged = {**topic.tags, **tags}
        self._check_tags(merged)
        await self._save_topic(topic, topic.attributes, merged)

    async def untag(self, arn: str, keys: list[str]) -> None:
        topic = await self.tagged_topic(arn)
        await self._save_topic(topic, topic.attributes, {k: v for k, v in topic.tags.items() if k not in keys})

    async def tagged_topic(self, arn: str) -> Topic:
        try:
            return await self.get_topic(arn, "ResourceArn")
        except AwsError as err:
            if err.code == "NotFoundException":
                raise AwsError("ResourceNotFoundException", "Resource does not exist") from None
            raise

    async def add_permission(self, topic: Topic, label: str, accounts: list[str], actions: list[str]) -> None:
        if not accounts or not actions:
            raise invalid("AWSAccountId and ActionName must not be empty")
        if not re.match(r"^[A-Za-z0-9_-]{1,100}$", label):
            raise invalid("Label")
        policy = json.loads(topic.attributes.get("Policy") or default_policy(topic.arn, topic.account))
        statements = policy.setdefault("Statement", [])
        if any(s.get("Sid") == label for s in statements):
            raise invalid("Statement already exists")
        principals = [f"arn:aws:iam::{a}:root" for a in accounts]
        statements.append({"Sid": label, "Effect": "Allow",
                           "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                           "Action": [f"SNS:{a}" for a in actions] if len(actions) > 1 else f"SNS:{actions[0]}",
                           "Resource": topic.arn})
        await self._save_topic(topic, {**topic.attributes, "Policy": json.dumps(policy, separators=(",", ":"))},
                               topic.tags)

    async def remove_permission(self, topic: Topic, label: str) -> None:
        policy = json.loads(topic.attributes.get("Policy") or default_policy(topic.arn, topic.account))
        kept = [s for s in policy.get("Statement", []) if s.get("Sid") != label]
        if len(kept) == len(policy.get("Statement", [])):
            raise invalid("Statement does not exist")
        policy["Statement"] = kept
        await self._save_topic(topic, {**topic.attributes, "Policy": json.dumps(policy, separators=(",", ":"))},
                               topic.tags)

    # -- subscriptions ---------------------------------------------------------------------------
    async def find_subscription(self, arn: str) -> Subscription | None:
        parts = arn.split(":")
        if len(parts) != 7 or parts[2] != "sns":
            return None
        for sub in await self.subscriptions.get(":".join(parts[:6])) or []:
            if sub.arn == arn:
                return sub
        return None

    async def get_subscription(self, arn: str) -> Subscription:
        parts = (arn or "").split(":")
        if len(parts) != 7 or parts[0] != "arn" or parts[2] != "sns":
            raise invalid("SubscriptionArn")
        sub = await self.find_subscription(arn)
        if sub is None:
            raise not_found("Subscription")
        return sub

    async def subscribe(self, topic: Topic, protocol: str, endpoint: str | None, attributes: dict[str, str],
                        owner: str, base_url: str) -> Subscription:
        protocol = (protocol or "").lower()
        if protocol not in PROTOCOLS:
            raise invalid("Amazon SNS does not support this protocol string")
        if not endpoint:
            raise invalid("Endpoint Reason: Endpoint is required")
        await self._check_endpoint(topic, protocol, endpoint)
        attributes = dict(attributes)
        for name, value in attributes.items():
            self._check_subscription_attribute(topic, protocol, name, value, attributes, subscribing=True)
        for sub in await self.subscriptions.get(topic.arn) or []:
            if sub.protocol == protocol and sub.endpoint == endpoint:
                if any(sub.attributes.get(k, "") != v for k, v in attributes.items()):
                    raise invalid("Attributes Reason: Subscription already exists with different attributes")
                return sub
        confirmed = protocol == "sqs"
        sub = Subscription(arn=f"{topic.arn}:{uuid.uuid4()}", topic_arn=topic.arn, owner=owner, protocol=protocol,
                           endpoint=endpoint, attributes={k: v for k, v in attributes.items() if v != ""},
                           confirmed=confirmed, token=None if confirmed else secrets.token_hex(64), created_at=now_ms())
        if sub.protocol != "sqs":
            sub.attributes.setdefault("RawMessageDelivery", "false")
        deliveries = [] if confirmed else [self._handshake(topic, sub, "SubscriptionConfirmation", base_url)]
        await self.store.add_subscription(sub, deliveries, now_ms())
        self.subscriptions.invalidate(topic.arn)
        self.deliverer.enqueue(deliveries)
        return sub

    async def _check_endpoint(self, topic: Topic, protocol: str, endpoint: str) -> None:
        if protocol == "sqs":
            if parse_queue_arn(endpoint) is None:
                raise invalid("SQS endpoint ARN")
            queue = await self.queues.queue_by_arn(endpoint)
            if queue is not None and queue.fifo and not topic.fifo:
                raise invalid("Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to "
                              "standard SNS topics")
        elif protocol in ("http", "https"):
            if topic.fifo:
                raise invalid("Invalid parameter: Endpoint Reason: FIFO topics only support SQS subscriptions")
            if not endpoint.lower().startswith(f"{protocol}://") or len(endpoint) <= len(protocol) + 3:
                raise invalid("Endpoint must match the specified protocol")
        else:
            if topic.fifo:
                raise invalid("Invalid parameter: Endpoint Reason: FIFO topics only support SQS subscriptions")
            if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", endpoint):
                raise invalid("Email address")

    def _check_subscription_attribute(self, topic: Topic, protocol: str, name: str, value: str,
                                            attributes: dict[str, str], subscribing: bool) -> None:
        reason = "Attributes Reason: " if subscribing else ""
        if name not in SUBSCRIPTION_ATTRIBUTES:
            raise invalid("AttributeName")
        if name == "RawMessageDelivery":
            if value.lower() not in ("true", "false"):
                raise invalid(f"{reason}RawMessageDelivery: Invalid value [{value}]. Must be true or false.")
            attributes[name] = value.lower()
        elif name == "FilterPolicyScope":
            if value not in filter_policy.SCOPES:
                raise invalid(f"{reason}FilterPolicyScope: Invalid filter policy scope, allowed values are: "
                              "MessageAttributes,MessageBody")
        elif name == "FilterPolicy" and value:
            filter_policy.parse(value, attributes.get("FilterPolicyScope") or "MessageAttributes", subscribing)
        elif name == "DeliveryPolicy" and value:
            if protocol not in ("http", "https"):
                raise invalid(f"{reason}DeliveryPolicy: Delivery protocol [{protocol}] does not support delivery "
                              "policies")
            delivery_policy.validate(value, for_topic=False)
        elif name == "RedrivePolicy" and value:
            try:
                target = json.loads(value).get("deadLetterTargetArn")
            except (ValueError, AttributeError):
                raise invalid(f"{reason}RedrivePolicy: failed to parse JSON.") from None
            if not isinstance(target, str) or parse_queue_arn(target) is None:
                raise invalid(f"{reason}RedrivePolicy: deadLetterTargetArn is an invalid arn")
            if topic.fifo and not target.endswith(".fifo"):
                raise invalid(f"{reason}RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a "
                              "FIFO Topic.")

    async def set_subscription_attribute(self, sub: Subscription, name: str, value: str) -> None:
        topic = await self.get_topic(sub.topic_arn)
        attrs = dict(sub.attributes)
        if name == "FilterPolicyScope" and value in filter_policy.SCOPES and attrs.get("FilterPolicy"):
            filter_policy.parse(attrs["FilterPolicy"], value, False)  # the policy must hold in its new scope
        probe = {**attrs, name: value}
        self._check_subscription_attribute(topic, sub.protocol, name, value, probe, subscribing=False)
        if value == "":
            attrs.pop(name, None)
        else:
            attrs[name] = probe[name]
        sub.attributes = attrs
        await self.store.save_subscription(sub)
        self.subscriptions.invalidate(sub.topic_arn)

    async def confirm(self, topic_arn: str, token: str, authenticated: bool) -> Subscription:
        topic = await self.get_topic(topic_arn)
        sub = await self.store.confirm(topic.arn, token)
        if sub is None:
            raise invalid("Invalid token")
        if "ConfirmationWasAuthenticated" not in sub.attributes:
            sub.attributes["ConfirmationWasAuthenticated"] = "true" if authenticated else "false"
            await self.store.save_subscription(sub)
        self.subscriptions.invalidate(topic.arn)
        return sub

    async def unsubscribe(self, arn: str, base_url: str) -> None:
        sub = await self.get_subscription(arn)
        deliveries = []
        if sub.confirmed and sub.protocol in ("http", "https"):
            topic = await self.topics.get(sub.topic_arn)
            if topic is not None:
                deliveries.append(self._handshake(topic, sub, "UnsubscribeConfirmation", base_url))
        await self.store.delete_subscription(sub, deliveries, now_ms())
        self.subscriptions.invalidate(sub.topic_arn)
        self.deliverer.enqueue(deliveries)

    def _handshake(self, topic: Topic, sub: Subscription, kind: str, base_url: str) -> Delivery:
        message_id = uuid4_text()
        token = sub.token or secrets.token_hex(64)
        version = topic.attributes.get("SignatureVersion", "1")
        payload = self.envelopes.confirmation(kind, message_id, topic.arn, sub.arn, token, base_url, version, now_ms())
        if sub.protocol in ("email", "email-json"):
            headers = {"Subject": "AWS Notification - Subscription Confirmation"}
            if sub.protocol == "email":
                payload = (json.loads(payload)["Message"] + "\n\n" + json.loads(payload)["SubscribeURL"] + "\n")
        else:
            headers = http_headers(kind, message_id, topic.arn, sub.arn, raw=False)
        return Delivery(sub.arn, kind, sub.protocol, sub.endpoint, message_id, headers, payload)

    def subscription_attributes(self, sub: Subscription, topic: Topic | None) -> dict[str, str]:
        attrs = {**sub.attributes, "SubscriptionArn": sub.arn, "TopicArn": sub.topic_arn, "Owner": sub.owner,
                 "Protocol": sub.protocol, "Endpoint": sub.endpoint,
                 "PendingConfirmation": "false" if sub.confirmed else "true",
                 "ConfirmationWasAuthenticated": sub.attributes.get("ConfirmationWasAuthenticated",
                                                                    "true" if sub.protocol == "sqs" else "false")}
        attrs.setdefault("RawMessageDelivery", "false")
        if "FilterPolicy" in attrs:
            attrs.setdefault("FilterPolicyScope", "MessageAttributes")
        if sub.protocol in ("http", "https"):
            attrs["EffectiveDeliveryPolicy"] = delivery_policy.effective_json(
                topic.attributes.get("DeliveryPolicy") if topic else None, sub.attributes.get("DeliveryPolicy") or "{}")
        return attrs

    async def list_subscriptions(self, owner: str | None, topic_arn: str | None,
                                 token: str | None) -> tuple[list[Subscription], str | None]:
        subs = await self.store.list_subscriptions(owner, topic_arn, parse_token(token), PAGE + 1)
        more = len(subs) > PAGE
        subs = subs[:PAGE]
        return subs, page_token(subs[-1].arn) if more else None

    async def dead_letter_queue(self, sub: Subscription) -> QueueRecord | None:
        policy = sub.attributes.get("RedrivePolicy")
        if not policy:
            return None
        return await self.queues.queue_by_arn(json.loads(policy)["deadLetterTargetArn"])

    # -- publishing ------------------------------------------------------------------------------
    async def publish(self, topic: Topic, messages: list[Published], base_url: str) -> list[Any]:
        """Publish validated messages; returns (MessageId, SequenceNumber) per message, durable on return."""
        subs = [s for s in await self.subscriptions.get(topic.arn) or [] if s.confirmed]
        targets = []
        for sub in subs:
            queue = await self.queues.queue_by_arn(sub.endpoint) if sub.protocol == "sqs" else None
            dlq = await self.dead_letter_queue(sub) if sub.protocol == "sqs" and sub.attributes.get("RedrivePolicy") \
                else None
            targets.append((sub, queue, dlq))
        version = topic.attributes.get("SignatureVersion", "1")
        matches = [[t for t in targets if t[0].filter is None
                    or t[0].filter.matches(pub.attributes, pub.text_for(t[0].protocol))] for pub in messages]
        await self._sign_ahead(messages, matches, version)
        units = []
        single_statement = False
        for pub, matched in zip(messages, matches):
            def build(seq: str | None, pub=pub, matched=matched) -> Fanout:
                return self.fanout.build(pub, matched, base_url, version, seq)
            if topic.fifo:  # built in the transaction, which gives it its sequence number
                units.append(PublishUnit(pub.message_id, pub.dedup_id, build))
            else:  # built here, while the writer thread commits the previous publishes
                fanout = build(None)
                units.append(PublishUnit(pub.message_id, None, lambda _seq, f=fanout: f))
                single_statement = len(messages) == 1 and single_insert(fanout)
        outcomes = await self.store.publish(topic, units, now_ms(), DEDUP_WINDOW_MS, single_statement)
        stats = self.stats
        now = now_ms()
        for outcome, matched in zip(outcomes, matches):
            for queue_id in outcome.queue_ids:
                self.queues.notify(queue_id, 1)
            self.deliverer.enqueue(outcome.outbox)
            fanout = outcome.fanout
            if fanout is None:  # a FIFO duplicate: delivered before, nothing new
                continue
            for arn in fanout.delivered:
                stats.delivered(arn, topic.arn, now)
            for failure in fanout.failures:
                stats.failed(failure)
            if len(matched) < len(targets):
                for sub in {t[0].arn for t in targets} - {t[0].arn for t in matched}:
                    stats.filtered(sub, topic.arn)
        return outcomes

    # -- what the dashboard shows ----------------------------------------------------------------
    async def subscription_stats(self, arns: list[str]) -> dict[str, SubscriptionStats]:
        """Delivery statistics of these subscriptions: stored totals, the counts not stored yet, and what waits
        in the outbox now (`retrying`, `waiting`)."""
        stats = await self.store.subscription_stats(arns)
        for arn, stored in stats.items():
            pending = self.stats.peek(arn)
            if pending is not None:
                stored.add(pending)
        return stats

    async def delivery_log(self, topic_arn: str | None, token: str | None,
                           limit: int = 50) -> tuple[list[LogEntry], str | None]:
        """Failed attempts (those still waiting for their retry say so), dead-letters and drops, newest first:
        one topic's or every topic's, a page at a time."""
        cursor = parse_token(token)
        before = int(cursor) if cursor.isdigit() else 2 ** 62
        entries = await self.store.delivery_log(topic_arn, before, limit + 1)
        more = len(entries) > limit
        entries = entries[:limit]
        return entries, page_token(str(entries[-1].id)) if more else None

    async def all_topics(self, token: str | None, limit: int = 50) -> tuple[list[tuple[Topic, int, int]], str | None]:
        """Every topic of every account in ARN order, with its confirmed and pending subscription counts, a page
        at a time (keyset: only the page is read)."""
        rows = await self.store.all_topics(parse_token(token), limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, page_token(rows[-1][0].arn) if more else None

    def delivery_summary(self) -> dict[str, int]:
        """Since this server started: deliveries waiting now, dead-lettered, dropped."""
        return {"waiting": self.deliverer.waiting(), "dead_lettered": self.deliverer.dead_lettered,
                "dropped": self.deliverer.dropped}

    async def _sign_ahead(self, messages: list[Published], matches: list[list], version: str) -> None:
        """Sign every envelope the matched subscriptions will get (one per message and text) on the signing
        thread, all in one request: the event loop serves other requests meanwhile."""
        wanted: dict[tuple[int, str], None] = {}
        for i, (pub, matched) in enumerate(zip(messages, matches)):
            for sub, _, _ in matched:
                if not sub.raw and sub.protocol != "email":  # email gets the bare text, the others an envelope
                    wanted[(i, pub.text_for(sub.protocol))] = None
        if not wanted:
            return
        signatures = await self.signing.sign([(canonical_notification(messages[i], text), version)
                                              for i, text in wanted])
        for (i, text), signature in zip(wanted, signatures):
            messages[i].signatures[(text, version)] = signature


def _compiled_filter(sub: Subscription) -> Any:
    text = sub.attributes.get("FilterPolicy")
    if not text:
        return None
    try:
        return filter_policy.compile_policy(text, sub.attributes.get("FilterPolicyScope") or "MessageAttributes")
    except filter_policy.PolicyError:  # validated when set; never expected
        log.exception("stored filter policy of %s does not compile", sub.arn)
        return None


def content_dedup_id(message: str) -> str:
    return hashlib.sha256(message.encode("utf-8")).hexdigest()
