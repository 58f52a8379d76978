"""A bounded pool of workers that consumes an SQS-compatible queue (Cloudlet or AWS) through a boto3 client.

    import boto3
    from cloudlet.workers import WorkerPool

    def resize(message):                      # raise to fail; the message is then redelivered
        print("resizing", message["Body"])

    sqs = boto3.client("sqs", endpoint_url="http://localhost:4566")
    url = sqs.get_queue_url(QueueName="images")["QueueUrl"]
    WorkerPool(sqs, url, resize, workers=8).run()   # returns after SIGTERM/SIGINT or pool.stop()

How it works. At most `workers` messages are ever in hand: the receiver thread long-polls only when a slot
is free and asks for no more messages than there are free slots, so memory stays bounded however deep the
queue is. The handler gets the boto3 message dict (Body, MessageId, ReceiptHandle, Attributes,
MessageAttributes). A plain function runs in one of `workers` threads; an `async def` handler runs on one
event loop owned by the pool (in a thread of its own), so coroutines share that loop and whatever clients
they open on it. Messages of one FIFO message group that arrive together are handled in order by one
worker; if one fails, the rest go back unhandled, so the group's order holds (this needs MessageGroupId,
which the default `receive_options` ask for).

The thread that called `run()` is the keeper: it deletes finished messages in batches, and extends the
visibility of every message still in hand once half of its visibility timeout has passed, so a slow
handler is never redelivered. A handler that raises leaves its message for redelivery (after `retry_delay`
seconds if given, else when its visibility timeout runs out), so the queue's RedrivePolicy moves it to the
dead-letter queue after maxReceiveCount receives. Empty receives and errors (connection refused,
throttling, ...) back off exponentially with full jitter, up to `max_backoff` seconds, and never stop the
pool; an empty long poll counts as time already waited. The client is shared by the pool's threads (boto3
clients are thread-safe); its read timeout must exceed `wait_time` (botocore's default, 60 s, does).

Stopping. `stop()` (or SIGTERM/SIGINT, when `run()` is called from the main thread) stops receiving, lets
the handlers in hand finish, deletes the messages they succeeded on, and then `run()` returns its
`Counters`. A long poll in flight at that moment is abandoned, as a cancelled request would be: a message
it delivers later is released at once, or, if the process has exited, becomes visible again when its
visibility timeout runs out. Nothing is lost; delivery is at least once, as SQS promises.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger("cloudlet.workers")

Message = dict[str, Any]
Handler = Callable[[Message], Any]
RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass
class Counters:
    """What the pool has done so far; read them for tests and logs."""

    received: int = 0
    processed: int = 0  # handled and deleted
    failed: int = 0  # handler raised; left for redelivery
    extended: int = 0  # visibility extensions of a message still in hand
    receive_errors: int = 0


class Backoff:
    """Exponential back-off with full jitter: a random delay in [0, min(cap, base * 2**attempt)]."""

    def __init__(self, base: float = 0.1, cap: float = 10.0) -> None:
        self.base, self.cap, self.attempt = base, cap, 0

    def next(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.attempt, 32))
        self.attempt += 1
        return random.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class Held:
    """A message in hand: when its visibility runs out, and how its handler ended."""

    message: Message
    deadline: float
    outcome: str = RUNNING

    @property
    def receipt(self) -> str:
        return self.message["ReceiptHandle"]


class WorkerPool:
    """Consume `queue_url` with `handler` on at most `workers` messages at once; `run()` once per pool.

    visibility_timeout: seconds each received message stays hidden, renewed while its handler runs.
    wait_time: the long poll, 0-20 s. retry_delay: seconds before a failed message is visible again
    (None: when its visibility timeout runs out). max_backoff: the longest pause after empty receives or
    errors. receive_options: extra ReceiveMessage parameters (default: all system and message attributes).
    """

    def __init__(self, client: Any, queue_url: str, handler: Handler, *, workers: int = 8,
                 visibility_timeout: int = 30, wait_time: int = 20, retry_delay: int | None = None,
                 max_backoff: float = 10.0, receive_options: dict[str, Any] | None = None) -> None:
        if workers < 1 or visibility_timeout < 1 or not 0 <= wait_time <= 20:
            raise ValueError("need workers >= 1, visibility_timeout >= 1 and 0 <= wait_time <= 20")
        self.client, self.queue_url, self.handler = client, queue_url, handler
        self.workers, self.visibility_timeout, self.wait_time = workers, visibility_timeout, wait_time
        self.retry_delay, self.max_backoff = retry_delay, max_backoff
        self.receive_options = receive_options or {"MessageSystemAttributeNames": ["All"],
                                                   "MessageAttributeNames": ["All"]}
        self.counters = Counters()
        self._changed = threading.Condition()  # guards _in_hand, _stopping, counters
        self._in_hand: dict[str, Held] = {}
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- the public surface ---------------------------------------------------------------------------
    def run(self, *, handle_signals: bool = True) -> Counters:
        """Consume until stop() or SIGTERM/SIGINT; returns once every message in hand is settled."""
        previous = self._install_signals() if handle_signals else {}
        executor = ThreadPoolExecutor(self.workers, thread_name_prefix="worker")
        loop_thread = self._start_loop() if inspect.iscoroutinefunction(self.handler) else None
        receiver = threading.Thread(target=self._receive_loop, args=(executor,), name="receiver", daemon=True)
        receiver.start()
        try:
            self._keep()
        finally:
            self.stop()  # already so, unless _keep() raised (KeyboardInterrupt without signal handling)
            executor.shutdown(wait=True)
            if loop_thread and self._loop:
                self._loop.call_soon_threadsafe(self._loop.stop)
                loop_thread.join()
                self._loop.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return self.counters

    def stop(self) -> None:
        """Stop receiving; run() returns once the messages in hand are handled and settled."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()

    # -- receiving: only as many messages as there are free workers -----------------------------------
    def _receive_loop(self, executor: ThreadPoolExecutor) -> None:
        backoff = Backoff(cap=self.max_backoff)
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._stopping or len(self._in_hand) < self.workers)
                if self._stopping:
                    return
                free = self.workers - len(self._in_hand)
            asked_at = time.monotonic()
            try:
                reply = self.client.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=min(10, free), WaitTimeSeconds=self.wait_time,
                    VisibilityTimeout=self.visibility_timeout, **self.receive_options)
            except Exception as exc:  # unreachable, throttled, queue gone: wait and try again
                with self._changed:
                    self.counters.receive_errors += 1
                log.warning("receive from %s failed: %s", self.queue_url, exc)
                self._pause(backoff.next())
                continue
            messages = reply.get("Messages", [])
            if not messages:  # an empty long poll has already waited that long
                self._pause(backoff.next() - (time.monotonic() - asked_at))
                continue
            backoff.reset()
            held = [Held(m, time.monotonic() + self.visibility_timeout) for m in messages]
            with self._changed:
                stopping = self._stopping
                if not stopping:
                    self.counters.received += len(held)
                    self._in_hand.update((h.receipt, h) for h in held)
            if stopping:  # a poll that outlived stop(): give its messages straight back
                self._change_visibility([h.receipt for h in held], 0)
                return
            for run in _runs_by_group(held):
                executor.submit(self._work, run)

    def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._changed:
            self._changed.wait_for(lambda: self._stopping, timeout=seconds)

    # -- handling -------------------------------------------------------------------------------------
    def _work(self, run: list[Held]) -> None:
        """Handle messages in order; after a failure the rest of a FIFO group's run goes back unhandled."""
        broken = False
        for held in run:
            if not broken:
                try:
                    if self._loop is not None:
                        asyncio.run_coroutine_threadsafe(self.handler(held.message), self._loop).result()
                    else:
                        self.handler(held.message)
                except BaseException:  # even SystemExit: the message must be settled, or run() never returns
                    log.exception("handler failed on message %s", held.message.get("MessageId"))
                    broken = True
                    with self._changed:
                        self.counters.failed += 1
            with self._changed:
                held.outcome = FAILED if broken else DONE
                self._changed.notify_all()

    def _start_loop(self) -> threading.Thread:
        self._loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self._loop.run_forever, name="handler-loop", daemon=True)
        thread.start()
        return thread

    # -- keeping: deletes, releases and heartbeats, from the thread that called run() -----------------
    def _keep(self) -> None:
        backoff = Backoff(cap=self.max_backoff)
        failures_while_stopping = 0
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._has_work() or (self._stopping and not self._in_hand),
                                       timeout=self._until_heartbeat())
                if self._stopping and not self._in_hand:
                    return
                done = [h for h in self._in_hand.values() if h.outcome == DONE]
                failed = [h for h in self._in_hand.values() if h.outcome == FAILED]
                due = [h for h in self._in_hand.values()
                       if h.outcome != FAILED and h.deadline - time.monotonic() <= self.visibility_timeout / 2]
                handlers_running = any(h.outcome == RUNNING for h in self._in_hand.values())
            try:
                self._settle(done, failed)
                with self._changed:  # what was just deleted needs no heartbeat
                    due = [h for h in due if h.receipt in self._in_hand]
                self._heartbeat(due)
                backoff.reset()
            except Exception as exc:
                log.warning("keeping messages in hand failed: %s", exc)
                if self._stopping and not handlers_running:
                    failures_while_stopping += 1
                if failures_while_stopping >= 3:
                    log.error("giving up on %d messages in hand; they will be redelivered", len(self._in_hand))
                    with self._changed:
                        self._in_hand.clear()
                    return
                with self._changed:  # not _pause(): that returns at once while stopping
                    self._changed.wait(backoff.next())

    def _has_work(self) -> bool:
        return any(h.outcome != RUNNING for h in self._in_hand.values())

    def _until_heartbeat(self) -> float:
        half = self.visibility_timeout / 2
        soonest = min((h.deadline - half for h in self._in_hand.values()), default=time.monotonic() + half)
        return max(0.0, soonest - time.monotonic())

    def _settle(self, done: list[Held], failed: list[Held]) -> None:
        """Delete what succeeded; hand failures back to the queue (after retry_delay), then free their slots."""
        if failed:
            if self.retry_delay is not None:
                try:
                    self._change_visibility([h.receipt for h in failed], self.retry_delay)
                except Exception as exc:  # it comes back anyway once its visibility runs out
                    log.warning("could not set retry delay: %s", exc)
            self._release(failed)
        for batch in _batches(done):
            reply = self.client.delete_message_batch(
                QueueUrl=self.queue_url, Entries=[{"Id": str(i), "ReceiptHandle": h.receipt} for i, h in batch])
            for failure in reply.get("Failed", []):
                log.warning("could not delete message: %s", failure)
            with self._changed:
                self.counters.processed += len(reply.get("Successful", []))
            self._release([h for _, h in batch])

    def _heartbeat(self, due: list[Held]) -> None:
        for batch in _batches(due):
            deadline = time.monotonic() + self.visibility_timeout
            reply = self.client.change_message_visibility_batch(
                QueueUrl=self.queue_url, Entries=[{"Id": str(i), "ReceiptHandle": h.receipt,
                                                   "VisibilityTimeout": self.visibility_timeout} for i, h in batch])
            extended = {entry["Id"] for entry in reply.get("Successful", [])}
            for failure in reply.get("Failed", []):
                log.warning("could not extend visibility: %s", failure)
            with self._changed:
                for i, h in batch:
                    h.deadline = deadline  # a failed extension is not retried before the next heartbeat
                self.counters.extended += len(extended)

    def _change_visibility(self, receipts: list[str], seconds: int) -> None:
        for batch in _batches(receipts):
            self.client.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r, "VisibilityTimeout": seconds} for i, r in batch])

    def _release(self, held: list[Held]) -> None:
        with self._changed:
            for h in held:
                self._in_hand.pop(h.receipt, None)
            self._changed.notify_all()

    # -- signals --------------------------------------------------------------------------------------
    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def on_signal(signum: int, frame: Any) -> None:
            # the interrupted main thread may hold the lock that stop() takes, so stop from another thread
            threading.Thread(target=self.stop, name="stopper").start()

        return {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}


def _runs_by_group(held: list[Held]) -> list[list[Held]]:
    """One run per FIFO message group (in received order), one run per message of a standard queue."""
    runs: dict[Any, list[Held]] = {}
    for i, h in enumerate(held):
        runs.setdefault(h.message.get("Attributes", {}).get("MessageGroupId", ("no group", i)), []).append(h)
    return list(runs.values())


def _batches(items: list[Any]) -> list[list[tuple[int, Any]]]:
    """Split into SQS batches of at most 10, each entry numbered for its batch Id."""
    return [list(enumerate(items[i:i + 10])) for i in range(0, len(items), 10)]
