"""A light SQS load generator: raw HTTP/1.1 over asyncio streams, pre-serialized AWS JSON 1.0 bodies.

It is deliberately the same code path for every server under test: no SDK, no signing per request, one
small JSON parse per response (to count successes and collect receipt handles). Connections are kept alive
when the server allows it; when a server answers `Connection: close` (moto's Werkzeug server does) the
connection is reopened for the next request, which is that server's cost, not the generator's.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

# Present-but-unsigned SigV4: Cloudlet and moto both read the credential scope and ignore the signature.
AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/sqs/aws4_request, "
                 "SignedHeaders=host, Signature=0")
CONTENT_TYPE = "application/x-amz-json-1.0"


class RequestFailed(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:300]!r}")
        self.status = status
        self.body = body


def request_bytes(host: str, operation: str, body: bytes) -> bytes:
    head = (f"POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: AmazonSQS.{operation}\r\n"
            f"Content-Type: {CONTENT_TYPE}\r\nAuthorization: {AUTHORIZATION}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


class Connection:
    """One HTTP/1.1 connection, one request at a time; reconnects when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float = 120.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reconnects += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def call(self, raw: bytes) -> bytes:
        """Send a pre-built request; return the body of a 200 answer, raise RequestFailed otherwise."""
        return await asyncio.wait_for(self._call(raw), self.timeout)

    async def _call(self, raw: bytes) -> bytes:
        reused = self.writer is not None
        if not reused:
            await self.connect()
        try:
            return await self._exchange(raw)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.close()
            if not reused:
                raise
            await self.connect()  # a kept-alive connection the server had closed meanwhile: retry once
            return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> bytes:
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, status_text = lines[0].split(" ", 2)[:2]
        status = int(status_text)
        length = None
        chunked = False
        close = version == "HTTP/1.0"
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            value = value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection":
                close = value.lower() == "close"
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body = await self.reader.read()
            close = True
        if close:
            self.close()
        if status != 200:
            raise RequestFailed(status, body)
        return body


@dataclass
class Queue:
    """Pre-serialized requests for one queue on one server."""

    host: str
    port: int
    url: str
    body: str
    visibility: int = 300

    def __post_init__(self) -> None:
        hp = f"{self.host}:{self.port}"
        self.hostport = hp
        self.send = request_bytes(hp, "SendMessage", dumps({"QueueUrl": self.url, "MessageBody": self.body}))
        # SendMessageBatch of n entries, n = 1..10 (fills that must stop at an exact depth use smaller ones)
        self.send_batches = {n: request_bytes(hp, "SendMessageBatch", dumps(
            {"QueueUrl": self.url, "Entries": [{"Id": str(i), "MessageBody": self.body} for i in range(n)]}))
            for n in range(1, 11)}
        self.send_batch = self.send_batches[10]
        self.receive10 = request_bytes(hp, "ReceiveMessage", dumps(
            {"QueueUrl": self.url, "MaxNumberOfMessages": 10, "VisibilityTimeout": self.visibility,
             "WaitTimeSeconds": 0}))
        self.receive1 = request_bytes(hp, "ReceiveMessage", dumps(
            {"QueueUrl": self.url, "MaxNumberOfMessages": 1, "VisibilityTimeout": self.visibility,
             "WaitTimeSeconds": 0}))
        self.attributes = request_bytes(hp, "GetQueueAttributes", dumps(
            {"QueueUrl": self.url, "AttributeNames": ["ApproximateNumberOfMessages"]}))

    def delete_batch(self, handles: list[str]) -> bytes:
        return request_bytes(self.hostport, "DeleteMessageBatch", dumps(
            {"QueueUrl": self.url, "Entries": [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(handles)]}))

    def delete(self, handle: str) -> bytes:
        return request_bytes(self.hostport, "DeleteMessage", dumps({"QueueUrl": self.url, "ReceiptHandle": handle}))


async def create_queue(host: str, port: int, name: str, body: str) -> Queue:
    conn = Connection(host, port)
    try:
        raw = await conn.call(request_bytes(f"{host}:{port}", "CreateQueue", dumps({"QueueName": name})))
    finally:
        conn.close()
    return Queue(host, port, json.loads(raw)["QueueUrl"], body)


async def round_trips(queue: Queue, count: int) -> list[float]:
    """Sequential GetQueueUrl calls on one kept-alive connection: the server's floor latency, in ms."""
    raw = request_bytes(queue.hostport, "GetQueueUrl", dumps({"QueueName": queue.url.rsplit("/", 1)[1]}))
    conn = Connection(queue.host, queue.port)
    out = []
    try:
        await conn.call(raw)
        for _ in range(count):
            start = time.perf_counter()
            await conn.call(raw)
            out.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return out


def handles_of(raw: bytes) -> list[str]:
    return [m["ReceiptHandle"] for m in json.loads(raw).get("Messages", ())]


def batch_ok(raw: bytes) -> tuple[int, int]:
    doc = json.loads(raw)
    return len(doc.get("Successful", ())), len(doc.get("Failed", ()))


# -- CPU accounting --------------------------------------------------------------------------------
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float | None:
    """User+system CPU seconds of a process (all its threads), from /proc; None where unavailable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


@dataclass
class PhaseResult:
    name: str
    messages: int = 0
    requests: int = 0
    errors: int = 0
    elapsed: float = 0.0
    server_cpu: float | None = None
    client_cpu: float = 0.0
    first_error: str | None = None
    note: str = ""
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.elapsed if self.elapsed > 0 else 0.0

    def record_error(self, exc: BaseException) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = f"{type(exc).__name__}: {exc}"[:400]


Worker = Callable[[Connection, PhaseResult, float], Awaitable[None]]


async def run_phase(name: str, host: str, port: int, connections: int, seconds: float, worker: Worker,
                    server_pid: int | None) -> PhaseResult:
    """Run `worker(conn, result, deadline)` on N connections until the deadline; time the whole window."""
    result = PhaseResult(name)
    conns = [Connection(host, port) for _ in range(connections)]
    await asyncio.gather(*(c.connect() for c in conns))
    cpu0, own0 = (process_cpu(server_pid) if server_pid else None), own_cpu()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    await asyncio.gather(*(_guard(worker, c, result, deadline) for c in conns))
    result.elapsed = time.perf_counter() - t0
    cpu1 = process_cpu(server_pid) if server_pid else None
    result.client_cpu = own_cpu() - own0
    if cpu0 is not None and cpu1 is not None:
        result.server_cpu = cpu1 - cpu0
    for c in conns:
        c.close()
    return result


async def _guard(worker: Worker, conn: Connection, result: PhaseResult, deadline: float) -> None:
    try:
        await worker(conn, result, deadline)
    except Exception as exc:  # a worker that dies counts as an error; the others go on
        result.record_error(exc)


MAX_CONSECUTIVE_ERRORS = 20


def send_worker(queue: Queue) -> Worker:
    async def work(conn: Connection, result: PhaseResult, deadline: float) -> None:
        raw = queue.send
        streak = 0
        while time.perf_counter() < deadline and streak < MAX_CONSECUTIVE_ERRORS:
            try:
                await conn.call(raw)
            except Exception as exc:
                result.record_error(exc)
                streak += 1
                continue
            streak = 0
            result.requests += 1
            result.messages += 1
    return work


def send_batch_worker(queue: Queue, limit: list[int] | None = None) -> Worker:
    """SendMessageBatch of 10 until the deadline, or until `limit[0]` messages were claimed (filling)."""
    async def work(conn: Connection, result: PhaseResult, deadline: float) -> None:
        raw = queue.send_batch
        streak = 0
        while time.perf_counter() < deadline and streak < MAX_CONSECUTIVE_ERRORS:
            n = 10
            if limit is not None:
                if limit[0] <= 0:
                    return
                n = min(10, limit[0])
                limit[0] -= n
                raw = queue.send_batches[n]
            try:
                ok, failed = batch_ok(await conn.call(raw))
            except Exception as exc:
                if limit is not None:
                    limit[0] += n
                result.record_error(exc)
                streak += 1
                continue
            streak = 0
            result.requests += 1
            result.messages += ok
            if failed:
                if limit is not None:
                    limit[0] += failed
                result.record_error(RuntimeError(f"{failed} failed batch entries"))
    return work


def receive_delete_worker(queue: Queue) -> Worker:
    """ReceiveMessage (10) then DeleteMessageBatch of what came back; stops when the queue is drained."""
    async def work(conn: Connection, result: PhaseResult, deadline: float) -> None:
        streak = 0
        while time.perf_counter() < deadline and streak < MAX_CONSECUTIVE_ERRORS:
            try:
                handles = handles_of(await conn.call(queue.receive10))
                result.requests += 1
                if not handles:
                    result.note = "queue drained before the deadline"
                    return
                ok, failed = batch_ok(await conn.call(queue.delete_batch(handles)))
            except Exception as exc:
                result.record_error(exc)
                streak += 1
                continue
            streak = 0
            result.requests += 1
            result.messages += ok
            if failed:
                result.record_error(RuntimeError(f"{failed} failed delete entries"))
    return work


async def fill(queue: Queue, count: int, connections: int, seconds: float, server_pid: int | None) -> PhaseResult:
    """Send `count` messages with SendMessageBatch on N connections, giving up after `seconds`."""
    limit = [count]
    return await run_phase("fill", queue.host, queue.port, connections, seconds, send_batch_worker(queue, limit),
                           server_pid)


async def depth(queue: Queue) -> int:
    conn = Connection(queue.host, queue.port)
    try:
        return int(json.loads(await conn.call(queue.attributes))["Attributes"]["ApproximateNumberOfMessages"])
    finally:
        conn.close()


async def receive_latency(queue: Queue, seconds: float, max_samples: int, min_samples: int,
                          server_pid: int | None) -> PhaseResult:
    """Sequential on one connection: time a ReceiveMessage(MaxNumberOfMessages=1) on a non-empty queue, then
    (untimed) delete that message and send one more, so that every receive sees the same depth."""
    result = PhaseResult("receive-latency")
    conn = Connection(queue.host, queue.port)
    await conn.connect()
    cpu0, own0 = (process_cpu(server_pid) if server_pid else None), own_cpu()
    t0 = time.perf_counter()
    hard_stop = t0 + max(3 * seconds, seconds + 30)
    while True:
        now = time.perf_counter()
        n = len(result.latencies_ms)
        if n >= max_samples or now >= hard_stop or (now - t0 >= seconds and n >= min_samples):
            break
        if result.errors >= MAX_CONSECUTIVE_ERRORS:
            break
        try:
            start = time.perf_counter()
            raw = await conn.call(queue.receive1)
            took = (time.perf_counter() - start) * 1000
            handles = handles_of(raw)
            if not handles:
                result.record_error(RuntimeError("ReceiveMessage returned no message on a non-empty queue"))
                await conn.call(queue.send)
                continue
            result.latencies_ms.append(took)
            result.requests += 1
            await conn.call(queue.delete(handles[0]))
            await conn.call(queue.send)
        except Exception as exc:
            result.record_error(exc)
    result.elapsed = time.perf_counter() - t0
    result.client_cpu = own_cpu() - own0
    cpu1 = process_cpu(server_pid) if server_pid else None
    if cpu0 is not None and cpu1 is not None:
        result.server_cpu = cpu1 - cpu0
    result.messages = len(result.latencies_ms)
    conn.close()
    return result


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]
