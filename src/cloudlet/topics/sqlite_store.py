"""The topic store on SQLite. It shares the database with the queue store, so a publish writes the SQS
messages of its queue subscriptions and the outbox rows of its endpoint subscriptions in one transaction."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ..store.database import Database
from ..store.queue_records import NewMessage, QueueRecord
from ..store.sqlite_queues import _send as send_to_queue, one_statement, send_to_queues
from .records import Delivery, Fanout, PublishOutcome, PublishUnit, Subscription, Topic
from .stats import WAITING_CAP, LogEntry, SubscriptionStats

SCHEMA = Path(__file__).with_name("schema.sql").read_text()

Q_TOPIC = "SELECT * FROM sns_topics WHERE arn=?"
Q_INSERT_TOPIC = ("INSERT INTO sns_topics (arn, account, region, name, attributes, tags, created_at) "
                  "VALUES (?,?,?,?,?,?,?)")
Q_LIST_TOPICS = "SELECT arn FROM sns_topics WHERE account=? AND region=? AND arn>? ORDER BY arn LIMIT ?"
Q_SUBSCRIPTION = "SELECT * FROM sns_subscriptions WHERE arn=?"
Q_TOPIC_SUBSCRIPTIONS = "SELECT * FROM sns_subscriptions WHERE topic_arn=? ORDER BY arn"
Q_INSERT_SUBSCRIPTION = ("INSERT INTO sns_subscriptions (arn, topic_arn, owner, protocol, endpoint, attributes, "
                         "confirmed, token, created_at) VALUES (?,?,?,?,?,?,?,?,?)")
Q_LIST_BY_TOPIC = "SELECT * FROM sns_subscriptions WHERE topic_arn=? AND arn>? ORDER BY arn LIMIT ?"
Q_LIST_BY_OWNER = "SELECT * FROM sns_subscriptions WHERE owner=? AND arn>? ORDER BY arn LIMIT ?"
Q_COUNTS = "SELECT SUM(confirmed), SUM(1-confirmed) FROM sns_subscriptions WHERE topic_arn=?"
Q_INSERT_OUTBOX = ("INSERT INTO sns_outbox (subscription_arn, kind, protocol, endpoint, message_id, headers, payload, "
                   "attempts, due_at, created_at) VALUES (?,?,?,?,?,?,?,0,?,?)")
Q_ALL_TOPICS = "SELECT * FROM sns_topics WHERE arn>? ORDER BY arn LIMIT ?"
Q_TOPIC_COUNTS = ("SELECT topic_arn, SUM(confirmed), SUM(1-confirmed) FROM sns_subscriptions WHERE topic_arn IN ({}) "
                  "GROUP BY topic_arn")
Q_INSERT_LOG = ("INSERT INTO sns_delivery_log (at, topic_arn, subscription_arn, protocol, endpoint, message_id, "
                "delivery_id, attempt, outcome, reason, next_attempt_at, target) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
Q_LOG = ("SELECT l.*, o.id IS NOT NULL AS still FROM sns_delivery_log l LEFT JOIN sns_outbox o "
         "ON o.id=l.delivery_id AND o.message_id=l.message_id AND o.attempts=l.attempt AND l.outcome='retry' "
         "WHERE {where} l.id<? ORDER BY l.id DESC LIMIT ?")
Q_UPSERT_STATS = (
    "INSERT INTO sns_subscription_stats (subscription_arn, topic_arn, delivered, failed_attempts, dead_lettered, "
    "dropped, filtered, last_delivery_at, last_error, last_error_at) SELECT ?,?,?,?,?,?,?,?,?,? "
    "WHERE EXISTS (SELECT 1 FROM sns_subscriptions WHERE arn=?) "
    "ON CONFLICT (subscription_arn) DO UPDATE SET delivered=delivered+excluded.delivered, "
    "failed_attempts=failed_attempts+excluded.failed_attempts, dead_lettered=dead_lettered+excluded.dead_lettered, "
    "dropped=dropped+excluded.dropped, filtered=filtered+excluded.filtered, "
    "last_delivery_at=MAX(COALESCE(last_delivery_at, 0), COALESCE(excluded.last_delivery_at, 0)), "
    "last_error=COALESCE(excluded.last_error, last_error), "
    "last_error_at=COALESCE(excluded.last_error_at, last_error_at)")
Q_OUTBOX_DELETE = "DELETE FROM sns_outbox WHERE id=? AND message_id=?"
Q_OUTBOX_ROW = "SELECT * FROM sns_outbox WHERE id=?"
Q_OUTBOX_PENDING = "SELECT id, subscription_arn, due_at FROM sns_outbox WHERE id>? ORDER BY id LIMIT ?"


def _topic(row: sqlite3.Row | None) -> Topic | None:
    if row is None:
        return None
    return Topic(arn=row["arn"], account=row["account"], region=row["region"], name=row["name"],
                 attributes=json.loads(row["attributes"]), tags=json.loads(row["tags"]), created_at=row["created_at"])


def _subscription(row: sqlite3.Row | None) -> Subscription | None:
    if row is None:
        return None
    return Subscription(arn=row["arn"], topic_arn=row["topic_arn"], owner=row["owner"], protocol=row["protocol"],
                        endpoint=row["endpoint"], attributes=json.loads(row["attributes"]),
                        confirmed=bool(row["confirmed"]), token=row["token"], created_at=row["created_at"])


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(subscription_arn=row["subscription_arn"], kind=row["kind"], protocol=row["protocol"],
                    endpoint=row["endpoint"], message_id=row["message_id"], headers=json.loads(row["headers"]),
                    payload=row["payload"], id=row["id"], attempts=row["attempts"], due_at=row["due_at"])


def _log(c: sqlite3.Connection, entries: list[LogEntry]) -> None:
    for e in entries:
        e.id = c.execute(Q_INSERT_LOG, (e.at, e.topic_arn, e.subscription_arn, e.protocol, e.endpoint, e.message_id,
                                        e.delivery_id, e.attempt, e.outcome, e.reason, e.next_attempt_at,
                                        e.target)).lastrowid


def _log_entry(row: sqlite3.Row) -> LogEntry:
    return LogEntry(at=row["at"], topic_arn=row["topic_arn"], subscription_arn=row["subscription_arn"],
                    protocol=row["protocol"], endpoint=row["endpoint"], message_id=row["message_id"],
                    attempt=row["attempt"], outcome=row["outcome"], reason=row["reason"],
                    next_attempt_at=row["next_attempt_at"], target=row["target"], delivery_id=row["delivery_id"],
                    id=row["id"], still_retrying=bool(row["still"]))


def _add_outbox(c: sqlite3.Connection, deliveries: list[Delivery], now: int) -> None:
    for d in deliveries:
        d.due_at = d.due_at or now
        d.id = c.execute(Q_INSERT_OUTBOX, (d.subscription_arn, d.kind, d.protocol, d.endpoint, d.message_id,
                                           json.dumps(d.headers), d.payload, d.due_at, now)).lastrowid


class SqliteTopicStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.add_schema(SCHEMA)

    # -- topics ----------------------------------------------------------------------------------
    async def get_topic(self, arn: str) -> Topic | None:
        return await self.db.read(lambda c: _topic(c.execute(Q_TOPIC, (arn,)).fetchone()))

    async def create_topic(self, topic: Topic) -> tuple[Topic, bool]:
        def tx(c: sqlite3.Connection):
            existing = _topic(c.execute(Q_TOPIC, (topic.arn,)).fetchone())
            if existing is not None:
                return existing, False
            c.execute(Q_INSERT_TOPIC, (topic.arn, topic.account, topic.region, topic.name, json.dumps(topic.attributes),
                                       json.dumps(topic.tags), topic.created_at))
            return topic, True
        return await self.db.write(tx)

    async def delete_topic(self, arn: str) -> None:
        def tx(c: sqlite3.Connection):
            c.execute("DELETE FROM sns_outbox WHERE subscription_arn IN "
                      "(SELECT arn FROM sns_subscriptions WHERE topic_arn=?)", (arn,))
            c.execute("DELETE FROM sns_subscriptions WHERE topic_arn=?", (arn,))
            c.execute("DELETE FROM sns_subscription_stats WHERE topic_arn=?", (arn,))
            c.execute("DELETE FROM sns_dedup WHERE topic_arn=?", (arn,))
            c.execute("DELETE FROM sns_topics WHERE arn=?", (arn,))
        await self.db.write(tx)

    async def list_topics(self, account: str, region: str, after: str, limit: int) -> list[str]:
        return await self.db.read(lambda c: [r[0] for r in c.execute(Q_LIST_TOPICS, (account, region, after, limit))])

    async def save_topic(self, topic: Topic) -> None:
        await self.db.write(lambda c: c.execute("UPDATE sns_topics SET attributes=?, tags=? WHERE arn=?",
                                                (json.dumps(topic.attributes), json.dumps(topic.tags), topic.arn)))

    async def subscription_counts(self, arn: str) -> tuple[int, int, int]:
        def q(c: sqlite3.Connection):
            confirmed, pending = c.execute(Q_COUNTS, (arn,)).fetchone()
            row = c.execute("SELECT deleted_subscriptions FROM sns_topics WHERE arn=?", (arn,)).fetchone()
            return confirmed or 0, pending or 0, row[0] if row else 0
        return await self.db.read(q)

    # -- subscriptions ---------------------------------------------------------------------------
    async def subscriptions_of(self, topic_arn: str) -> list[Subscription]:
        return await self.db.read(lambda c: [_subscription(r) for r in c.execute(Q_TOPIC_SUBSCRIPTIONS, (topic_arn,))])

    async def get_subscription(self, arn: str) -> Subscription | None:
        return await self.db.read(lambda c: _subscription(c.execute(Q_SUBSCRIPTION, (arn,)).fetchone()))

    async def add_subscription(self, sub: Subscription, deliveries: list[Delivery], now: int) -> None:
        def tx(c: sqlite3.Connection):
            c.execute(Q_INSERT_SUBSCRIPTION, (sub.arn, sub.topic_arn, sub.owner, sub.protocol, sub.endpoint,
                                              json.dumps(sub.attributes), int(sub.confirmed), sub.token, sub.created_at))
            _add_outbox(c, deliveries, now)
        await self.db.write(tx)

    async def save_subscription(self, sub: Subscription) -> None:
        await self.db.write(lambda c: c.execute(
            "UPDATE sns_subscriptions SET attributes=?, confirmed=?, token=? WHERE arn=?",
            (json.dumps(sub.attributes), int(sub.confirmed), sub.token, sub.arn)))

    async def confirm(self, topic_arn: str, token: str) -> Subscription | None:
        def tx(c: sqlite3.Connection):
            row = c.execute("SELECT * FROM sns_subscriptions WHERE token=? AND topic_arn=?", (token, topic_arn)).fetchone()
            if row is None:
                return None
            c.execute("UPDATE sns_subscriptions SET confirmed=1 WHERE arn=?", (row["arn"],))
            sub = _subscription(row)
            sub.confirmed = True
            return sub
        return await self.db.write(tx)

    async def delete_subscription(self, sub: Subscription, deliveries: list[Delivery], now: int) -> None:
        def tx(c: sqlite3.Connection):
            c.execute("DELETE FROM sns_outbox WHERE subscription_arn=? AND kind='Notification'", (sub.arn,))
            c.execute("DELETE FROM sns_subscription_stats WHERE subscription_arn=?", (sub.arn,))
            if c.execute("DELETE FROM sns_subscriptions WHERE arn=?", (sub.arn,)).rowcount and sub.confirmed:
                c.execute("UPDATE sns_topics SET deleted_subscriptions=deleted_subscriptions+1 WHERE arn=?",
                          (sub.topic_arn,))
            _add_outbox(c, deliveries, now)
        await self.db.write(tx)

    async def list_subscriptions(self, owner: str | None, topic_arn: str | None, after: str,
                                 limit: int) -> list[Subscription]:
        sql, key = (Q_LIST_BY_TOPIC, topic_arn) if topic_arn else (Q_LIST_BY_OWNER, owner)
        return await self.db.read(lambda c: [_subscription(r) for r in c.execute(sql, (key, after, limit))])

    # -- publishing ------------------------------------------------------------------------------
    async def publish(self, topic: Topic, units: list[PublishUnit], now: int, window_ms: int,
                      single_statement: bool = False) -> list[PublishOutcome]:
        """single_statement: the caller knows the publish is one INSERT (see send_to_queues)."""
        return await self.db.write(_publish, topic, units, now, window_ms, single_statement=single_statement)

    async def expire_dedup(self, before: int) -> None:
        await self.db.write(lambda c: c.execute("DELETE FROM sns_dedup WHERE sent_at<?", (before,)))

    # -- the outbox ------------------------------------------------------------------------------
    async def pending(self, after_id: int, limit: int) -> list[tuple[int, str, int]]:
        return await self.db.read(lambda c: [tuple(r) for r in c.execute(Q_OUTBOX_PENDING, (after_id, limit))])

    async def delivery(self, delivery_id: int) -> Delivery | None:
        def q(c: sqlite3.Connection):
            row = c.execute(Q_OUTBOX_ROW, (delivery_id,)).fetchone()
            return None if row is None else _delivery(row)
        return await self.db.read(q)

    # Outbox rows are addressed by id *and* message id: SQLite reuses the largest rowid once it is deleted, so an
    # id alone could name a newer row (say an UnsubscribeConfirmation written while a delivery was finishing).
    async def delivered(self, d: Delivery) -> None:
        await self.db.write(lambda c: c.execute(Q_OUTBOX_DELETE, (d.id, d.message_id)))

    async def reschedule(self, d: Delivery, attempts: int, due_at: int, entry: LogEntry) -> None:
        def tx(c: sqlite3.Connection):
            c.execute("UPDATE sns_outbox SET attempts=?, due_at=? WHERE id=? AND message_id=?",
                      (attempts, due_at, d.id, d.message_id))
            _log(c, [entry])
        await self.db.write(tx)

    async def give_up(self, d: Delivery, entry: LogEntry, queue: QueueRecord | None = None,
                      message: NewMessage | None = None, now: int = 0, window_ms: int = 0) -> None:
        """An undeliverable message leaves the outbox, for the subscription's dead-letter queue if it has one
        (`queue`, `message`), atomically with its log entry."""
        def tx(c: sqlite3.Connection):
            c.execute(Q_OUTBOX_DELETE, (d.id, d.message_id))
            if queue is not None:
                send_to_queue(c, queue, [message], now, window_ms)
            _log(c, [entry])
        await self.db.write(tx)

    # -- statistics and the delivery log ---------------------------------------------------------
    async def add_stats(self, counts: list[SubscriptionStats]) -> None:
        def tx(c: sqlite3.Connection):
            c.executemany(Q_UPSERT_STATS, [
                (s.subscription_arn, s.topic_arn, s.delivered, s.failed_attempts, s.dead_lettered, s.dropped,
                 s.filtered, s.last_delivery_at, s.last_error, s.last_error_at, s.subscription_arn) for s in counts])
        await self.db.write(tx)

    async def subscription_stats(self, arns: list[str]) -> dict[str, SubscriptionStats]:
        """Stored totals, with what the outbox holds now, for these subscriptions (a page of them)."""
        def q(c: sqlite3.Connection):
            out = {}
            for arn in arns:
                row = c.execute("SELECT * FROM sns_subscription_stats WHERE subscription_arn=?", (arn,)).fetchone()
                stats = SubscriptionStats(arn, row["topic_arn"] if row else "")
                if row is not None:
                    for name in ("delivered", "failed_attempts", "dead_lettered", "dropped", "filtered",
                                 "last_delivery_at", "last_error", "last_error_at"):
                        setattr(stats, name, row[name])
                stats.retrying = c.execute("SELECT COUNT(*) FROM sns_outbox WHERE subscription_arn=? AND attempts>0",
                                           (arn,)).fetchone()[0]
                stats.waiting = c.execute("SELECT COUNT(*) FROM (SELECT 1 FROM sns_outbox WHERE subscription_arn=? "
                                          "LIMIT ?)", (arn, WAITING_CAP + 1)).fetchone()[0]
                out[arn] = stats
            return out
        return await self.db.read(q)

    async def delivery_log(self, topic_arn: str | None, before_id: int, limit: int) -> list[LogEntry]:
        """Newest first, below the id cursor; one topic's, or every topic's."""
        sql = Q_LOG.format(where="l.topic_arn=? AND" if topic_arn else "")
        args = (topic_arn, before_id, limit) if topic_arn else (before_id, limit)
        return await self.db.read(lambda c: [_log_entry(r) for r in c.execute(sql, args)])

    async def trim_log(self, keep: int) -> None:
        await self.db.write(lambda c: c.execute(
            "DELETE FROM sns_delivery_log WHERE id <= (SELECT MAX(id) FROM sns_delivery_log) - ?", (keep,)))

    async def all_topics(self, after: str, limit: int) -> list[tuple[Topic, int, int]]:
        """Every account's topics in ARN order after the cursor, with their confirmed and pending counts."""
        def q(c: sqlite3.Connection):
            topics = [_topic(r) for r in c.execute(Q_ALL_TOPICS, (after, limit))]
            counts = {r[0]: (r[1] or 0, r[2] or 0) for r in c.execute(
                Q_TOPIC_COUNTS.format(",".join("?" * len(topics))), [t.arn for t in topics])} if topics else {}
            return [(t, *counts.get(t.arn, (0, 0))) for t in topics]
        return await self.db.read(q)

    async def wipe(self) -> None:
        def tx(c: sqlite3.Connection):
            for table in ("sns_outbox", "sns_dedup", "sns_subscriptions", "sns_topics", "sns_subscription_stats",
                          "sns_delivery_log"):
                c.execute(f"DELETE FROM {table}")
        await self.db.write(tx)


def single_insert(fanout: Fanout) -> bool:
    """Whether _publish writes this standard topic's fanout in one statement (then it needs no savepoint)."""
    return not fanout.outbox and not fanout.failures and one_statement(fanout.sqs)


# -- the publish transaction (runs in the writer thread) ------------------------------------------------
def _publish(c: sqlite3.Connection, topic: Topic, units: list[PublishUnit], now: int, window: int):
    outcomes = []
    for unit in units:
        seq = None
        if unit.dedup_key is not None:
            row = c.execute("SELECT message_id, seq, sent_at FROM sns_dedup WHERE topic_arn=? AND dedup_key=?",
                            (topic.arn, unit.dedup_key)).fetchone()
            if row is not None and row[2] > now - window:
                outcomes.append(PublishOutcome(row[0], row[1], True, [], []))
                continue
            number = c.execute("UPDATE sns_topics SET seq=seq+1 WHERE arn=? RETURNING seq", (topic.arn,)).fetchone()[0]
            seq = str(10_000_000_000_000_000_000 + number)
            c.execute("INSERT OR REPLACE INTO sns_dedup VALUES (?,?,?,?,?)",
                      (topic.arn, unit.dedup_key, unit.message_id, seq, now))
        fanout = unit.build(seq)
        send_to_queues(c, fanout.sqs, now, window)
        _add_outbox(c, fanout.outbox, now)
        _log(c, fanout.failures)
        outcomes.append(PublishOutcome(unit.message_id, seq, False, fanout.outbox, [q.id for q, _ in fanout.sqs],
                                       fanout))
    return outcomes
