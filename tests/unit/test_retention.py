"""MessageRetentionPeriod: expired messages are never delivered and the sweeper removes them. The minimum
retention is 60 s, so the test ages messages in the store instead of sleeping."""

import time

from cloudlet.queues.engine import QueueEngine


def _now() -> int:
    return int(time.time() * 1000)


def test_expired_messages_are_not_received_and_are_swept(queue_store, run):
    db, store = queue_store

    async def main():
        engine = QueueEngine(store)
        for name in ("std", "f.fifo"):
            attrs = {"MessageRetentionPeriod": "60"}
            if name.endswith(".fifo"):
                attrs.update(FifoQueue="true", ContentBasedDeduplication="true")
            queue = await engine.create_queue("111111111111", "us-east-1", name, attrs, {})
            entries = [{"MessageBody": f"m{i}", "MessageGroupId": "g"} if queue.fifo else {"MessageBody": f"m{i}"}
                       for i in range(3)]
            await engine.send(queue, [engine.prepare(queue, e, "x")[0] for e in entries])
            # age the first two messages past the 60 s retention period
            await db.write(lambda c, q=queue: c.execute(
                "UPDATE sqs_messages SET sent_at=sent_at-61000 WHERE queue_id=? AND body IN ('m0','m1')", (q.id,)))
            got = await engine.receive(queue, 10, 30, 0)
            assert [m.body for m in got] == ["m2"], name
            await db.write(lambda c, q=queue: c.execute(
                "UPDATE sqs_messages SET sent_at=sent_at-61000 WHERE queue_id=?", (q.id,)))
            await engine.sweep()
            counts = await store.counts(queue, _now())
            assert counts == {"visible": 0, "inflight": 0, "delayed": 0}, name

    run(main())
