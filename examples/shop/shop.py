#!/usr/bin/env python3
"""The shop: one OrderPlaced event fans out to Inventory, Fulfillment and Notification, each through its own
queue, each isolated from the others' outages.

    python examples/shop/shop.py                     # starts a throw-away Cloudlet, runs the story, stops it
    python examples/shop/shop.py --endpoint http://localhost:4566    # against a Cloudlet you started

Checkout publishes OrderPlaced to the `orders` topic. Inventory, Fulfillment and Notification each consume
their own SQS queue with a `cloudlet.workers.WorkerPool`. Fulfillment subscribes with a filter policy: it only
gets orders that need shipping. Halfway through, Inventory goes down: Checkout keeps answering as fast as
before, and Inventory's orders wait in its queue until it comes back and catches up.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager

import boto3
from botocore.config import Config

from cloudlet.workers import WorkerPool


# -- the services ----------------------------------------------------------------------------------------
class Service:
    """A consumer: a worker pool on its own queue, counting what it handled."""

    def __init__(self, name: str, sqs, queue_url: str) -> None:
        self.name, self.sqs, self.queue_url = name, sqs, queue_url
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.pool: WorkerPool | None = None
        self.thread: threading.Thread | None = None

    def handle(self, message: dict) -> None:
        order = json.loads(message["Body"])
        with self.lock:
            self.seen[order["order_id"]] += 1

    def start(self) -> None:
        self.pool = WorkerPool(self.sqs, self.queue_url, self.handle, workers=4, wait_time=1)
        self.thread = threading.Thread(target=self.pool.run, kwargs={"handle_signals": False}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.stop()
            self.thread.join(30)
            self.pool = None

    def handled(self) -> set[str]:
        with self.lock:
            return set(self.seen)


def queue_arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def waiting(sqs, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                   "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attrs["Attributes"].values())


def checkout(sns, topic_arn: str, order_id: str, shipping: bool) -> float:
    """Place an order: publish OrderPlaced; returns how long Checkout waited for the answer (seconds)."""
    order = {"order_id": order_id, "items": [{"sku": "book-42" if shipping else "ebook-42", "qty": 1}],
             "total": 19.9, "email": "reader@example.com"}
    started = time.perf_counter()
    sns.publish(TopicArn=topic_arn, Message=json.dumps(order), MessageAttributes={
        "event": {"DataType": "String", "StringValue": "OrderPlaced"},
        "needs_shipping": {"DataType": "String", "StringValue": "true" if shipping else "false"}})
    return time.perf_counter() - started


def wait_until(condition, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


# -- the story -------------------------------------------------------------------------------------------
def run(endpoint: str, orders: int) -> int:
    config = Config(retries={"max_attempts": 2, "mode": "standard"})
    kwargs = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="shop",
                  aws_secret_access_key="shop", config=config)
    sns, sqs = boto3.client("sns", **kwargs), boto3.client("sqs", **kwargs)
    suffix = f"{os.getpid()}-{int(time.time())}"

    topic = sns.create_topic(Name=f"orders-{suffix}")["TopicArn"]
    services, urls = {}, {}
    for name in ("inventory", "fulfillment", "notification"):
        urls[name] = sqs.create_queue(QueueName=f"{name}-{suffix}")["QueueUrl"]
        attributes = {"RawMessageDelivery": "true"}
        if name == "fulfillment":  # only orders that need shipping
            attributes["FilterPolicy"] = json.dumps({"needs_shipping": ["true"]})
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(sqs, urls[name]), Attributes=attributes)
        services[name] = Service(name, sqs, urls[name])
        services[name].start()
    print(f"topic {topic.rsplit(':', 1)[1]} -> queues inventory, fulfillment (needs_shipping=true), notification")

    half = orders // 2
    placed: dict[str, bool] = {}

    def place(first: int, last: int) -> list[float]:
        times = []
        for i in range(first, last):
            order_id, shipping = f"order-{i:04d}", i % 3 != 0  # every third order is an e-book
            placed[order_id] = shipping
            times.append(checkout(sns, topic, order_id, shipping))
        return times

    before = place(0, half)
    print(f"checkout: {half} orders placed, median answer {statistics.median(before) * 1000:.1f} ms")

    services["inventory"].stop()
    print("inventory: DOWN")
    during = place(half, orders)
    print(f"checkout: {orders - half} orders placed while inventory is down, median answer "
          f"{statistics.median(during) * 1000:.1f} ms")
    wait_until(lambda: len(services["notification"].handled()) == orders, 30)
    backlog = waiting(sqs, urls["inventory"])
    print(f"inventory: {backlog} orders waiting in its queue")

    services["inventory"].start()
    print("inventory: UP again")
    shipped = {o for o, s in placed.items() if s}
    done = wait_until(lambda: services["inventory"].handled() == set(placed)
                      and services["fulfillment"].handled() == shipped
                      and services["notification"].handled() == set(placed), 60)
    for service in services.values():
        service.stop()

    for name, service in services.items():
        print(f"{name}: handled {len(service.handled())} orders")
    ok = (done and backlog >= 1 and services["inventory"].handled() == set(placed)
          and services["fulfillment"].handled() == shipped and services["notification"].handled() == set(placed)
          and statistics.median(during) < max(0.25, 3 * statistics.median(before)))
    print("OK: every order reached every service that wanted it" if ok else "FAILED")
    return 0 if ok else 1


@contextmanager
def cloudlet_server():
    """A throw-away Cloudlet on a free port, with its state in a temporary directory."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="shop-") as data:
        proc = subprocess.Popen([sys.executable, "-m", "cloudlet", "serve", "--port", str(port), "--blob-port", "0",
                                 "--data-dir", data, "--log-level", "warning"])
        url = f"http://127.0.0.1:{port}"
        try:
            if not wait_until(lambda: _healthy(url), 30):
                raise SystemExit("Cloudlet did not start")
            yield url
        finally:
            proc.terminate()
            proc.wait(20)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_cloudlet/health", timeout=1) as resp:
            return json.load(resp).get("status") == "ready"
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="a running Cloudlet (default: start one for the run)")
    parser.add_argument("--orders", type=int, default=60)
    args = parser.parse_args(argv)
    if args.endpoint:
        return run(args.endpoint, args.orders)
    with cloudlet_server() as url:
        return run(url, args.orders)


if __name__ == "__main__":
    sys.exit(main())
