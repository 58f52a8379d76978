"""Delivery statistics per subscription, as the topic engine keeps them.

Counting happens in memory (a few dictionary updates per publish, on the event loop); the counts are added
to the stored totals by one write about once a second and at shutdown. A SIGKILL therefore loses at most the
last second's counts, never a message: the statistics are a report, the messages and the outbox are the
truth. The log of failed attempts, dead-letters and drops is written with the outcome it records."""

from __future__ import annotations

from dataclasses import dataclass

WAITING_CAP = 10_000  # outbox rows counted per subscription for the dashboard, at most (+1 means "more")


@dataclass
class SubscriptionStats:
    subscription_arn: str
    topic_arn: str
    delivered: int = 0  # SQS: messages written to the queue; endpoints: 2xx answers (or email written)
    failed_attempts: int = 0  # endpoint attempts that failed, retried or not
    dead_lettered: int = 0  # messages moved to the subscription's RedrivePolicy queue
    dropped: int = 0  # undeliverable with no RedrivePolicy
    filtered: int = 0  # published messages its filter policy kept out
    last_delivery_at: int | None = None
    last_error: str | None = None
    last_error_at: int | None = None
    retrying: int = 0  # deliveries waiting for a retry now (from the outbox, not counted)
    waiting: int = 0  # deliveries in the outbox now, capped at WAITING_CAP + 1 (from the outbox)

    def add(self, other: "SubscriptionStats") -> None:
        """Fold unflushed counts into stored ones."""
        self.delivered += other.delivered
        self.failed_attempts += other.failed_attempts
        self.dead_lettered += other.dead_lettered
        self.dropped += other.dropped
        self.filtered += other.filtered
        if other.last_delivery_at and (self.last_delivery_at or 0) < other.last_delivery_at:
            self.last_delivery_at = other.last_delivery_at
        if other.last_error_at and (self.last_error_at or 0) <= other.last_error_at:
            self.last_error, self.last_error_at = other.last_error, other.last_error_at


@dataclass
class LogEntry:
    """One failed attempt, dead-letter or drop."""
    at: int
    topic_arn: str
    subscription_arn: str
    protocol: str
    endpoint: str
    message_id: str
    attempt: int
    outcome: str  # "retry", "dead-lettered", "dropped"
    reason: str
    next_attempt_at: int | None = None  # outcome "retry": when
    target: str | None = None  # outcome "dead-lettered": the queue's ARN
    delivery_id: int | None = None
    id: int = 0
    still_retrying: bool = False  # read back: this attempt is the delivery's latest and it still waits


class StatsCounter:
    """Counts not yet stored, per subscription. Owned by the event loop."""

    def __init__(self) -> None:
        self.pending: dict[str, SubscriptionStats] = {}

    def _of(self, subscription_arn: str, topic_arn: str) -> SubscriptionStats:
        stats = self.pending.get(subscription_arn)
        if stats is None:
            stats = self.pending[subscription_arn] = SubscriptionStats(subscription_arn, topic_arn)
        return stats

    def delivered(self, subscription_arn: str, topic_arn: str, at: int) -> None:
        stats = self._of(subscription_arn, topic_arn)
        stats.delivered += 1
        stats.last_delivery_at = at

    def filtered(self, subscription_arn: str, topic_arn: str) -> None:
        self._of(subscription_arn, topic_arn).filtered += 1

    def failed(self, entry: LogEntry) -> None:
        """A failed attempt, or an undeliverable message (entry.outcome says which)."""
        stats = self._of(entry.subscription_arn, entry.topic_arn)
        if entry.outcome == "dead-lettered":
            stats.dead_lettered += 1
        elif entry.outcome == "dropped":
            stats.dropped += 1
        if entry.attempt:  # an endpoint attempt (SQS deliveries happen in the publish, attempt 0)
            stats.failed_attempts += 1
        stats.last_error, stats.last_error_at = entry.reason, entry.at

    def take(self) -> list[SubscriptionStats]:
        taken, self.pending = list(self.pending.values()), {}
        return taken

    def peek(self, subscription_arn: str) -> SubscriptionStats | None:
        return self.pending.get(subscription_arn)
