"""The records the topic engine and its store exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..store.queue_records import NewMessage, QueueRecord


@dataclass
class Topic:
    arn: str
    account: str
    region: str
    name: str
    attributes: dict[str, str]
    tags: dict[str, str]
    created_at: int

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoTopic") == "true"


@dataclass
class Subscription:
    arn: str
    topic_arn: str
    owner: str
    protocol: str
    endpoint: str
    attributes: dict[str, str]
    confirmed: bool
    token: str | None
    created_at: int
    filter: Any = None  # the compiled FilterPolicy, or None

    @property
    def raw(self) -> bool:
        return self.attributes.get("RawMessageDelivery") == "true"


@dataclass
class Delivery:
    """One message for an http/https/email endpoint, kept in the outbox until delivered."""
    subscription_arn: str
    kind: str  # Notification, SubscriptionConfirmation, UnsubscribeConfirmation
    protocol: str
    endpoint: str
    message_id: str
    headers: dict[str, str]
    payload: str
    id: int = 0
    attempts: int = 0
    due_at: int = 0


@dataclass
class Fanout:
    """What one published message becomes: SQS messages written with the publish, and outbox deliveries."""
    sqs: list[tuple[QueueRecord, NewMessage]] = field(default_factory=list)
    outbox: list[Delivery] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)  # the SQS subscriptions whose queue got the message
    failures: list[Any] = field(default_factory=list)  # stats.LogEntry: SQS subscriptions that could not get it


@dataclass
class PublishUnit:
    message_id: str
    dedup_key: str | None  # FIFO topics: the deduplication key; None for standard topics
    build: Callable[[str | None], Fanout]  # called in the transaction with the FIFO sequence number


@dataclass
class PublishOutcome:
    message_id: str
    sequence_number: str | None
    duplicate: bool
    outbox: list[Delivery]
    queue_ids: list[int]
    fanout: Fanout | None = None  # None for a FIFO duplicate
