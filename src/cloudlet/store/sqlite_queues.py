"""The queue store on SQLite. Every receive follows an index (`visible_at` for standard queues, the group
table for FIFO queues), so its cost does not grow with queue depth."""

from __future__ import annotations

import json
import secrets
import sqlite3
from pathlib import Path
from typing import Any

from .database import Database
from .queue_records import MoveTask, NewMessage, QueueRecord, RedriveTarget, SendOutcome, StoredMessage

SCHEMA = (Path(__file__).with_name("queues_schema.sql")).read_text()

_MSG_COLS = ("id, message_id, body, attributes, system_attributes, md5_body, md5_attributes, md5_system, sent_at, "
             "visible_at, receive_count, first_receive_at, receipt, group_id, dedup_id, seq, sender_id, dlq_source_arn")

Q_SELECT_QUEUE = "SELECT * FROM sqs_queues WHERE account=? AND region=? AND name=?"
_MESSAGE_ROW = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"  # the 17 columns below
Q_INSERT_MESSAGE = (
    "INSERT INTO sqs_messages (queue_id, message_id, body, attributes, system_attributes, md5_body, md5_attributes, "
    "md5_system, sent_at, visible_at, receive_count, first_receive_at, group_id, dedup_id, seq, sender_id, "
    "dlq_source_arn) VALUES " + _MESSAGE_ROW)
Q_VISIBLE = f"SELECT {_MSG_COLS} FROM sqs_messages WHERE queue_id=? AND visible_at<=? ORDER BY visible_at, id LIMIT ?"
Q_GROUPS_AVAILABLE = ("SELECT group_id FROM sqs_groups WHERE queue_id=? AND available_at<=? "
                      "ORDER BY available_at, head_id LIMIT ?")
Q_GROUP_MESSAGES = f"SELECT {_MSG_COLS} FROM sqs_messages WHERE queue_id=? AND group_id=? ORDER BY id LIMIT ?"
Q_GROUP_HEAD = "SELECT id, visible_at FROM sqs_messages WHERE queue_id=? AND group_id=? ORDER BY id LIMIT 1"
MAX_VISIBILITY_MS = 43_200_000


def _queue(row: sqlite3.Row | None) -> QueueRecord | None:
    if row is None:
        return None
    return QueueRecord(id=row["id"], account=row["account"], region=row["region"], name=row["name"],
                       attributes=json.loads(row["attributes"]), tags=json.loads(row["tags"]),
                       created_at=row["created_at"], modified_at=row["modified_at"], last_purge_at=row["last_purge_at"])


def _message(row: sqlite3.Row) -> StoredMessage:
    return StoredMessage(*tuple(row))


def _dlq_arn(attributes: dict[str, str]) -> str | None:
    policy = attributes.get("RedrivePolicy")
    if not policy:
        return None
    try:
        return json.loads(policy).get("deadLetterTargetArn")
    except ValueError:
        return None


class SqliteQueueStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.add_schema(SCHEMA)

    # -- queues ----------------------------------------------------------------------------------
    async def get_queue(self, account: str, region: str, name: str) -> QueueRecord | None:
        return await self.db.read(lambda c: _queue(c.execute(Q_SELECT_QUEUE, (account, region, name)).fetchone()))

    async def get_queue_by_id(self, queue_id: int) -> QueueRecord | None:
        return await self.db.read(lambda c: _queue(c.execute("SELECT * FROM sqs_queues WHERE id=?", (queue_id,)).fetchone()))

    async def create_queue(self, account, region, name, attributes, tags, now, recreate_guard_ms):
        def tx(c: sqlite3.Connection):
            existing = _queue(c.execute(Q_SELECT_QUEUE, (account, region, name)).fetchone())
            if existing is not None:
                return existing, False
            deleted = c.execute("SELECT deleted_at FROM sqs_deleted_queues WHERE account=? AND region=? AND name=?",
                                (account, region, name)).fetchone()
            if deleted is not None and deleted[0] > now - recreate_guard_ms:
                return None, False
            c.execute("INSERT INTO sqs_queues (account, region, name, attributes, tags, created_at, modified_at, dlq_arn) "
                      "VALUES (?,?,?,?,?,?,?,?)", (account, region, name, json.dumps(attributes), json.dumps(tags),
                                                   now, now, _dlq_arn(attributes)))
            return _queue(c.execute(Q_SELECT_QUEUE, (account, region, name)).fetchone()), True
        return await self.db.write(tx)

    async def delete_queue(self, queue: QueueRecord, now: int) -> None:
        def tx(c: sqlite3.Connection):
            c.execute("DELETE FROM sqs_messages WHERE queue_id=?", (queue.id,))
            c.execute("DELETE FROM sqs_groups WHERE queue_id=?", (queue.id,))
            c.execute("DELETE FROM sqs_dedup WHERE queue_id=?", (queue.id,))
            c.execute("DELETE FROM sqs_receive_attempts WHERE queue_id=?", (queue.id,))
            c.execute("DELETE FROM sqs_queues WHERE id=?", (queue.id,))
            c.execute("INSERT OR REPLACE INTO sqs_deleted_queues VALUES (?,?,?,?)",
                      (queue.account, queue.region, queue.name, now))
        await self.db.write(tx)

    async def list_queues(self, account, region, prefix, after, limit) -> list[str]:
        def q(c: sqlite3.Connection):
            hi = prefix + "\U0010ffff"
            rows = c.execute("SELECT name FROM sqs_queues WHERE account=? AND region=? AND name>=? AND name<? "
                             "AND name>? ORDER BY name LIMIT ?", (account, region, prefix, hi, after, limit)).fetchall()
            return [r[0] for r in rows]
        return await self.db.read(q)

    async def set_attributes(self, queue: QueueRecord, attributes: dict[str, str], now: int) -> QueueRecord:
        def tx(c: sqlite3.Connection):
            c.execute("UPDATE sqs_queues SET attributes=?, modified_at=?, dlq_arn=? WHERE id=?",
                      (json.dumps(attributes), now, _dlq_arn(attributes), queue.id))
            return _queue(c.execute("SELECT * FROM sqs_queues WHERE id=?", (queue.id,)).fetchone())
        return await self.db.write(tx)

    async def set_tags(self, queue: QueueRecord, tags: dict[str, str]) -> None:
        await self.db.write(lambda c: c.execute("UPDATE sqs_queues SET tags=? WHERE id=?", (json.dumps(tags), queue.id)))

    async def dead_letter_sources(self, dlq_arn: str, after: str, limit: int) -> list[QueueRecord]:
        return await self.db.read(lambda c: [_queue(r) for r in c.execute(
            "SELECT * FROM sqs_queues WHERE dlq_arn=? AND name>? ORDER BY name LIMIT ?", (dlq_arn, after, limit))])

    async def purge(self, queue: QueueRecord, now: int) -> None:
        def tx(c: sqlite3.Connection):
            c.execute("DELETE FROM sqs_messages WHERE queue_id=? AND sent_at<=?", (queue.id, now))
            c.execute("DELETE FROM sqs_groups WHERE queue_id=?", (queue.id,))
            if queue.fifo:
                for (group,) in c.execute("SELECT DISTINCT group_id FROM sqs_messages WHERE queue_id=?", (queue.id,)).fetchall():
                    _refresh_group(c, queue.id, group)
            c.execute("UPDATE sqs_queues SET last_purge_at=? WHERE id=?", (now, queue.id))
        await self.db.write(tx)

    # -- messages --------------------------------------------------------------------------------
    async def send(self, queue: QueueRecord, messages: list[NewMessage], now: int, dedup_window_ms: int):
        return await self.db.write(_send, queue, messages, now, dedup_window_ms)

    async def receive(self, queue: QueueRecord, limit: int, visibility_ms: int, now: int,
                      redrive: RedriveTarget | None, retention_ms: int) -> tuple[list[StoredMessage], int | None]:
        return await self.db.write(_receive_or_next, queue, limit, visibility_ms, now, redrive, retention_ms)

    async def delete_messages(self, queue: QueueRecord, handles: list[tuple[int, str]], now: int) -> list[str | None]:
        """None for each handle that deleted its message (or found it already gone, as SQS does); "expired" for a
        FIFO handle whose visibility timeout ran out. A stale handle of a standard queue deletes nothing."""
        if not queue.fifo:  # every handle answers success: one statement deletes those whose receipt still holds
            def tx_standard(c: sqlite3.Connection):
                c.execute(standard_delete_sql(len(handles)),
                          [*(h[0] for h in handles), queue.id, *(value for h in handles for value in h)])
                return [None] * len(handles)
            return await self.db.write(tx_standard, single_statement=True)

        def tx(c: sqlite3.Connection):
            results: list[str | None] = []
            groups = set()
            for msg_id, token in handles:
                row = c.execute("SELECT receipt, group_id, visible_at FROM sqs_messages WHERE id=? AND queue_id=?",
                                (msg_id, queue.id)).fetchone()
                if row is not None and queue.fifo and (row[0] != token or row[2] <= now):
                    results.append("expired")
                    continue
                if row is not None and row[0] == token:
                    c.execute("DELETE FROM sqs_messages WHERE id=?", (msg_id,))
                    if row[1] is not None and queue.fifo:
                        groups.add(row[1])
                results.append(None)
            for group in groups:
                _refresh_group(c, queue.id, group)
            return results
        return await self.db.write(tx)

    async def change_visibility(self, queue: QueueRecord, changes: list[tuple[int, str, int]], now: int):
        def tx(c: sqlite3.Connection):
            results: list[str | None] = []
            groups = set()
            for msg_id, token, timeout_ms in changes:
                row = c.execute("SELECT receipt, visible_at, group_id, received_at FROM sqs_messages "
                                "WHERE id=? AND queue_id=?", (msg_id, queue.id)).fetchone()
                if row is None:
                    results.append("ReceiptHandleIsInvalid")
                    continue
                if row[0] != token:
                    results.append("MessageNotInflight")
                    continue
                if row[1] <= now and queue.fifo:  # standard queues accept a late change from the latest receipt
                    results.append("expired")
                    continue
                if row[3] is not None and now + timeout_ms > row[3] + MAX_VISIBILITY_MS:
                    results.append("beyond-limit")  # 12 hours from the receive, in total
                    continue
                c.execute("UPDATE sqs_messages SET visible_at=? WHERE id=?", (now + timeout_ms, msg_id))
                if row[2] is not None and queue.fifo:
                    groups.add(row[2])
                results.append(None)
            for group in groups:
                _refresh_group(c, queue.id, group)
            return results
        return await self.db.write(tx)

    async def counts(self, queue: QueueRecord, now: int) -> dict[str, int]:
        def q(c: sqlite3.Connection):
            visible = c.execute("SELECT COUNT(*) FROM sqs_messages WHERE queue_id=? AND visible_at<=?",
                                (queue.id, now)).fetchone()[0]
            row = c.execute("SELECT SUM(receive_count>0), SUM(receive_count=0) FROM sqs_messages "
                            "WHERE queue_id=? AND visible_at>?", (queue.id, now)).fetchone()
            return {"visible": visible, "inflight": row[0] or 0, "delayed": row[1] or 0}
        return await self.db.read(q)

    async def queues_with_expired(self, now: int) -> list[QueueRecord]:
        """Queues holding a message older than their retention period: one index probe per queue, in SQL."""
        return await self.db.read(lambda c: [_queue(r) for r in c.execute(
            "SELECT * FROM sqs_queues q WHERE EXISTS (SELECT 1 FROM sqs_messages m WHERE m.queue_id=q.id AND "
            "m.sent_at < ? - CAST(json_extract(q.attributes, '$.MessageRetentionPeriod') AS INTEGER) * 1000)", (now,))])

    async def expire(self, queue: QueueRecord, before: int) -> int:
        def tx(c: sqlite3.Connection):
            groups = [r[0] for r in c.execute(
                "SELECT DISTINCT group_id FROM sqs_messages WHERE queue_id=? AND sent_at<? AND group_id IS NOT NULL",
                (queue.id, before))] if queue.fifo else []
            n = c.execute("DELETE FROM sqs_messages WHERE queue_id=? AND sent_at<?", (queue.id, before)).rowcount
            for group in groups:
                _refresh_group(c, queue.id, group)
            return n
        return await self.db.write(tx)

    async def expire_dedup(self, before: int) -> None:
        def tx(c: sqlite3.Connection):
            c.execute("DELETE FROM sqs_dedup WHERE sent_at<?", (before,))
            c.execute("DELETE FROM sqs_receive_attempts WHERE created_at<?", (before,))
        await self.db.write(tx)

    async def receive_attempt(self, queue: QueueRecord, attempt_id: str, since: int) -> Any:
        def q(c: sqlite3.Connection):
            row = c.execute("SELECT response FROM sqs_receive_attempts WHERE queue_id=? AND attempt_id=? AND created_at>=?",
                            (queue.id, attempt_id, since)).fetchone()
            return None if row is None else json.loads(row[0])
        return await self.db.read(q)

    async def save_receive_attempt(self, queue: QueueRecord, attempt_id: str, now: int, response: Any) -> None:
        await self.db.write(lambda c: c.execute("INSERT OR REPLACE INTO sqs_receive_attempts VALUES (?,?,?,?)",
                                                (queue.id, attempt_id, now, json.dumps(response))))

    # -- message move tasks ----------------------------------------------------------------------
    async def movable(self, source: QueueRecord, max_message_id: int, limit: int, now: int) -> list[StoredMessage]:
        return await self.db.read(lambda c: [_message(r) for r in c.execute(
            f"SELECT {_MSG_COLS} FROM sqs_messages WHERE queue_id=? AND visible_at<=? AND id<=? "
            "ORDER BY visible_at, id LIMIT ?", (source.id, now, max_message_id, limit))])

    async def move_messages(self, source: QueueRecord, moves: list[tuple[StoredMessage, QueueRecord]], now: int) -> int:
        def tx(c: sqlite3.Connection):
            moved = 0
            for msg, dest in moves:
                if c.execute("DELETE FROM sqs_messages WHERE id=? AND queue_id=? AND visible_at<=?",
                             (msg.id, source.id, now)).rowcount:
                    _insert_copy(c, dest, msg, now, None)
                    if msg.group_id and source.fifo:
                        _refresh_group(c, source.id, msg.group_id)
                    moved += 1
            return moved
        return await self.db.write(tx)

    async def save_move_task(self, task: MoveTask) -> None:
        await self.db.write(lambda c: c.execute(
            "INSERT OR REPLACE INTO sqs_move_tasks VALUES (?,?,?,?,?,?,?,?,?,?)",
            (task.task_id, task.source_arn, task.destination_arn, task.max_per_second, task.status, task.moved,
             task.to_move, task.max_message_id, task.started_at, task.failure_reason)))

    async def move_tasks(self, source_arn: str | None, limit: int) -> list[MoveTask]:
        def q(c: sqlite3.Connection):
            if source_arn is None:
                rows = c.execute("SELECT * FROM sqs_move_tasks WHERE status IN ('RUNNING','CANCELLING')").fetchall()
            else:
                rows = c.execute("SELECT * FROM sqs_move_tasks WHERE source_arn=? ORDER BY started_at DESC LIMIT ?",
                                 (source_arn, limit)).fetchall()
            return [MoveTask(*tuple(r)) for r in rows]
        return await self.db.read(q)

    async def count_movable(self, queue: QueueRecord) -> tuple[int, int]:
        return await self.db.read(lambda c: tuple(c.execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM sqs_messages WHERE queue_id=?", (queue.id,)).fetchone()))

    # -- read-only views (the dashboard): keyset-paginated, never a whole table ----------------------
    async def queues_page(self, after_id: int, limit: int, name_prefix: str = "") -> list[QueueRecord]:
        """Queues of every account and region in id order, after after_id."""
        hi = name_prefix + "\U0010ffff"
        return await self.db.read(lambda c: [_queue(r) for r in c.execute(
            "SELECT * FROM sqs_queues WHERE id>? AND name>=? AND name<? ORDER BY id LIMIT ?",
            (after_id, name_prefix, hi, limit))])

    async def peek(self, queue: QueueRecord, after: tuple[int, int], limit: int) -> list[StoredMessage]:
        """Messages in the order receives would take them, after the (visible_at, id) cursor, without receiving
        them: visibility and receive count stay as they are. Follows the visible_at index."""
        return await self.db.read(lambda c: [_message(r) for r in c.execute(
            f"SELECT {_MSG_COLS} FROM sqs_messages WHERE queue_id=? AND (visible_at, id) > (?, ?) "
            "ORDER BY visible_at, id LIMIT ?", (queue.id, after[0], after[1], limit))])

    async def peek_one(self, queue: QueueRecord, message_row_id: int) -> StoredMessage | None:
        def q(c: sqlite3.Connection):
            row = c.execute(f"SELECT {_MSG_COLS} FROM sqs_messages WHERE id=? AND queue_id=?",
                            (message_row_id, queue.id)).fetchone()
            return None if row is None else _message(row)
        return await self.db.read(q)

    async def totals(self) -> dict[str, int]:
        """How many queues and messages are stored, over every account."""
        def q(c: sqlite3.Connection):
            return {"queues": c.execute("SELECT COUNT(*) FROM sqs_queues").fetchone()[0],
                    "messages": c.execute("SELECT COUNT(*) FROM sqs_messages").fetchone()[0]}
        return await self.db.read(q)

    async def wipe(self) -> None:
        def tx(c: sqlite3.Connection):
            for table in ("sqs_messages", "sqs_groups", "sqs_dedup", "sqs_receive_attempts", "sqs_move_tasks",
                          "sqs_queues", "sqs_deleted_queues"):
                c.execute(f"DELETE FROM {table}")
        await self.db.write(tx)


# -- transaction bodies (run in the writer thread) ---------------------------------------------------
def _next_seq(c: sqlite3.Connection, queue_id: int) -> str:
    seq = c.execute("UPDATE sqs_queues SET seq=seq+1 WHERE id=? RETURNING seq", (queue_id,)).fetchone()[0]
    return str(18_000_000_000_000_000_000 + seq * 1000)


def _send(c: sqlite3.Connection, queue: QueueRecord, messages: list[NewMessage], now: int, window: int):
    outcomes = []
    for m in messages:
        if m.dedup_key is not None:
            row = c.execute("SELECT message_id, seq, sent_at FROM sqs_dedup WHERE queue_id=? AND dedup_key=?",
                            (queue.id, m.dedup_key)).fetchone()
            if row is not None and row[2] > now - window:
                outcomes.append(SendOutcome(row[0], row[1], duplicate=True))
                continue
        seq = _next_seq(c, queue.id) if queue.fifo else None
        visible_at = now + m.delay_ms
        cur = c.execute(Q_INSERT_MESSAGE, _new_row(queue.id, m, now, seq))
        if queue.fifo and m.group_id is not None:
            c.execute("INSERT OR IGNORE INTO sqs_groups VALUES (?,?,?,?)", (queue.id, m.group_id, cur.lastrowid, visible_at))
        if m.dedup_key is not None:
            c.execute("INSERT OR REPLACE INTO sqs_dedup VALUES (?,?,?,?,?)", (queue.id, m.dedup_key, m.message_id, seq, now))
        outcomes.append(SendOutcome(m.message_id, seq))
    return outcomes


_MULTI_ROW = 32  # rows per multi-row INSERT (17 parameters each)


def _new_row(queue_id: int, m: NewMessage, now: int, seq: str | None) -> tuple:
    """A sent message's Q_INSERT_MESSAGE parameters: never received, visible after its delay."""
    return (queue_id, m.message_id, m.body, m.attributes, m.system_attributes, m.md5_body, m.md5_attributes,
            m.md5_system, now, now + m.delay_ms, 0, None, m.group_id, m.dedup_id, seq, m.sender_id, None)


def one_statement(sends: list[tuple[QueueRecord, NewMessage]]) -> bool:
    """Whether send_to_queues writes these in a single statement."""
    return 0 < len(sends) <= _MULTI_ROW and all(not q.fifo and m.dedup_key is None for q, m in sends)


def send_to_queues(c: sqlite3.Connection, sends: list[tuple[QueueRecord, NewMessage]], now: int, window: int) -> None:
    """Messages for several queues (a topic's fanout) in one go: those of standard queues without deduplication
    are one multi-row INSERT, a single statement rather than one per queue; the others go through _send."""
    plain: list = []
    for queue, m in sends:
        if queue.fifo or m.dedup_key is not None:
            _send(c, queue, [m], now, window)
        else:
            plain.append(_new_row(queue.id, m, now, None))
    for start in range(0, len(plain), _MULTI_ROW):
        rows = plain[start:start + _MULTI_ROW]
        c.execute(Q_INSERT_MESSAGE + ("," + _MESSAGE_ROW) * (len(rows) - 1),
                  [value for row in rows for value in row])


def _insert_copy(c: sqlite3.Connection, dest: QueueRecord, m: StoredMessage, now: int, source_arn: str | None) -> None:
    """A message moving to another queue (dead-letter or redrive) keeps its id, body and SentTimestamp."""
    seq = _next_seq(c, dest.id) if dest.fifo else None
    group = m.group_id
    cur = c.execute(Q_INSERT_MESSAGE, (dest.id, m.message_id, m.body, m.attributes, m.system_attributes, m.md5_body,
                                       m.md5_attributes, m.md5_system, m.sent_at, now, 0, None, group, m.dedup_id, seq,
                                       m.sender_id, source_arn))
    if dest.fifo and group is not None:
        c.execute("INSERT OR IGNORE INTO sqs_groups VALUES (?,?,?,?)", (dest.id, group, cur.lastrowid, now))


def _refresh_group(c: sqlite3.Connection, queue_id: int, group_id: str) -> None:
    head = c.execute(Q_GROUP_HEAD, (queue_id, group_id)).fetchone()
    if head is None:
        c.execute("DELETE FROM sqs_groups WHERE queue_id=? AND group_id=?", (queue_id, group_id))
    else:
        c.execute("INSERT OR REPLACE INTO sqs_groups VALUES (?,?,?,?)", (queue_id, group_id, head[0], head[1]))


def _deliverable(c: sqlite3.Connection, queue: QueueRecord, m: StoredMessage, now: int,
                 redrive: RedriveTarget | None, retention_ms: int) -> bool:
    """False, with m dropped or dead-lettered, if it expired or used up its receives."""
    if m.sent_at < now - retention_ms:
        c.execute("DELETE FROM sqs_messages WHERE id=?", (m.id,))
        return False
    if redrive is not None and m.receive_count >= redrive.max_receive_count:
        c.execute("DELETE FROM sqs_messages WHERE id=?", (m.id,))
        _insert_copy(c, redrive.queue, m, now, queue.arn)
        return False
    return True


def _mark_received(c: sqlite3.Connection, messages: list[StoredMessage], visibility_ms: int, now: int) -> None:
    """Receive these messages: in flight until now + visibility_ms, each with a new receipt (a random prefix
    drawn once, and the message's row id), in one statement."""
    if not messages:
        return
    prefix = secrets.token_hex(12)
    visible_at = now + visibility_ms
    c.execute("UPDATE sqs_messages SET visible_at=?, receive_count=receive_count+1, receipt=? || '.' || id, "
              f"received_at=?, first_receive_at=COALESCE(first_receive_at, ?) WHERE id IN "
              f"({','.join('?' * len(messages))})", [visible_at, prefix, now, now, *(m.id for m in messages)])
    for m in messages:
        m.receipt, m.receive_count, m.visible_at = f"{prefix}.{m.id}", m.receive_count + 1, visible_at
        if m.first_receive_at is None:
            m.first_receive_at = now


def standard_delete_sql(handles: int) -> str:
    """DeleteMessageBatch on a standard queue in one statement: row ids, then the queue and each receipt.
    Rowid look-ups whatever the depth: `+queue_id` keeps the planner off the (queue_id, ...) indexes, which it
    prefers from about ten ids on and which would read the whole queue."""
    return (f"DELETE FROM sqs_messages WHERE id IN ({','.join('?' * handles)}) AND +queue_id=? "
            f"AND (id, receipt) IN (VALUES {','.join(['(?,?)'] * handles)})")


def _take(c: sqlite3.Connection, queue: QueueRecord, m: StoredMessage, visibility_ms: int, now: int,
          redrive: RedriveTarget | None, retention_ms: int) -> bool:
    """Deliver m (True) or, if it expired or used up its receives, drop or dead-letter it (False)."""
    if not _deliverable(c, queue, m, now, redrive, retention_ms):
        return False
    _mark_received(c, [m], visibility_ms, now)
    return True


Q_NEXT_VISIBLE = "SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id=?"
Q_NEXT_AVAILABLE_GROUP = "SELECT MIN(available_at) FROM sqs_groups WHERE queue_id=?"


def _receive_or_next(c: sqlite3.Connection, queue: QueueRecord, limit: int, visibility_ms: int, now: int,
                     redrive: RedriveTarget | None, retention_ms: int) -> tuple[list[StoredMessage], int | None]:
    """The messages received; when there are none, also when the next one becomes visible (None: the queue is
    empty), read in the same transaction so that a long poll needs no second trip to the database."""
    taken = _receive(c, queue, limit, visibility_ms, now, redrive, retention_ms)
    if taken:
        return taken, None
    return taken, c.execute(Q_NEXT_AVAILABLE_GROUP if queue.fifo else Q_NEXT_VISIBLE, (queue.id,)).fetchone()[0]


def _receive(c: sqlite3.Connection, queue: QueueRecord, limit: int, visibility_ms: int, now: int,
             redrive: RedriveTarget | None, retention_ms: int) -> list[StoredMessage]:
    taken: list[StoredMessage] = []
    seen: set[int] = set()  # with VisibilityTimeout=0 a taken message is visible again at once: never twice
    if not queue.fifo:
        while len(taken) < limit:
            rows = [r for r in c.execute(Q_VISIBLE, (queue.id, now, limit - len(taken) + len(seen))).fetchall()
                    if r[0] not in seen]
            if not rows:
                break
            fresh = []
            for row in rows:
                m = _message(row)
                seen.add(m.id)
                if _deliverable(c, queue, m, now, redrive, retention_ms):
                    fresh.append(m)
            _mark_received(c, fresh, visibility_ms, now)  # one UPDATE for the lot
            taken += fresh
        return taken
    done_groups: set[str] = set()
    while len(taken) < limit:
        groups = [r[0] for r in c.execute(Q_GROUPS_AVAILABLE, (queue.id, now, limit - len(taken) + len(done_groups)))
                  if r[0] not in done_groups]
        if not groups:
            break
        for group in groups:
            got_any = False
            for row in c.execute(Q_GROUP_MESSAGES, (queue.id, group, limit - len(taken))).fetchall():
                m = _message(row)
                if m.visible_at > now:
                    break
                if _take(c, queue, m, visibility_ms, now, redrive, retention_ms):
                    taken.append(m)
                    got_any = True
                elif got_any:
                    break
                if len(taken) >= limit:
                    break
            _refresh_group(c, queue.id, group)
            if got_any:
                done_groups.add(group)
            if len(taken) >= limit:
                break
    return taken
