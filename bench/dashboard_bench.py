"""The dashboard at scale: how long its pages take once the store holds 10,000 queues, 1,000,000 messages
and 100,000 blobs.

    python bench/dashboard_bench.py                                   # the full sizes (~8 minutes on 2 cores)
    python bench/dashboard_bench.py --queues 500 --messages 20000 --blobs 2000   # a quick look

One Cloudlet server (default durable settings, a fresh data directory) is filled through its wire APIs: N queues
created with CreateQueue, one of them filled with M messages by SendMessageBatch, and a container of B 4 KiB
blobs spread over 40 virtual directories by Put Blob (raw HTTP, account SAS). Then every page a user opens
first is fetched --repeat times over one keep-alive connection, as the browser does: the overview, the queue
list (first page and one deep page, found by following `next` links), the big queue's page with its message
peek, the container list, the big container's root (delimiter listing) and one directory, topics and jobs.
The table gives each page's median and slowest time and its size.

No peer is measured side by side: LocalStack's web app is a hosted product and moto, ElasticMQ and Azurite
ship no dashboard that reads the same data, so there is nothing local to compare with."""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import http.client
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from blob_bench import ACCOUNT, Peer, RawClient, account_sas, free_port  # noqa: E402
from sqsload import Connection, Queue, create_queue, dumps, fill, request_bytes  # noqa: E402

DIRECTORIES = 40
PREFIX = "/_cloudlet/dashboard"


def start_server(workdir: Path) -> tuple[Peer, int, int]:
    port, blob_port = free_port(), free_port()
    peer = Peer("cloudlet", [sys.executable, "-m", "cloudlet", "serve", "--port", str(port), "--blob-port",
                             str(blob_port), "--data-dir", str(workdir / "data"), "--log-level", "warning"],
                port, workdir)
    return peer.start(), port, blob_port


async def make_queues(port: int, count: int, connections: int = 16) -> None:
    names = iter(range(count))

    async def work() -> None:
        conn = Connection("127.0.0.1", port)
        try:
            for i in names:
                await conn.call(request_bytes(f"127.0.0.1:{port}", "CreateQueue",
                                              dumps({"QueueName": f"bench-{i:06d}"})))
        finally:
            conn.close()

    await asyncio.gather(*(work() for _ in range(connections)))


async def fill_big_queue(port: int, messages: int) -> tuple[Queue, float]:
    queue = await create_queue("127.0.0.1", port, "big-queue", "x" * 200)
    started = time.perf_counter()
    result = await fill(queue, messages, connections=16, seconds=3600, server_pid=None)
    if result.messages < messages:
        raise SystemExit(f"filled only {result.messages} of {messages} messages: {result.errors}")
    return queue, time.perf_counter() - started


def fill_container(blob_port: int, blobs: int, threads: int = 8) -> float:
    raw = RawClient(blob_port, account_sas())
    status, body = raw.request("PUT", "big", query="restype=container")
    if status != 201:
        raise SystemExit(f"create container: HTTP {status} {body[:200]!r}")
    data = b"b" * 4096
    headers = {"x-ms-blob-type": "BlockBlob", "Content-Type": "application/octet-stream"}

    def put(i: int) -> None:
        status, body = raw.request("PUT", f"big/dir-{i % DIRECTORIES:02d}/blob-{i:07d}.bin", data, headers)
        if status != 201:
            raise RuntimeError(f"Put Blob: HTTP {status} {body[:200]!r}")

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, range(blobs), chunksize=64))
    return time.perf_counter() - started


class Browser:
    """One keep-alive connection, GET only, like a browser tab loading pages."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, url: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        self.conn.request("GET", url, headers={"Host": f"localhost:{self.conn.port}"})
        resp = self.conn.getresponse()
        body = resp.read()
        took = (time.perf_counter() - started) * 1000
        if resp.status != 200:
            raise SystemExit(f"GET {url}: HTTP {resp.status} {body[:300]!r}")
        return took, body


def next_link(body: bytes) -> str | None:
    found = re.search(rb'<a class="page-next" href="([^"]+)"', body)
    return found.group(1).decode().replace("&amp;", "&") if found else None


def deep_page(browser: Browser, url: str, hops: int) -> tuple[str, int]:
    """Follow `next` links up to `hops` times from url; the last page reached and how many hops it took."""
    for hop in range(hops):
        following = next_link(browser.get(url)[1])
        if following is None:
            return url, hop
        url = following
    return url, hops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queues", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--blobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cloudlet-dash-bench-") as tmp:
        peer, port, blob_port = start_server(Path(tmp))
        try:
            t0 = time.perf_counter()
            asyncio.run(make_queues(port, args.queues - 1))
            print(f"{args.queues - 1:,} queues created in {time.perf_counter() - t0:.1f} s", flush=True)
            queue, took = asyncio.run(fill_big_queue(port, args.messages))
            print(f"{args.messages:,} messages sent in {took:.1f} s", flush=True)
            took = fill_container(blob_port, args.blobs)
            print(f"{args.blobs:,} blobs uploaded in {took:.1f} s", flush=True)

            browser = Browser(port)
            account = queue.url.rstrip("/").split("/")[-2]
            deep_queues, hops = deep_page(browser, f"{PREFIX}/queues", 100)
            pages = [
                ("overview", f"{PREFIX}/"),
                ("queue list, first page", f"{PREFIX}/queues"),
                (f"queue list, page {hops + 1}", deep_queues),
                (f"queue with {args.messages:,} messages + peek", f"{PREFIX}/queues/{account}/us-east-1/big-queue"),
                ("containers", f"{PREFIX}/blobs"),
                (f"container root, {args.blobs:,} blobs in {DIRECTORIES} dirs", f"{PREFIX}/blobs/{ACCOUNT}/big"),
                ("one directory, first page", f"{PREFIX}/blobs/{ACCOUNT}/big?prefix=dir-17%2F"),
                ("topics", f"{PREFIX}/topics"),
                ("jobs", f"{PREFIX}/jobs"),
            ]
            rows = []
            for name, url in pages:
                browser.get(url)  # warm: the first load of a page fills caches a user's second look reuses
                times, size = [], 0
                for _ in range(args.repeat):
                    took, body = browser.get(url)
                    times.append(took)
                    size = len(body)
                rows.append((name, statistics.median(times), max(times), size))
        finally:
            peer.stop()

    print(f"\nDashboard page times, {args.queues:,} queues, {args.messages:,} messages in one queue, "
          f"{args.blobs:,} blobs in one container; median and slowest of {args.repeat} loads\n")
    print("| page | median ms | slowest ms | KiB |")
    print("|---|---:|---:|---:|")
    for name, median, slowest, size in rows:
        print(f"| {name} | {median:.1f} | {slowest:.1f} | {size / 1024:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
