"""The queue engine: SQS semantics (visibility, long polling, FIFO, dead-letter queues, move tasks) over a
QueueStore. It knows nothing of HTTP; the front end in api.py translates."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import time
import uuid
from collections import deque
from typing import Any

from ..aws.errors import AwsError, invalid_parameter
from ..aws.ids import uuid4_text
from ..cache import ReadMostlyCache
from ..runtime import cancel_and_wait
from ..store.queue_records import MoveTask, NewMessage, QueueRecord, QueueStore, RedriveTarget, StoredMessage
from . import validation as v
from .checksums import md5_attributes, md5_text

log = logging.getLogger("cloudlet.sqs")

RECREATE_GUARD_MS = 60_000
PURGE_INTERVAL_MS = 60_000
SWEEP_SECONDS = 5.0


def now_ms() -> int:
    return int(time.time() * 1000)


def no_such_queue() -> AwsError:
    return AwsError("QueueDoesNotExist", "The specified queue does not exist.")


def parse_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, name) of an SQS queue ARN."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs":
        return None
    return parts[3], parts[4], parts[5]


class QueueEngine:
    def __init__(self, store: QueueStore) -> None:
        self.store = store
        self.queues: ReadMostlyCache[QueueRecord] = ReadMostlyCache(self._load_queue)
        self._waiters: dict[int, deque[asyncio.Future]] = {}
        # per queue, how many times _wake ran: a long poll that found nothing compares it with the value from
        # before its receive, so a message committed while the poll was between receive and wait is not missed
        self._arrivals: dict[int, int] = {}
        self._tasks: set[asyncio.Task] = set()
        self._movers: dict[str, asyncio.Task] = {}
        self._cancelling: set[str] = set()
        self._sweeper: asyncio.Task | None = None

    async def _load_queue(self, key: tuple[str, str, str]) -> QueueRecord | None:
        return await self.store.get_queue(*key)

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever())
        for task in await self.store.move_tasks(None, 1000):
            self._run_mover(task)

    async def stop(self) -> None:
        await cancel_and_wait(self._sweeper, *self._movers.values())
        self._movers.clear()
        for waiters in self._waiters.values():
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)

    async def reset(self) -> None:
        for task in self._movers.values():
            task.cancel()
        self._movers.clear()
        await self.store.wipe()
        self.queues.clear()

    # -- queues ----------------------------------------------------------------------------------
    async def get_queue(self, account: str, region: str, name: str) -> QueueRecord:
        queue = await self.queues.get((account, region, name))
        if queue is None:
            raise no_such_queue()
        return queue

    async def queue_by_arn(self, arn: str) -> QueueRecord | None:
        parsed = parse_arn(arn)
        if parsed is None:
            return None
        region, account, name = parsed
        return await self.queues.get((account, region, name))

    async def create_queue(self, account: str, region: str, name: str, attributes: dict[str, str],
                           tags: dict[str, str]) -> QueueRecord:
        fifo_requested = attributes.get("FifoQueue", "false").lower() == "true"
        v.check_queue_name(name, fifo_requested or name.endswith(".fifo"))
        if name.endswith(".fifo") and not fifo_requested:
            raise invalid_parameter("Can only include alphanumeric characters, hyphens, or underscores. "
                                    "1 to 80 in length")
        given = v.check_attributes(attributes, fifo_requested, creating=True)
        self._check_tags(tags)
        wanted = {**v.default_attributes(fifo_requested), **given}
        _check_encryption(given, wanted)
        await self._check_redrive(wanted, fifo_requested, region, account, name)
        queue, created = await self.store.create_queue(account, region, name, wanted, tags, now_ms(), RECREATE_GUARD_MS)
        if queue is None:
            raise AwsError("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can "
                           "create another with the same name.")
        if not created:
            for key, value in given.items():
                if queue.attributes.get(key, "") != value:
                    raise AwsError("QueueNameExists", f"A queue already exists with the same name and a different "
                                   f"value for attribute {key}")
        self.queues.put((account, region, name), queue)
        return queue

    async def delete_queue(self, queue: QueueRecord) -> None:
        await self.store.delete_queue(queue, now_ms())
        self.queues.invalidate((queue.account, queue.region, queue.name))
        self._wake(queue.id, len(self._waiters.get(queue.id, ())))
        self._arrivals.pop(queue.id, None)

    async def list_queues(self, account: str, region: str, prefix: str, limit: int, token: str | None):
        names = await self.store.list_queues(account, region, prefix, _after(token), limit + 1)
        return names[:limit], _next_token(names[limit - 1]) if len(names) > limit else None

    async def set_attributes(self, queue: QueueRecord, attributes: dict[str, str]) -> QueueRecord:
        given = v.check_attributes(attributes, queue.fifo, creating=False)
        merged = {**queue.attributes, **given}
        _check_encryption(given, merged)
        for key in ("RedrivePolicy", "RedriveAllowPolicy", "Policy"):
            if merged.get(key) == "":
                merged.pop(key)
        await self._check_redrive(merged, queue.fifo, queue.region, queue.account, queue.name)
        if merged.get("FifoThroughputLimit") == "perMessageGroupId" and merged.get("DeduplicationScope") == "queue":
            raise invalid_parameter("Value perMessageGroupId for parameter FifoThroughputLimit is invalid. Reason: "
                                    "To enable high throughput for FIFO queues, set DeduplicationScope to messageGroup.")
        updated = await self.store.set_attributes(queue, merged, now_ms())
        self.queues.put((queue.account, queue.region, queue.name), updated)
        return updated

    async def _check_redrive(self, attrs: dict[str, str], fifo: bool, region: str, account: str, name: str) -> None:
        policy = attrs.get("RedrivePolicy")
        if not policy:
            return
        arn = json.loads(policy)["deadLetterTargetArn"]
        target = await self.queue_by_arn(arn)
        if target is None:
            raise invalid_parameter(f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead letter "
                                    "target does not exist.")
        if target.fifo != fifo:
            raise invalid_parameter(f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead-letter "
                                    "queue must be same type of queue as the source..")
        allow = json.loads(target.attributes.get("RedriveAllowPolicy") or '{"redrivePermission":"allowAll"}')
        source_arn = f"arn:aws:sqs:{region}:{account}:{name}"
        permission = allow.get("redrivePermission")
        if permission == "denyAll" or (permission == "byQueue" and source_arn not in allow.get("sourceQueueArns", [])):
            raise invalid_parameter(f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Queue "
                                    f"{source_arn} is not allowed to use {arn} as a dead-letter queue by its "
                                    "RedriveAllowPolicy.")

    def _check_tags(self, tags: dict[str, str]) -> None:
        if len(tags) > 50:
            raise invalid_parameter("Too many tags added for queue.")
        for key, value in tags.items():
            if not 1 <= len(key) <= 128 or len(value) > 256:
                raise invalid_parameter(f"Tag key or value is invalid: {key}")

    async def tag(self, queue: QueueRecord, tags: dict[str, str]) -> None:
        merged = {**queue.tags, **tags}
        self._check_tags(merged)
        await self.store.set_tags(queue, merged)
        queue.tags = merged

    async def untag(self, queue: QueueRecord, keys: list[str]) -> None:
        merged = {k: val for k, val in queue.tags.items() if k not in keys}
        await self.store.set_tags(queue, merged)
        queue.tags = merged

    async def counts(self, queue: QueueRecord) -> dict[str, int]:
        return await self.store.counts(queue, now_ms())

    async def purge(self, queue: QueueRecord) -> None:
        now = now_ms()
        fresh = await self.store.get_queue_by_id(queue.id)
        if fresh is not None and fresh.last_purge_at > now - PURGE_INTERVAL_MS:
            raise AwsError("PurgeQueueInProgress", f"Only one PurgeQueue operation on {queue.name} is allowed every "
                           "60 seconds.")
        await self.store.purge(queue, now)

    # -- messages --------------------------------------------------------------------------------
    def prepare(self, queue: QueueRecord, entry: dict[str, Any], sender_id: str) -> tuple[NewMessage, int]:
        """Validate one message to send; returns it and its size in bytes."""
        body = entry.get("MessageBody")
        if body is None:
            raise AwsError("MissingParameter", "The request must contain the parameter MessageBody.")
        v.check_body(body)
        attrs = entry.get("MessageAttributes") or {}
        system = entry.get("MessageSystemAttributes") or {}
        size = len(body.encode("utf-8")) + v.check_message_attributes(attrs)
        v.check_message_attributes(system, system=True)
        limit = queue.attr_int("MaximumMessageSize")
        if size > limit:
            raise invalid_parameter(f"One or more parameters are invalid. Reason: Message must be shorter than "
                                    f"{limit} bytes.")
        delay = entry.get("DelaySeconds")
        group = entry.get("MessageGroupId")
        dedup = entry.get("MessageDeduplicationId")
        dedup_key = None
        if queue.fifo:
            if delay is not None and delay != 0:
                raise invalid_parameter(f"Value {delay} for parameter DelaySeconds is invalid. Reason: The request "
                                        "include parameter that is not valid for this queue type.")
            if group is None:
                raise AwsError("MissingParameter", "The request must contain the parameter MessageGroupId.")
            v.check_dedup_id(group, "MessageGroupId")
            if dedup is None:
                if queue.attributes.get("ContentBasedDeduplication") != "true":
                    raise invalid_parameter("The queue should either have ContentBasedDeduplication enabled or "
                                            "MessageDeduplicationId provided explicitly")
                dedup = hashlib.sha256(body.encode("utf-8")).hexdigest()
            else:
                v.check_dedup_id(dedup)
            dedup_key = f"{group}\x00{dedup}" if queue.attributes.get("DeduplicationScope") == "messageGroup" else dedup
            delay_ms = queue.attr_int("DelaySeconds") * 1000
        else:
            if dedup is not None:
                raise invalid_parameter(f"Value {dedup} for parameter MessageDeduplicationId is invalid. Reason: The "
                                        "request include parameter that is not valid for this queue type.")
            if group is not None:
                v.check_dedup_id(group, "MessageGroupId")
            v.check_range("DelaySeconds", delay, 0, 900, "Must be >= 0 and <= 900, if provided.")
            delay_ms = (queue.attr_int("DelaySeconds") if delay is None else delay) * 1000
        message = NewMessage(
            message_id=uuid4_text(), body=body, attributes=_encode_attrs(attrs), system_attributes=_encode_attrs(system),
            md5_body=md5_text(body), md5_attributes=md5_attributes(attrs), md5_system=md5_attributes(system),
            delay_ms=delay_ms, sender_id=sender_id, group_id=group, dedup_id=dedup if queue.fifo else None,
            dedup_key=dedup_key)
        return message, size

    async def send(self, queue: QueueRecord, messages: list[NewMessage]):
        outcomes = await self.store.send(queue, messages, now_ms(), v.DEDUP_WINDOW_MS)
        self._wake(queue.id, len(messages))
        return outcomes

    async def receive(self, queue: QueueRecord, limit: int, visibility: int | None, wait: int | None,
                      attempt_id: str | None = None) -> list[StoredMessage]:
        visibility_ms = (queue.attr_int("VisibilityTimeout") if visibility is None else visibility) * 1000
        wait_s = queue.attr_int("ReceiveMessageWaitTimeSeconds") if wait is None else wait
        deadline = time.monotonic() + wait_s
        redrive = await self._redrive_target(queue)
        retention_ms = queue.attr_int("MessageRetentionPeriod") * 1000
        while True:
            seen = self._arrivals.get(queue.id, 0)
            messages, next_at = await self.store.receive(queue, limit, visibility_ms, now_ms(), redrive,
                                                         retention_ms)
            remaining = deadline - time.monotonic()
            if messages or remaining <= 0:
                return messages
            if next_at is not None:
                remaining = min(remaining, max(0.01, (next_at - now_ms()) / 1000))
            if self._arrivals.get(queue.id, 0) != seen:
                continue  # something arrived after the receive looked: look again rather than sleep
            await self._wait(queue.id, remaining)
            current = await self.queues.get((queue.account, queue.region, queue.name))
            if current is None or current.id != queue.id:
                return []

    async def _redrive_target(self, queue: QueueRecord) -> RedriveTarget | None:
        policy = queue.attributes.get("RedrivePolicy")
        if not policy:
            return None
        parsed = json.loads(policy)
        target = await self.queue_by_arn(parsed["deadLetterTargetArn"])
        return None if target is None else RedriveTarget(target, int(parsed["maxReceiveCount"]))

    async def _wait(self, queue_id: int, timeout: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        waiters = self._waiters.setdefault(queue_id, deque())
        waiters.append(fut)
        try:
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            try:
                waiters.remove(fut)
            except ValueError:
                pass
            if not waiters:
                self._waiters.pop(queue_id, None)

    def notify(self, queue_id: int, count: int) -> None:
        """Messages became receivable in a queue outside `send` (another service wrote them): wake pollers."""
        self._wake(queue_id, count)

    def _wake(self, queue_id: int, count: int) -> None:
        self._arrivals[queue_id] = self._arrivals.get(queue_id, 0) + 1
        waiters = self._waiters.get(queue_id)
        while waiters and count > 0:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                count -= 1

    async def delete(self, queue: QueueRecord, handles: list[tuple[int, str]]) -> list[str | None]:
        results = await self.store.delete_messages(queue, handles, now_ms())
        if queue.fifo:  # deleting a group's head unlocks the group: its next message may now be received
            self._wake(queue.id, len(handles))
        return results

    async def change_visibility(self, queue: QueueRecord, changes: list[tuple[int, str, int]]) -> list[str | None]:
        results = await self.store.change_visibility(queue, changes, now_ms())
        self._wake(queue.id, sum(1 for (_, _, t), r in zip(changes, results) if r is None and t == 0))
        return results

    # -- receipt handles -------------------------------------------------------------------------
    @staticmethod
    def receipt_handle(queue: QueueRecord, message: StoredMessage) -> str:
        raw = f"{queue.id}:{message.id}:{message.receipt}:{message.message_id}".encode()
        return base64.urlsafe_b64encode(raw).decode()

    @staticmethod
    def parse_receipt(queue: QueueRecord, handle: str) -> tuple[int, str]:
        try:
            queue_id, msg_id, token, _ = base64.urlsafe_b64decode(handle.encode()).decode().split(":", 3)
            if int(queue_id) != queue.id:
                raise ValueError
            return int(msg_id), token
        except (ValueError, UnicodeError, binascii.Error):
            raise AwsError("ReceiptHandleIsInvalid",
                           f'The input receipt handle "{handle}" is not a valid receipt handle.') from None

    # -- dead-letter sources and move tasks ------------------------------------------------------
    async def dead_letter_sources(self, queue: QueueRecord, limit: int, token: str | None):
        sources = await self.store.dead_letter_sources(queue.arn, _after(token), limit + 1)
        return sources[:limit], _next_token(sources[limit - 1].name) if len(sources) > limit else None

    async def start_move_task(self, source_arn: str, destination_arn: str | None, rate: int | None) -> MoveTask:
        source = await self.queue_by_arn(source_arn)
        if source is None:
            raise AwsError("ResourceNotFoundException", "The resource that you specified for the SourceArn "
                           "parameter doesn't exist.")
        sources, _ = await self.dead_letter_sources(source, 1, None)
        if not sources:
            raise invalid_parameter("Source queue must be configured as a Dead Letter Queue.")
        if destination_arn is not None and await self.queue_by_arn(destination_arn) is None:
            raise AwsError("ResourceNotFoundException", "The resource that you specified for the DestinationArn "
                           "parameter doesn't exist.")
        v.check_range("MaxNumberOfMessagesPerSecond", rate, 1, 500, "Must be between 1 and 500.")
        for task in await self.store.move_tasks(source_arn, 10):
            if task.status in ("RUNNING", "CANCELLING"):
                raise invalid_parameter("There is already a task running. Only one active task is allowed for a "
                                        "source queue arn at a given time.")
        count, max_id = await self.store.count_movable(source)
        task = MoveTask(task_id=str(uuid.uuid4()), source_arn=source_arn, destination_arn=destination_arn,
                        max_per_second=rate, status="RUNNING", moved=0, to_move=count, max_message_id=max_id,
                        started_at=now_ms())
        await self.store.save_move_task(task)
        self._run_mover(task)
        return task

    async def cancel_move_task(self, task_id: str, source_arn: str) -> MoveTask:
        task = await self._task(task_id, source_arn)
        if task is None or task.status != "RUNNING":
            raise AwsError("ResourceNotFoundException", "Task does not exist.")
        mover = self._movers.get(task_id)
        if mover is not None:
            self._cancelling.add(task_id)
            try:
                await asyncio.shield(mover)  # it stops between batches, so `moved` counts what really moved
            except asyncio.CancelledError:
                raise
            except Exception:
                pass
            finally:
                self._cancelling.discard(task_id)
            task = (await self._task(task_id, source_arn)) or task
        if task.status == "RUNNING":
            task.status = "CANCELLED"
            await self.store.save_move_task(task)
        return task

    async def _task(self, task_id: str, source_arn: str) -> MoveTask | None:
        for task in await self.store.move_tasks(source_arn, 1000):
            if task.task_id == task_id:
                return task
        return None

    async def list_move_tasks(self, source_arn: str, limit: int) -> list[MoveTask]:
        if await self.queue_by_arn(source_arn) is None:
            raise AwsError("ResourceNotFoundException", "The resource that you specified for the SourceArn "
                           "parameter doesn't exist.")
        return await self.store.move_tasks(source_arn, limit)

    def _run_mover(self, task: MoveTask) -> None:
        mover = asyncio.create_task(self._move(task))
        self._movers[task.task_id] = mover
        mover.add_done_callback(lambda _: self._movers.pop(task.task_id, None))

    async def _move(self, task: MoveTask) -> None:
        rate = task.max_per_second or 500
        try:
            source = await self.queue_by_arn(task.source_arn)
            fixed = await self.queue_by_arn(task.destination_arn) if task.destination_arn else None
            while source is not None:
                if task.task_id in self._cancelling:
                    task.status = "CANCELLED"
                    await self.store.save_move_task(task)
                    return
                started = time.monotonic()
                batch = await self.store.movable(source, task.max_message_id, min(rate, 100), now_ms())
                if not batch:
                    break
                moves = []
                for msg in batch:
                    dest = fixed or (await self.queue_by_arn(msg.dlq_source_arn) if msg.dlq_source_arn else None)
                    if dest is None:
                        task.status, task.failure_reason = "FAILED", "AWS.SimpleQueueService.NonExistentQueue"
                        await self.store.save_move_task(task)
                        return
                    moves.append((msg, dest))
                task.moved += await self.store.move_messages(source, moves, now_ms())
                await self.store.save_move_task(task)
                for dest in {d.id for _, d in moves}:
                    self._wake(dest, len(moves))
                pause = max(0.0, len(batch) / rate - (time.monotonic() - started))
                deadline = time.monotonic() + pause
                while time.monotonic() < deadline and task.task_id not in self._cancelling:
                    await asyncio.sleep(min(0.05, deadline - time.monotonic()))
            task.status = "COMPLETED"
            await self.store.save_move_task(task)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # recorded on the task, as AWS reports a failed move
            log.exception("message move task %s failed", task.task_id)
            task.status, task.failure_reason = "FAILED", str(exc)
            await self.store.save_move_task(task)

    # -- read-only views (the dashboard) -----------------------------------------------------------
    async def all_queues(self, after_id: int, limit: int, name_prefix: str = "") -> list[QueueRecord]:
        """Every account's queues in id order after after_id (keyset pagination)."""
        return await self.store.queues_page(after_id, limit, name_prefix)

    async def peek(self, queue: QueueRecord, after: tuple[int, int], limit: int) -> list[StoredMessage]:
        """Messages in receive order after a (visible_at, id) cursor, without receiving them: no visibility
        change, no receive count."""
        return await self.store.peek(queue, after, limit)

    async def peek_one(self, queue: QueueRecord, message_row_id: int) -> StoredMessage | None:
        return await self.store.peek_one(queue, message_row_id)

    async def totals(self) -> dict[str, int]:
        return await self.store.totals()

    # -- retention -------------------------------------------------------------------------------
    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("retention sweep failed")

    async def sweep(self) -> None:
        now = now_ms()
        for queue in await self.store.queues_with_expired(now):
            await self.store.expire(queue, now - queue.attr_int("MessageRetentionPeriod") * 1000)
        await self.store.expire_dedup(now - v.DEDUP_WINDOW_MS)


def _after(token: str | None) -> str:
    """The queue name a NextToken continues after."""
    if not token:
        return ""
    try:
        return json.loads(base64.b64decode(token))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid_parameter("Invalid NextToken value.") from None


def _next_token(last_name: str) -> str:
    return base64.b64encode(json.dumps({"after": last_name}).encode()).decode()


def _check_encryption(given: dict[str, str], merged: dict[str, str]) -> None:
    """SQS-managed SSE and KMS SSE exclude each other; choosing a KMS key turns SQS-managed SSE off."""
    if given.get("KmsMasterKeyId") and given.get("SqsManagedSseEnabled") == "true":
        raise AwsError("InvalidAttributeName", "You can use one type of server-side encryption (SSE) at one time. "
                       "You can either enable KMS SSE or SQS SSE.")
    if given.get("KmsMasterKeyId"):
        merged["SqsManagedSseEnabled"] = "false"
        merged.setdefault("KmsDataKeyReusePeriodSeconds", "300")
    elif given.get("SqsManagedSseEnabled") == "true":
        merged.pop("KmsMasterKeyId", None)
        merged.pop("KmsDataKeyReusePeriodSeconds", None)


def _encode_attrs(attrs: dict[str, Any]) -> str | None:
    if not attrs:
        return None
    out = {}
    for name, value in attrs.items():
        item = {"DataType": value["DataType"]}
        if "BinaryValue" in value and value["BinaryValue"] is not None:
            item["BinaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        else:
            item["StringValue"] = value.get("StringValue")
        out[name] = item
    return json.dumps(out, separators=(",", ":"))


def decode_attrs(text: str | None) -> dict[str, dict[str, Any]]:
    if not text:
        return {}
    out = json.loads(text)
    for value in out.values():
        if "BinaryValue" in value:
            value["BinaryValue"] = base64.b64decode(value["BinaryValue"])
    return out
