"""The topic engine's delivery statistics, delivery log and cross-account topic list, driven in-process: an
engine on a real SQLite database in a temporary directory, a real HTTP endpoint, and a restart."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from cloudlet.queues.engine import QueueEngine
from cloudlet.store.database import Database
from cloudlet.store.sqlite_queues import SqliteQueueStore
from cloudlet.topics.engine import TopicEngine
from cloudlet.topics.messages import published
from cloudlet.topics.signing import Signer
from cloudlet.topics.sqlite_store import SqliteTopicStore

from tests.unit.conftest import _run_in_fresh_loop as run  # asyncio.run in a thread of its own

from .helpers import Endpoint

ACCOUNT, REGION, BASE = "000000000000", "us-east-1", "http://127.0.0.1:4566"


class Engines:
    """A queue and a topic engine over one database, as the server wires them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def __aenter__(self) -> "Engines":
        self.db = Database(self.directory / "cloudlet.db")
        self.queues = QueueEngine(SqliteQueueStore(self.db))
        (self.directory / "sns").mkdir(exist_ok=True)
        self.topics = TopicEngine(SqliteTopicStore(self.db), self.queues, Signer(self.directory / "sns"),
                                  self.directory / "email")
        self.db.start()
        await self.queues.start()
        await self.topics.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.topics.stop()
        await self.queues.stop()
        self.db.close()

    async def queue(self, name: str, **attributes: str):
        return await self.queues.create_queue(ACCOUNT, REGION, name, attributes, {})

    async def publish(self, topic, message: str, **attributes: str) -> None:
        entry = {"Message": message, "MessageAttributes": {
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}}
        await self.topics.publish(topic, [published(topic, entry)], BASE)

    async def stats(self, sub):
        return (await self.topics.subscription_stats([sub.arn]))[sub.arn]


async def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.time() + timeout
    while not await predicate():
        if time.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.05)


def test_queue_deliveries_filters_dead_letters_and_drops_are_counted_and_survive_a_restart(tmp_path):
    async def first():
        async with Engines(tmp_path) as e:
            topic = await e.topics.create_topic(ACCOUNT, REGION, "orders", {}, {})
            kept = await e.queue("kept")
            filtered = await e.topics.subscribe(topic, "sqs", kept.arn, {"FilterPolicy": json.dumps({"kind": ["a"]})},
                                                ACCOUNT, BASE)
            gone = await e.queue("gone")
            dlq = await e.queue("gone-dlq")
            redriven = await e.topics.subscribe(topic, "sqs", gone.arn, {"RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq.arn})}, ACCOUNT, BASE)
            lost = await e.queue("lost")
            dropped = await e.topics.subscribe(topic, "sqs", lost.arn, {}, ACCOUNT, BASE)
            await e.queues.delete_queue(gone)
            await e.queues.delete_queue(lost)
            for kind in ("a", "b", "a"):
                await e.publish(topic, f"message {kind}", kind=kind)
            # Counted in memory first: the engine answers with them before they are stored.
            s = await e.stats(filtered)
            assert (s.delivered, s.filtered, s.failed_attempts, s.dropped) == (2, 1, 0, 0)
            assert s.last_delivery_at and s.last_error is None
            s = await e.stats(redriven)
            assert (s.delivered, s.dead_lettered, s.dropped) == (0, 3, 0)
            assert "QueueDoesNotExist" in s.last_error
            s = await e.stats(dropped)
            assert (s.delivered, s.dead_lettered, s.dropped) == (0, 0, 3)
            log, token = await e.topics.delivery_log(topic.arn, None, limit=4)
            assert len(log) == 4 and token is not None
            rest, end = await e.topics.delivery_log(topic.arn, token, limit=4)
            assert len(rest) == 2 and end is None
            entries = log + rest
            assert [x.id for x in entries] == sorted((x.id for x in entries), reverse=True)  # newest first
            assert {x.outcome for x in entries if x.subscription_arn == redriven.arn} == {"dead-lettered"}
            assert {x.target for x in entries if x.subscription_arn == redriven.arn} == {dlq.arn}
            assert {x.outcome for x in entries if x.subscription_arn == dropped.arn} == {"dropped"}
            assert all(x.attempt == 0 and not x.still_retrying for x in entries)
            return topic.arn, filtered.arn, redriven.arn, dropped.arn

    topic_arn, filtered, redriven, dropped = run(first())

    async def second():  # a new engine on the same data directory: the stopped one stored its counts
        async with Engines(tmp_path) as e:
            stats = await e.topics.subscription_stats([filtered, redriven, dropped])
            assert (stats[filtered].delivered, stats[filtered].filtered) == (2, 1)
            assert stats[redriven].dead_lettered == 3 and stats[dropped].dropped == 3
            assert len((await e.topics.delivery_log(topic_arn, None))[0]) == 6
            assert len((await e.topics.delivery_log(None, None))[0]) == 6
    run(second())


def test_an_endpoint_that_fails_then_recovers(tmp_path):
    endpoint = Endpoint(confirm=False)  # confirmed through the engine: no server answers its SubscribeURL

    async def scenario():
        async with Engines(tmp_path) as e:
            topic = await e.topics.create_topic(ACCOUNT, REGION, "hooks", {}, {})
            policy = {"healthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 1, "maxDelayTarget": 1}}
            sub = await e.topics.subscribe(topic, "http", endpoint.url + "/hook", {"DeliveryPolicy": json.dumps(policy)},
                                           ACCOUNT, BASE)
            [confirmation] = await asyncio.to_thread(endpoint.of_type, "SubscriptionConfirmation")
            await e.topics.confirm(topic.arn, json.loads(confirmation["body"])["Token"], False)
            endpoint.status = 500
            await e.publish(topic, "hello")

            async def failed_once():
                s = await e.stats(sub)
                return s.failed_attempts >= 1
            await wait_until(failed_once)
            s = await e.stats(sub)
            assert (s.delivered, s.retrying, s.waiting) == (0, 1, 1)
            assert s.last_error == "HTTP 500" and s.last_delivery_at is None
            [entry] = (await e.topics.delivery_log(topic.arn, None))[0][:1]
            assert (entry.outcome, entry.attempt, entry.reason, entry.still_retrying) == ("retry", 1, "HTTP 500", True)
            assert entry.at < entry.next_attempt_at <= entry.at + 1100
            endpoint.status = 200

            async def delivered():
                return (await e.stats(sub)).delivered == 1
            await wait_until(delivered)
            s = await e.stats(sub)
            assert s.retrying == 0 and s.waiting == 0 and s.last_delivery_at >= s.last_error_at
            log = (await e.topics.delivery_log(topic.arn, None))[0]
            assert log and all(x.outcome == "retry" and not x.still_retrying for x in log)
            assert s.failed_attempts == len(log)
    try:
        run(scenario())
    finally:
        endpoint.close()


def test_every_account_topics_page_by_page(tmp_path):
    async def scenario():
        async with Engines(tmp_path) as e:
            made = set()
            for account in ("333333333333", "111111111111", "222222222222"):
                for i in range(3):
                    topic = await e.topics.create_topic(account, REGION, f"t{i}", {}, {})
                    made.add(topic.arn)
            sub_topic = await e.topics.get_topic(f"arn:aws:sns:{REGION}:222222222222:t1")
            queue = await e.queue("listener")
            await e.topics.subscribe(sub_topic, "sqs", queue.arn, {}, "222222222222", BASE)
            seen, token, pages = [], None, 0
            while True:
                rows, token = await e.topics.all_topics(token, limit=4)
                pages += 1
                assert len(rows) <= 4
                seen += rows
                if token is None:
                    break
            assert pages == 3
            arns = [t.arn for t, _, _ in seen]
            assert arns == sorted(made)
            counts = {t.arn: (confirmed, pending) for t, confirmed, pending in seen}
            assert counts[sub_topic.arn] == (1, 0) and counts[f"arn:aws:sns:{REGION}:111111111111:t0"] == (0, 0)
    run(scenario())


def test_counting_costs_the_publish_path_no_write(tmp_path, monkeypatch):
    """Statistics go to the store in one write per flush, not one per publish."""
    import cloudlet.topics.engine

    monkeypatch.setattr(cloudlet.topics.engine, "STATS_FLUSH_SECONDS", 3600)
    publishes = 200

    async def scenario():
        async with Engines(tmp_path) as e:
            topic = await e.topics.create_topic(ACCOUNT, REGION, "busy", {}, {})
            queue = await e.queue("busy-q")
            sub = await e.topics.subscribe(topic, "sqs", queue.arn, {}, ACCOUNT, BASE)
            await e.topics.flush_stats()
            writes = e.db.writes
            await asyncio.gather(*(e.publish(topic, f"m{i}") for i in range(publishes)))
            assert e.db.writes - writes == publishes  # the publishes' own writes, nothing else
            await e.topics.flush_stats()
            assert e.db.writes - writes == publishes + 1
            assert (await e.stats(sub)).delivered == publishes
    run(scenario())
