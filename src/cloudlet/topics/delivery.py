"""Delivery to http/https/email endpoints from the durable outbox.

Each subscription with pending deliveries has a lane: a heap of (due time, outbox id) and one task that
starts at most PER_LANE attempts at a time, out of MAX_INFLIGHT for the whole server. A slow or dead
endpoint therefore holds at most PER_LANE slots and delays nothing else; its messages wait in the outbox
(on disk) for their retry time. A delivery that used up its DeliveryPolicy goes to the subscription's
RedrivePolicy dead-letter queue. Outbox rows are deleted only once delivered or dead-lettered, and every
pending row is put back in its lane at start-up.
"""

from __future__ import annotations

import asyncio
import email.message
import email.utils
import heapq
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..runtime import cancel_and_wait
from .delivery_policy import RetryPolicy, effective
from .http_client import HttpClient
from .records import Delivery
from .stats import LogEntry

if TYPE_CHECKING:
    from .engine import TopicEngine

log = logging.getLogger("cloudlet.sns")

MAX_INFLIGHT = 64
PER_LANE = 4
HTTP_TIMEOUT = 15.0
RESUME_PAGE = 1000


def now_ms() -> int:
    return int(time.time() * 1000)


class _Lane:
    __slots__ = ("heap", "wake", "task", "running")

    def __init__(self) -> None:
        self.heap: list[tuple[int, int]] = []
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.running = 0


class Deliverer:
    def __init__(self, engine: "TopicEngine", email_dir: Path) -> None:
        self.engine = engine
        self.store = engine.store
        self.email_dir = email_dir
        self.http = HttpClient()
        self.lanes: dict[str, _Lane] = {}
        self._slots = asyncio.Semaphore(MAX_INFLIGHT)
        self._attempts: set[asyncio.Task] = set()
        self.dead_lettered = 0
        self.dropped = 0

    async def start(self) -> None:
        after = 0
        while True:
            rows = await self.store.pending(after, RESUME_PAGE)
            for delivery_id, subscription_arn, due_at in rows:
                self._push(subscription_arn, due_at, delivery_id)
            if len(rows) < RESUME_PAGE:
                break
            after = rows[-1][0]

    async def stop(self) -> None:
        await cancel_and_wait(*(lane.task for lane in self.lanes.values()), *self._attempts)
        self.lanes.clear()
        self.http.close()

    def enqueue(self, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            self._push(d.subscription_arn, d.due_at, d.id)

    def _push(self, subscription_arn: str, due_at: int, delivery_id: int) -> None:
        lane = self.lanes.get(subscription_arn)
        if lane is None:
            lane = self.lanes[subscription_arn] = _Lane()
        heapq.heappush(lane.heap, (due_at, delivery_id))
        lane.wake.set()
        if lane.task is None or lane.task.done():
            lane.task = asyncio.create_task(self._run_lane(subscription_arn, lane))

    async def _run_lane(self, subscription_arn: str, lane: _Lane) -> None:
        lane_slots = asyncio.Semaphore(PER_LANE)
        while lane.heap or lane.running:
            wait = (lane.heap[0][0] - now_ms()) / 1000 if lane.heap else None
            if wait is None or wait > 0:
                lane.wake.clear()
                try:
                    await asyncio.wait_for(lane.wake.wait(), wait)
                except asyncio.TimeoutError:
                    pass
                continue
            await lane_slots.acquire()
            await self._slots.acquire()
            if not lane.heap:  # another attempt's outcome emptied nothing, but be safe
                lane_slots.release()
                self._slots.release()
                continue
            _, delivery_id = heapq.heappop(lane.heap)
            lane.running += 1
            task = asyncio.create_task(self._attempt(subscription_arn, delivery_id))
            self._attempts.add(task)
            task.add_done_callback(lambda t, s=lane_slots: self._finished(t, lane, s))
        if self.lanes.get(subscription_arn) is lane:
            del self.lanes[subscription_arn]

    def _finished(self, task: asyncio.Task, lane: _Lane, lane_slots: asyncio.Semaphore) -> None:
        self._attempts.discard(task)
        lane.running -= 1
        lane_slots.release()
        self._slots.release()
        lane.wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery attempt failed unexpectedly", exc_info=task.exception())

    async def _attempt(self, subscription_arn: str, delivery_id: int) -> None:
        d = await self.store.delivery(delivery_id)
        if d is None or d.subscription_arn != subscription_arn:  # gone, or its id reused by another lane's row
            return
        sub = await self.engine.find_subscription(subscription_arn)
        if d.kind == "Notification" and sub is None:  # unsubscribed meanwhile: AWS stops delivering
            await self.store.delivered(d)
            return
        error = await self._send(d)
        if error is None:
            await self.store.delivered(d)
            if d.kind == "Notification":
                self.engine.stats.delivered(d.subscription_arn, _topic_of(d), now_ms())
            return
        policy = RetryPolicy()
        if sub is not None:
            topic = await self.engine.topics.get(sub.topic_arn)
            policy = effective(topic.attributes.get("DeliveryPolicy") if topic else None,
                               sub.attributes.get("DeliveryPolicy"))
        delay = policy.delay_before(d.attempts + 1)
        if delay is None:
            await self._give_up(d, sub, error)
            return
        now = now_ms()
        due = now + int(delay * 1000)
        entry = self._entry(d, now, "retry", error)
        entry.next_attempt_at = due
        await self.store.reschedule(d, d.attempts + 1, due, entry)
        self.engine.stats.failed(entry)
        self._push(subscription_arn, due, d.id)

    @staticmethod
    def _entry(d: Delivery, now: int, outcome: str, error: str) -> LogEntry:
        return LogEntry(now, _topic_of(d), d.subscription_arn, d.protocol, d.endpoint, d.message_id, d.attempts + 1,
                        outcome, f"{d.kind}: {error}" if d.kind != "Notification" else error, delivery_id=d.id)

    async def _send(self, d: Delivery) -> str | None:
        """Deliver once; returns None on success, else why it failed."""
        if d.protocol in ("email", "email-json"):
            try:
                await asyncio.to_thread(self._write_email, d)
                return None
            except OSError as exc:
                return str(exc)
        try:
            status = await self.http.request("POST", d.endpoint, d.headers, d.payload.encode("utf-8"), HTTP_TIMEOUT)
        except asyncio.TimeoutError:
            return "timeout"
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None if 200 <= status < 300 else f"HTTP {status}"

    def _write_email(self, d: Delivery) -> None:
        folder = self.email_dir / re.sub(r"[^A-Za-z0-9@._+-]", "_", d.endpoint)
        folder.mkdir(parents=True, exist_ok=True)
        msg = email.message.EmailMessage()
        msg["From"] = "AWS Notifications <no-reply@sns.amazonaws.com>"
        msg["To"] = d.endpoint
        msg["Subject"] = d.headers.get("Subject", "AWS Notification Message")
        msg["Date"] = email.utils.formatdate(usegmt=True)
        msg["Message-ID"] = f"<{d.message_id}@sns.cloudlet.local>"
        msg["X-Amz-Sns-Message-Type"] = d.kind
        readable = max(map(len, d.payload.splitlines() or [""])) < 990  # plain 8bit keeps links clickable
        msg.set_content(d.payload, cte="8bit" if readable else "quoted-printable")
        path = folder / f"{now_ms()}-{d.message_id}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(msg))
        tmp.replace(path)

    async def _give_up(self, d: Delivery, sub, error: str) -> None:
        target = await self.engine.dead_letter_queue(sub) if sub is not None else None
        now = now_ms()
        if target is None:
            log.warning("dropping %s %s for %s after %d attempts (%s): no RedrivePolicy", d.kind, d.message_id,
                        d.subscription_arn, d.attempts + 1, error)
            entry = self._entry(d, now, "dropped", error)
            await self.store.give_up(d, entry)
            self.dropped += 1
        else:
            entry = self._entry(d, now, "dead-lettered", error)
            entry.target = target.arn
            message = self.engine.fanout.dead_letter_message(target, d.payload, d.message_id)
            await self.store.give_up(d, entry, target, message, now, self.engine.dedup_window_ms)
            self.engine.queues.notify(target.id, 1)
            self.dead_lettered += 1
            log.info("dead-lettered %s for %s to %s (%s)", d.message_id, d.subscription_arn, target.arn, error)
        self.engine.stats.failed(entry)

    def waiting(self) -> int:
        """Deliveries this server holds for a later or a running attempt."""
        return sum(len(lane.heap) + lane.running for lane in self.lanes.values())


def _topic_of(d: Delivery) -> str:
    return d.subscription_arn.rsplit(":", 1)[0]
