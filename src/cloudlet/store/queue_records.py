"""The records the queue engine and its stores exchange, and the interface every queue store implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass
class QueueRecord:
    id: int
    account: str
    region: str
    name: str
    attributes: dict[str, str]
    tags: dict[str, str]
    created_at: int
    modified_at: int
    last_purge_at: int = 0

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoQueue") == "true"

    @property
    def arn(self) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account}:{self.name}"

    def attr_int(self, name: str) -> int:
        return int(self.attributes[name])


@dataclass
class NewMessage:
    message_id: str
    body: str
    attributes: str | None  # JSON text of message attributes (binary values base64)
    system_attributes: str | None
    md5_body: str
    md5_attributes: str | None
    md5_system: str | None
    delay_ms: int
    sender_id: str
    group_id: str | None = None
    dedup_id: str | None = None
    dedup_key: str | None = None  # the key the 5-minute window is kept under (None: no deduplication)


@dataclass
class SendOutcome:
    message_id: str
    sequence_number: str | None
    duplicate: bool = False


@dataclass
class StoredMessage:
    id: int
    message_id: str
    body: str
    attributes: str | None
    system_attributes: str | None
    md5_body: str
    md5_attributes: str | None
    md5_system: str | None
    sent_at: int
    visible_at: int
    receive_count: int
    first_receive_at: int | None
    receipt: str | None
    group_id: str | None
    dedup_id: str | None
    seq: str | None
    sender_id: str | None
    dlq_source_arn: str | None


@dataclass
class RedriveTarget:
    """Where a queue's messages go after maxReceiveCount receives."""
    queue: QueueRecord
    max_receive_count: int


@dataclass
class MoveTask:
    task_id: str
    source_arn: str
    destination_arn: str | None
    max_per_second: int | None
    status: str
    moved: int
    to_move: int
    max_message_id: int
    started_at: int
    failure_reason: str | None = None


class QueueStore(Protocol):
    """What the queue engine needs from persistence. Each call is one transaction; writes return only when
    durable. Implementations: SqliteQueueStore (embedded default); a PostgreSQL one can follow."""

    async def get_queue(self, account: str, region: str, name: str) -> QueueRecord | None: ...
    async def get_queue_by_id(self, queue_id: int) -> QueueRecord | None: ...
    async def create_queue(self, account: str, region: str, name: str, attributes: dict[str, str],
                           tags: dict[str, str], now: int, recreate_guard_ms: int) -> tuple[QueueRecord, bool]: ...
    async def delete_queue(self, queue: QueueRecord, now: int) -> None: ...
    async def list_queues(self, account: str, region: str, prefix: str, after: str, limit: int) -> list[str]: ...
    async def set_attributes(self, queue: QueueRecord, attributes: dict[str, str], now: int) -> QueueRecord: ...
    async def set_tags(self, queue: QueueRecord, tags: dict[str, str]) -> None: ...
    async def dead_letter_sources(self, dlq_arn: str, after: str, limit: int) -> list[QueueRecord]: ...
    async def purge(self, queue: QueueRecord, now: int) -> None: ...
    async def send(self, queue: QueueRecord, messages: list[NewMessage], now: int,
                   dedup_window_ms: int) -> list[SendOutcome]: ...
    async def receive(self, queue: QueueRecord, limit: int, visibility_ms: int, now: int,
                      redrive: RedriveTarget | None, retention_ms: int) -> tuple[list[StoredMessage], int | None]:
        """The messages received and, when there are none, when the next becomes visible (None: empty)."""
    async def delete_messages(self, queue: QueueRecord, handles: list[tuple[int, str]], now: int) -> list[str | None]: ...
    async def change_visibility(self, queue: QueueRecord, changes: list[tuple[int, str, int]],
                                now: int) -> list[str | None]: ...
    async def counts(self, queue: QueueRecord, now: int) -> dict[str, int]: ...
    async def queues_with_expired(self, now: int) -> list[QueueRecord]: ...
    async def expire(self, queue: QueueRecord, before: int) -> int: ...
    async def expire_dedup(self, before: int) -> None: ...
    async def receive_attempt(self, queue: QueueRecord, attempt_id: str, since: int) -> Any: ...
    async def save_receive_attempt(self, queue: QueueRecord, attempt_id: str, now: int, response: Any) -> None: ...
    async def movable(self, source: QueueRecord, max_message_id: int, limit: int, now: int) -> list[StoredMessage]: ...
    async def move_messages(self, source: QueueRecord, moves: list[tuple[StoredMessage, QueueRecord]], now: int) -> int: ...
    async def save_move_task(self, task: MoveTask) -> None: ...
    async def move_tasks(self, source_arn: str | None, limit: int) -> list[MoveTask]: ...
    async def count_movable(self, queue: QueueRecord) -> tuple[int, int]: ...
    # read-only views for the dashboard: keyset-paginated, never changing visibility or receive counts
    async def queues_page(self, after_id: int, limit: int, name_prefix: str = "") -> list[QueueRecord]: ...
    async def peek(self, queue: QueueRecord, after: tuple[int, int], limit: int) -> list[StoredMessage]: ...
    async def peek_one(self, queue: QueueRecord, message_row_id: int) -> StoredMessage | None: ...
    async def totals(self) -> dict[str, int]: ...
    async def wipe(self) -> None: ...
