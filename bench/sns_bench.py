#!/usr/bin/env python3
"""SNS fanout benchmark: Cloudlet and moto's server side by side, in one run, with one load generator.

    python bench/sns_bench.py              # full run (~2 minutes), prints one table
    python bench/sns_bench.py --quick      # a short smoke run
    python bench/sns_bench.py --queues 3 --sweep 100,300,500,700   # Cloudlet's latency at each publish rate

For each server (one at a time, each in its own child process on a free port; Cloudlet with its default
durable settings in a fresh data directory) and for a topic with 1, 3 and 10 subscribed SQS queues
(enveloped delivery, the default):

  publish/s   Publish on --connections keep-alive connections for --seconds, queues not drained: how fast a
              publish (which fans out to every queue) is answered.
  CPU ms      the server process's CPU time (utime+stime from /proc/<pid>/stat) per publish in the
              throughput phase: far less sensitive than publish/s to other work sharing the machine.
  p50 / p99   publish-to-receive latency, under light load (--light-rate publishes/s) and loaded (--rate
              publishes/s, at most half the measured publish rate), with two long-polling receivers per
              queue (ReceiveMessage 10 + DeleteMessageBatch): from just before the Publish request is
              written to when the ReceiveMessage answer carrying it is read, for every delivery.

The load generator is raw HTTP/1.1 over asyncio streams with pre-encoded requests (query protocol for SNS,
JSON 1.0 for SQS): no SDK and no signing, so the client does not starve the server on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

HOST = "127.0.0.1"
AUTH = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, " \
       "Signature=0"


# -- a minimal keep-alive HTTP client ------------------------------------------------------------------
class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, raw: bytes) -> bytes:
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
                self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                return await self._exchange(raw)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, raw: bytes) -> bytes:
        self.writer.write(raw)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif "chunked" in headers.get("transfer-encoding", ""):
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close" or head[0].startswith("HTTP/1.0"):
            self.close()
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
        return body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def sns_request(port: int, params: dict[str, str]) -> bytes:
    body = urlencode({**params, "Version": "2010-03-31"}, quote_via=quote).encode()
    return (f"POST / HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Authorization: {AUTH.format(service='sns')}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def sqs_request(port: int, operation: str, payload: dict) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return (f"POST / HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Amz-Target: AmazonSQS.{operation}\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nAuthorization: {AUTH.format(service='sqs')}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def xml_value(body: bytes, tag: str) -> str:
    text = body.decode()
    return text.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]


# -- servers -------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, label: str, command: list[str], workdir: Path) -> None:
        self.label, self.command, self.workdir = label, command, workdir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Server":
        log = open(self.workdir / f"{self.label}.log", "ab")
        cmd = [c.replace("{port}", str(self.port)) for c in self.command]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited: {(self.workdir / f'{self.label}.log').read_text()[-2000:]}")
            try:
                req = urllib.request.Request(f"http://{HOST}:{self.port}/", data=sns_request(self.port, {
                    "Action": "ListTopics"}).split(b"\r\n\r\n", 1)[1], headers={
                    "Content-Type": "application/x-www-form-urlencoded", "Authorization": AUTH.format(service="sns")})
                with urllib.request.urlopen(req, timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.label} did not start")

    def cpu_seconds(self) -> float:
        """utime + stime of the server process so far (Linux); 0 where /proc is not available."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -- the workload --------------------------------------------------------------------------------------
@dataclass
class Latency:
    paced_rate: float = 0.0
    samples: list[float] = field(default_factory=list)
    lost: int = 0

    def pct(self, q: float) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def __str__(self) -> str:
        lost = f", {self.lost} lost" if self.lost else ""
        return f"{fmt(self.pct(0.5))} / {fmt(self.pct(0.99))} at {self.paced_rate:.0f}/s{lost}"


@dataclass
class Result:
    server: str
    queues: int
    publish_rate: float = 0.0
    cpu_ms: float = 0.0  # server CPU per publish in the throughput phase
    light: Latency = field(default_factory=Latency)
    loaded: Latency = field(default_factory=Latency)


async def setup(port: int, queues: int, tag: str) -> tuple[str, list[str]]:
    conn = Conn(port)
    topic = xml_value(await conn.call(sns_request(port, {"Action": "CreateTopic", "Name": f"bench-{tag}"})), "TopicArn")
    urls = []
    for i in range(queues):
        url = json.loads(await conn.call(sqs_request(port, "CreateQueue", {"QueueName": f"bench-{tag}-{i}"})))["QueueUrl"]
        arn = json.loads(await conn.call(sqs_request(port, "GetQueueAttributes", {
            "QueueUrl": url, "AttributeNames": ["QueueArn"]})))["Attributes"]["QueueArn"]
        await conn.call(sns_request(port, {"Action": "Subscribe", "TopicArn": topic, "Protocol": "sqs", "Endpoint": arn}))
        urls.append(url)
    conn.close()
    return topic, urls


async def throughput(port: int, topic: str, connections: int, seconds: float) -> tuple[float, int]:
    count = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal count
        conn = Conn(port)
        while time.perf_counter() < deadline:
            await conn.call(sns_request(port, {"Action": "Publish", "TopicArn": topic, "Message": "x" * 200}))
            count += 1
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return count / (time.perf_counter() - started), count


async def latency(port: int, topic: str, urls: list[str], rate: float, seconds: float, connections: int,
                  result: Latency) -> None:
    sent: dict[str, float] = {}
    pending = {url: set() for url in urls}
    stop = asyncio.Event()

    async def receiver(url: str) -> None:
        conn = Conn(port)
        receive = sqs_request(port, "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10,
                                                       "WaitTimeSeconds": 1})
        while not (stop.is_set() and not pending[url]):
            answer = json.loads(await conn.call(receive)).get("Messages", [])
            now = time.perf_counter()
            for m in answer:
                key = json.loads(m["Body"])["Message"]
                if key in pending[url]:
                    pending[url].discard(key)
                    result.samples.append(now - sent[key])
            if answer:
                await conn.call(sqs_request(port, "DeleteMessageBatch", {"QueueUrl": url, "Entries": [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(answer)]}))
        conn.close()

    async def publisher(index: int, publishers: int) -> int:
        conn = Conn(port)
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            due = start + (n * publishers + index) / rate
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            key = f"{index}-{n}"
            for url in urls:
                pending[url].add(key)
            sent[key] = time.perf_counter()
            await conn.call(sns_request(port, {"Action": "Publish", "TopicArn": topic, "Message": key}))
            n += 1
        conn.close()
        return n

    receivers = [asyncio.create_task(receiver(url)) for url in urls for _ in range(2)]
    publishers = connections
    started = time.perf_counter()
    counts = await asyncio.gather(*(publisher(i, publishers) for i in range(publishers)))
    result.paced_rate = sum(counts) / (time.perf_counter() - started)
    stop.set()
    try:
        await asyncio.wait_for(asyncio.gather(*receivers), 30)
    except asyncio.TimeoutError:
        for task in receivers:
            task.cancel()
    result.lost = sum(len(p) for p in pending.values())


async def bench(server: Server, queue_counts: list[int], args: argparse.Namespace) -> list[Result]:
    results = []
    for queues in queue_counts:
        result = Result(server.label, queues)
        topic, urls = await setup(server.port, queues, f"tp{queues}")
        cpu = server.cpu_seconds()
        result.publish_rate, count = await throughput(server.port, topic, args.connections, args.seconds)
        result.cpu_ms = (server.cpu_seconds() - cpu) * 1000 / max(count, 1)
        cap = max(5.0, result.publish_rate * 0.5)  # the receivers need their share of the server too
        for name, rate in (("light", min(args.light_rate, cap)), ("loaded", min(args.rate, cap))):
            topic, urls = await setup(server.port, queues, f"{name}{queues}")
            await latency(server.port, topic, urls, rate, args.latency_seconds, args.connections,
                          getattr(result, name))
        results.append(result)
        print(f"  {server.label:16} {queues:2} queues: {result.publish_rate:6.0f} publish/s, "
              f"{result.cpu_ms:.3f} server CPU ms/publish; publish-to-receive "
              f"p50 / p99 ms {result.light}; {result.loaded}", file=sys.stderr, flush=True)
    return results


async def sweep(server: Server, rates: list[float], queues: int, args: argparse.Namespace) -> list[tuple]:
    """The loaded latency phase at each paced rate, each on a fresh topic: (rate asked, rate reached, p50, p99,
    server CPU as a share of one core). Shows the rate up to which the p99 stays low and what saturates."""
    rows = []
    for rate in rates:
        result = Latency()
        topic, urls = await setup(server.port, queues, f"sweep{rate:g}")
        cpu, started = server.cpu_seconds(), time.perf_counter()
        await latency(server.port, topic, urls, rate, args.latency_seconds, args.connections, result)
        share = (server.cpu_seconds() - cpu) / (time.perf_counter() - started)
        rows.append((rate, result.paced_rate, result.pct(0.5), result.pct(0.99), share, result.lost))
        print(f"  {server.label}: {rate:g}/s asked, {result}, server CPU {share * 100:.0f}% of one core",
              file=sys.stderr, flush=True)
    return rows


def sweep_table(label: str, queues: int, rows: list[tuple]) -> str:
    lines = [f"Latency sweep, {label}, {queues} SQS subscriptions, two long-polling receivers per queue:", "",
             "| publishes/s asked | reached | p50 ms | p99 ms | server CPU, share of one core |",
             "|---:|---:|---:|---:|---:|"]
    for rate, reached, p50, p99, share, lost in rows:
        lost_note = f" ({lost} lost)" if lost else ""
        lines.append(f"| {rate:g} | {reached:.0f} | {fmt(p50)} | {fmt(p99)}{lost_note} | {share * 100:.0f}% |")
    return "\n".join(lines)


def fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def table(results: dict[str, list[Result]], queue_counts: list[int]) -> str:
    lines = ["| SQS subscriptions | server | publish/s | vs moto | server CPU ms / publish | publish-to-receive p50 / "
             "p99 ms, light load | p50 / p99 ms, loaded |", "|---:|---|---:|---:|---:|---|---|"]
    for i, queues in enumerate(queue_counts):
        moto = results["moto"][i] if "moto" in results else None
        for key, runs in results.items():
            r = runs[i]
            ratio = f"{r.publish_rate / moto.publish_rate:.0f}x" if moto and moto.publish_rate and key != "moto" \
                else ""
            lines.append(f"| {queues} | {r.server} | {r.publish_rate:.0f} | {ratio} | {r.cpu_ms:.3f} | {r.light} | "
                         f"{r.loaded} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="throughput phase length")
    parser.add_argument("--latency-seconds", type=float, default=8.0, help="latency phase length")
    parser.add_argument("--light-rate", type=float, default=50.0, help="paced publishes/s of the light-load "
                        "latency phase")
    parser.add_argument("--connections", type=int, default=16, help="publishing connections (throughput phase)")
    parser.add_argument("--rate", type=float, default=2000.0, help="paced publishes/s in the latency phase "
                        "(capped at 50%% of the server's measured publish rate)")
    parser.add_argument("--queues", default="1,3,10", help="subscribed queues per topic, comma-separated")
    parser.add_argument("--sweep", default="", help="instead of the table: Cloudlet's loaded latency phase at each "
                        "of these comma-separated publish rates, on the first --queues count")
    parser.add_argument("--cloudlet-only", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2-second phases")
    parser.add_argument("--cloudlet-command", default=f"{sys.executable} -m cloudlet",
                        help="how to launch Cloudlet (default: this Python's `-m cloudlet`)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = args.latency_seconds = 2.0
    queue_counts = [int(q) for q in args.queues.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="sns-bench-"))
    cloudlet = Server("cloudlet", [*shlex.split(args.cloudlet_command), "serve", "--port", "{port}", "--blob-port",
                                   "0", "--data-dir", str(workdir / "data"), "--log-level", "warning"], workdir)
    if args.sweep:
        rates = [float(r) for r in args.sweep.split(",")]
        try:
            cloudlet.start()
            rows = asyncio.run(sweep(cloudlet, rates, queue_counts[0], args))
        finally:
            cloudlet.stop()
            shutil.rmtree(workdir, ignore_errors=True)
        print(sweep_table("Cloudlet durable", queue_counts[0], rows))
        return 0
    servers = {"cloudlet": cloudlet}
    if not args.cloudlet_only:
        servers["moto"] = Server("moto", [sys.executable, "-m", "moto.server", "-H", HOST, "-p", "{port}"], workdir)
    results: dict[str, list[Result]] = {}
    try:
        for key, server in servers.items():
            print(f"{server.label}: starting", file=sys.stderr, flush=True)
            server.start()
            try:
                results[key] = asyncio.run(bench(server, queue_counts, args))
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nSNS publish fanout to SQS, {os.cpu_count()} CPUs, {args.connections} publishing connections, "
          f"{args.seconds:g} s per phase; enveloped delivery; Cloudlet durable (fsync per group commit)\n")
    print(table(results, queue_counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
