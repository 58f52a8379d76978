"""A long poll that finds its queue empty (and learns, in the same transaction, when the next message becomes
visible) then waits to be woken. A message that arrives in between (its wake-up finds no waiter yet, and the
empty receive predates it) must still end the poll at once, not when the poll times out."""

import asyncio
import time

from cloudlet.queues.engine import QueueEngine


def test_message_arriving_between_empty_receive_and_wait_is_not_missed(queue_store, run):
    _, store = queue_store

    async def main():
        engine = QueueEngine(store)
        queue = await engine.create_queue("111111111111", "us-east-1", "poll", {}, {})
        original = store.receive
        raced = []

        async def receive_then_send(*args):
            answer = await original(*args)  # nothing to receive, and nothing due...
            if not raced:  # ...then the message is sent and wakes nobody: the poll is not waiting yet
                assert answer == ([], None)
                raced.append(True)
                await engine.send(queue, [engine.prepare(queue, {"MessageBody": "late"}, "x")[0]])
            return answer

        store.receive = receive_then_send
        started = time.monotonic()
        got = await asyncio.wait_for(engine.receive(queue, 10, 30, 5), 10)
        elapsed = time.monotonic() - started
        assert raced and [m.body for m in got] == ["late"]
        assert elapsed < 1.0, f"the poll slept through the arrival for {elapsed:.2f} s"

    run(main())
