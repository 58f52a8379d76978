#!/usr/bin/env python3
"""SQS benchmark: the same workload against Cloudlet and against moto's server, side by side, in one run.

    python3 bench/sqs_bench.py                 # full run (a few minutes), writes bench/results/sqs.md
    python3 bench/sqs_bench.py --quick --cloudlet-only   # ~10 s smoke run (used by the tests)

Each server runs in its own child process, one after the other (never at the same time, so they do not
compete for the CPU), on a free port; Cloudlet with its default durable settings in a fresh temporary data
directory. The load generator (bench/sqsload.py) is identical for every server: raw HTTP/1.1 over
asyncio streams, pre-serialized AWS JSON 1.0 bodies, a few keep-alive connections.

Workload per server:
  send            SendMessage (1 message) on N connections for --seconds      -> messages/s
  send-batch-10   SendMessageBatch (10 messages) on N connections             -> messages/s
  recv-10+delete  ReceiveMessage(MaxNumberOfMessages=10) then DeleteMessageBatch of the handles, on N
                  connections, draining the queue the two send phases filled  -> messages/s
  receive latency at each --depths: the queue is filled to that depth with SendMessageBatch (set-up,
                  bounded by --fill-seconds for moto, --cloudlet-fill-seconds for Cloudlet), then one connection times ReceiveMessage
                  (MaxNumberOfMessages=1) and, untimed, deletes the message and sends one more, so that
                  every receive sees the same depth -> p50/p99 ms.  Depth 0 means one message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sqsload  # noqa: E402
from sqsload import PhaseResult, percentile  # noqa: E402

HOST = "127.0.0.1"
DEFAULT_RESULTS = HERE / "results" / "sqs.md"
NA_FILL = "n/a (could not fill in {s:g} s)"


# -- servers ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, key: str, label: str, workdir: Path) -> None:
        self.key, self.label, self.workdir = key, label, workdir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / f"{key}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self, timeout: float = 60.0) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if self.ready():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.label} not ready in {timeout:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None


class CloudletServer(Server):
    def __init__(self, workdir: Path, in_memory: bool = False, launcher: str | None = None) -> None:
        # the server runs in a temporary directory: make paths to existing files (a wrapper script) absolute
        self.launcher = ([str(Path(a).resolve()) if Path(a).is_file() else a for a in shlex.split(launcher)]
                         if launcher else [sys.executable, "-m", "cloudlet"])
        key = "cloudlet-mem" if in_memory else "cloudlet"
        super().__init__(key, "Cloudlet --in-memory" if in_memory else "Cloudlet", workdir)
        self.in_memory = in_memory
        self.data_dir = workdir / f"{key}-data"

    def command(self) -> list[str]:
        cmd = [*self.launcher, "serve", "--host", HOST, "--port", str(self.port), "--blob-port", "0",
               "--data-dir", str(self.data_dir), "--log-level", "warning"]
        return cmd + (["--in-memory"] if self.in_memory else [])

    def ready(self) -> bool:
        with urllib.request.urlopen(f"http://{HOST}:{self.port}/_cloudlet/health", timeout=2) as resp:
            return json.load(resp).get("status") == "ready"


class MotoServer(Server):
    def __init__(self, workdir: Path) -> None:
        super().__init__("moto", "moto", workdir)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)]

    def ready(self) -> bool:
        req = urllib.request.Request(
            f"http://{HOST}:{self.port}/", method="POST", data=b"{}",
            headers={"X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": sqsload.CONTENT_TYPE,
                     "Authorization": sqsload.AUTHORIZATION})
        with urllib.request.urlopen(req, timeout=2) as resp:
            return resp.status == 200


# -- one server's run ------------------------------------------------------------------------------
@dataclass
class DepthResult:
    depth: int               # the depth asked for (0 = one message)
    reached: int             # messages actually in the queue when measured
    latency: PhaseResult | None = None
    fill: str | None = None  # None, or the n/a text when the queue could not be filled in time
    verified: int | None = None


@dataclass
class ServerResult:
    label: str
    version: str = ""
    phases: dict[str, PhaseResult] = field(default_factory=dict)
    depths: list[DepthResult] = field(default_factory=list)
    fill_seconds: float = 0.0
    fill_messages: int = 0
    start_depth_receive: int = 0
    round_trips: list[float] = field(default_factory=list)
    fill_budget: float = 0.0
    error: str | None = None

    def total_errors(self) -> int:
        n = sum(p.errors for p in self.phases.values())
        return n + sum(d.latency.errors for d in self.depths if d.latency)

    def depth_result(self, depth: int) -> DepthResult | None:
        return next((d for d in self.depths if d.depth == depth), None)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


async def bench_server(server: Server, args: argparse.Namespace, depths: list[int]) -> ServerResult:
    result = ServerResult(server.label)
    pid = server.pid
    body = "x" * args.body_size
    conns = args.connections
    tp = await sqsload.create_queue(HOST, server.port, "bench-throughput", body)
    result.round_trips = await sqsload.round_trips(tp, args.round_trips)
    log(f"{server.label}: GetQueueUrl round trip p50 {fmt_ms(percentile(result.round_trips, 50))} ms")

    for name, worker in (("send", sqsload.send_worker(tp)), ("send-batch-10", sqsload.send_batch_worker(tp))):
        phase = await sqsload.run_phase(name, HOST, server.port, conns, args.seconds, worker, pid)
        result.phases[name] = phase
        log(f"{server.label}: {name}: {phase.rate:,.0f} msg/s ({phase.messages:,} in {phase.elapsed:.1f} s, "
            f"{phase.errors} errors)")
    result.start_depth_receive = result.phases["send"].messages + result.phases["send-batch-10"].messages
    phase = await sqsload.run_phase("recv-10+delete", HOST, server.port, conns, args.seconds,
                                    sqsload.receive_delete_worker(tp), pid)
    result.phases["recv-10+delete"] = phase
    log(f"{server.label}: receive-10+delete-batch: {phase.rate:,.0f} msg/s ({phase.messages:,} in "
        f"{phase.elapsed:.1f} s from depth {result.start_depth_receive:,}; {phase.errors} errors) {phase.note}")

    dq = await sqsload.create_queue(HOST, server.port, "bench-depth", body)
    filled = 0
    budget = fill_budget = args.cloudlet_fill_seconds if isinstance(server, CloudletServer) else args.fill_seconds
    result.fill_budget = fill_budget
    for depth in sorted(set(depths)):
        target = max(depth, 1)
        need = target - filled
        if need > 0:
            if budget <= 0:
                result.depths.append(DepthResult(depth, filled, fill=NA_FILL.format(s=fill_budget)))
                continue
            log(f"{server.label}: filling to depth {target:,} ({budget:.0f} s of fill budget left)")
            fr = await sqsload.fill(dq, need, conns, budget, pid)
            filled += fr.messages
            budget -= fr.elapsed
            result.fill_seconds += fr.elapsed
            result.fill_messages += fr.messages
            if fr.errors:
                log(f"{server.label}: fill errors: {fr.errors} ({fr.first_error})")
            if filled < target:
                result.depths.append(DepthResult(depth, filled, fill=NA_FILL.format(s=fill_budget)))
                budget = 0
                # measure where we got to, so the table still says something about deep queues
                if filled > max((d.reached for d in result.depths if d.latency), default=0):
                    partial = DepthResult(filled, filled)
                    await _measure(server, args, dq, partial, pid)
                    result.depths.append(partial)
                continue
        entry = DepthResult(depth, filled)
        await _measure(server, args, dq, entry, pid)
        result.depths.append(entry)
    return result


async def _measure(server: Server, args: argparse.Namespace, queue: sqsload.Queue, entry: DepthResult,
                   pid: int | None) -> None:
    try:
        entry.verified = await sqsload.depth(queue)
    except Exception as exc:  # informative only
        log(f"{server.label}: GetQueueAttributes failed: {exc}")
    lat = await sqsload.receive_latency(queue, args.latency_seconds, args.max_samples, args.min_samples, pid)
    entry.latency = lat
    log(f"{server.label}: receive latency @ depth {entry.reached:,} (ApproximateNumberOfMessages "
        f"{entry.verified}): p50 {fmt_ms(percentile(lat.latencies_ms, 50))} ms, "
        f"p99 {fmt_ms(percentile(lat.latencies_ms, 99))} ms over {len(lat.latencies_ms)} receives "
        f"({lat.errors} errors)")


def run_server(server: Server, args: argparse.Namespace, depths: list[int]) -> ServerResult:
    log(f"starting {server.label} on port {server.port}: {' '.join(server.command())}")
    try:
        server.start()
    except RuntimeError as exc:
        return ServerResult(server.label, error=str(exc))
    try:
        if args.uvloop:
            try:
                import uvloop
                return uvloop.run(bench_server(server, args, depths))
            except ImportError:
                pass
        return asyncio.run(bench_server(server, args, depths))
    except Exception as exc:
        log(f"{server.label}: benchmark failed: {exc!r}\n{server.log_tail()}")
        return ServerResult(server.label, error=f"{type(exc).__name__}: {exc}")
    finally:
        if server.proc and server.proc.poll() is not None:
            log(f"{server.label} died during the run:\n{server.log_tail()}")
        server.stop()


# -- the table -------------------------------------------------------------------------------------
def fmt_rate(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f}" if v < 10 else f"{v:,.1f}"


def fmt_ratio(v: float | None) -> str:
    """v = how many times better Cloudlet is (>1) or worse (<1)."""
    if v is None:
        return "—"
    word = "faster" if v >= 1 else "slower"
    v = v if v >= 1 else 1 / v
    return (f"{v:,.1f}×" if v < 100 else f"{v:,.0f}×") + f" {word}"


def depth_label(depth: int) -> str:
    return "0 (1 message)" if depth == 0 else f"{depth:,}"


@dataclass
class Row:
    metric: str
    values: list[float | str | None]   # per column; str = a note such as n/a (could not fill)
    kind: str                          # "rate" (higher better) or "ms" (lower better) or "x"


def build_rows(results: list[ServerResult], depths: list[int]) -> list[Row]:
    rows = [
        Row("idle round trip (GetQueueUrl, kept-alive connection) p50, ms",
            [percentile(r.round_trips, 50) for r in results], "ms"),
        Row("send (SendMessage), msg/s", [_rate(r, "send") for r in results], "rate"),
        Row("send-batch-10 (SendMessageBatch), msg/s", [_rate(r, "send-batch-10") for r in results], "rate"),
        Row("receive-10 + delete-batch, msg/s", [_rate(r, "recv-10+delete") for r in results], "rate"),
    ]
    all_depths = sorted({d.depth for r in results for d in r.depths} | set(depths))
    for depth in all_depths:
        for q in (50, 99):
            values: list[float | str | None] = []
            for r in results:
                d = r.depth_result(depth)
                if d is None:
                    values.append(None)
                elif d.fill is not None:
                    values.append(d.fill)
                else:
                    values.append(percentile(d.latency.latencies_ms, q) if d.latency else None)
            extra = "" if depth in depths else " (the deepest moto filled)"
            rows.append(Row(f"receive p{q} @ depth {depth_label(depth)}{extra}, ms", values, "ms"))
    if len(depths) >= 2:
        lo, hi = min(depths), max(depths)
        values = []
        for r in results:
            a, b = r.depth_result(lo), r.depth_result(hi)
            if a and b and a.latency and b.latency and not b.fill and a.latency.latencies_ms and b.latency.latencies_ms:
                values.append(percentile(b.latency.latencies_ms, 50) / percentile(a.latency.latencies_ms, 50))
            else:
                values.append(None)
        rows.append(Row(f"receive p50 growth, depth {hi:,} ÷ depth {lo:,} (×)", values, "x"))
    return rows


def _rate(r: ServerResult, phase: str) -> float | None:
    p = r.phases.get(phase)
    return None if p is None else p.rate


def render_table(results: list[ServerResult], rows: list[Row]) -> str:
    moto = next((i for i, r in enumerate(results) if r.label == "moto"), None)
    cl = next((i for i, r in enumerate(results) if r.label == "Cloudlet"), 0)
    headers = ["metric"] + [r.label for r in results]
    if moto is not None:
        headers.append("Cloudlet vs moto")
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|"]
    for row in rows:
        cells = [row.metric]
        for v in row.values:
            if isinstance(v, str):
                cells.append(v)
            elif row.kind == "rate":
                cells.append(fmt_rate(v))
            elif row.kind == "ms":
                cells.append(fmt_ms(v))
            else:
                cells.append("n/a" if v is None else f"{v:.2f}")
        if moto is not None:
            a, b = row.values[cl], row.values[moto]
            ratio = None
            if isinstance(a, float) and isinstance(b, float) and a > 0 and b > 0:
                if row.kind == "rate":
                    ratio = fmt_ratio(a / b)
                elif row.kind == "ms":
                    ratio = fmt_ratio(b / a)
            cells.append(ratio or "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(results: list[ServerResult], depths: list[int]) -> list[str]:
    cl = next((r for r in results if r.label == "Cloudlet"), None)
    moto = next((r for r in results if r.label == "moto" and not r.error), None)
    if cl is None or cl.error:
        return []
    out = []

    def check(ok: bool, text: str) -> None:
        out.append(f"- {'PASS' if ok else 'FAIL'}: {text}")

    for phase, name in (("send-batch-10", "batched send"), ("recv-10+delete", "batched receive + delete")):
        rate = _rate(cl, phase) or 0.0
        check(rate >= 5000, f"{name} ≥ 5,000 msg/s (Cloudlet: {rate:,.0f})")
        if moto is not None and _rate(moto, phase):
            ratio = rate / _rate(moto, phase)
            check(ratio >= 10, f"{name} ≥ 10× moto ({ratio:,.1f}×)")
    if len(depths) >= 2:
        lo, hi = min(depths), max(depths)
        a, b = cl.depth_result(lo), cl.depth_result(hi)
        if a and b and a.latency and b.latency and a.latency.latencies_ms and b.latency.latencies_ms:
            for q in (50, 99):
                pa, pb = percentile(a.latency.latencies_ms, q), percentile(b.latency.latencies_ms, q)
                check(pb <= 1.5 * pa, f"receive p{q} at depth {hi:,} within 1.5× of depth {lo:,} "
                                      f"({pb:.2f} ms vs {pa:.2f} ms: {pb / pa:.2f}×)")
        else:
            check(False, f"receive latency measured at depths {lo:,} and {hi:,}")
    return out


def notes(results: list[ServerResult], args: argparse.Namespace) -> list[str]:
    out = []
    for r in results:
        if r.error:
            out.append(f"- **{r.label} failed**: {r.error[:1500]}")
            continue
        parts = []
        for name, p in r.phases.items():
            s = f"{name}: {p.requests:,} requests in {p.elapsed:.1f} s"
            if p.server_cpu is not None:
                s += f", server CPU {100 * p.server_cpu / p.elapsed:.0f}%"
            s += f", load generator CPU {100 * p.client_cpu / p.elapsed:.0f}%"
            if p.errors:
                s += f", **{p.errors} errors** (first: {p.first_error})"
            if p.note:
                s += f", {p.note}"
            parts.append(s)
        out.append(f"- {r.label}: " + "; ".join(parts) + ".")
        out.append(f"  The receive phase started at depth {r.start_depth_receive:,}.")
        if r.fill_messages:
            out.append(f"  Filling the depth queue: {r.fill_messages:,} messages in {r.fill_seconds:.1f} s "
                       f"({r.fill_messages / r.fill_seconds:,.0f} msg/s with SendMessageBatch on "
                       f"{args.connections} connections).")
        lat = []
        for d in r.depths:
            if d.fill:
                lat.append(f"depth {d.depth:,}: {d.fill}, reached {d.reached:,}")
            elif d.latency:
                s = (f"depth {depth_label(d.depth)}: {len(d.latency.latencies_ms):,} receives in "
                     f"{d.latency.elapsed:.1f} s (ApproximateNumberOfMessages {d.verified})")
                if d.latency.errors:
                    s += f", **{d.latency.errors} errors** ({d.latency.first_error})"
                lat.append(s)
        if lat:
            out.append("  Receive latency samples: " + "; ".join(lat) + ".")
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("cloudlet", "moto", "uvicorn", "botocore"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    import sqlite3

    out.append(f"SQLite {sqlite3.sqlite_version}")
    return ", ".join(out)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def report(results: list[ServerResult], args: argparse.Namespace, depths: list[int], command: str,
           started: float, load_before: str) -> str:
    rows = build_rows(results, depths)
    lines = [
        "# SQS benchmark: Cloudlet vs moto",
        "",
        f"`{command}` — {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, "
        f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, {versions()}.",
        f"Load generator: raw HTTP/1.1 over asyncio streams, {args.connections} connections, "
        f"{args.body_size}-byte bodies, {args.seconds:g} s per throughput phase, "
        f"{args.latency_seconds:g} s per latency depth; filling the depth queue (set-up, not measured) may take "
        f"{args.cloudlet_fill_seconds:g} s on Cloudlet and {args.fill_seconds:g} s on moto. "
        f"Cloudlet runs durable (SQLite WAL, a fresh temporary data directory, default sync). "
        f"Total run time {time.time() - started:.0f} s. Load average before the run {load_before}, after "
        f"{loadavg()} (anything much above 0 means other processes shared the 2 CPUs: treat the numbers as noisy).",
        "",
        render_table(results, rows),
        "",
    ]
    for r in results:
        rt = percentile(r.round_trips, 50)
        if r.label.startswith("Cloudlet") and rt is not None and 35 <= rt <= 60:
            lines += [f"Warning: {r.label}'s idle round trip is {rt:.0f} ms on a kept-alive connection, the signature "
                      "of Nagle's algorithm meeting the client's delayed ACK (a server socket without TCP_NODELAY): "
                      "every number above is bound by it. See bench/README.md.", ""]
    t = targets(results, depths)
    if t:
        lines += ["Targets (issue 2 §6):", ""] + t + [""]
    lines += ["Details:", ""] + notes(results, args) + [""]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/sqs_bench.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run (~10 s for Cloudlet): --seconds 1, --latency-seconds 1, --depths 0,2000, fill budgets 10 s, "
                        "no results file unless --output is given")
    p.add_argument("--cloudlet-only", action="store_true", help="skip moto")
    p.add_argument("--in-memory", action="store_true", help="also run Cloudlet --in-memory as an extra column")
    p.add_argument("--depths", default=None, help="comma-separated queue depths for receive latency "
                   "(0 means one message) [default 0,10000,100000]")
    p.add_argument("--seconds", type=float, default=None, help="measurement time per throughput phase [default 8]")
    p.add_argument("--latency-seconds", type=float, default=None,
                   help="measurement time per latency depth [default 5]")
    p.add_argument("--fill-seconds", type=float, default=None,
                   help="time budget for filling moto's depth queue; depths it cannot reach in time are reported "
                        "as n/a and the deepest reached depth is measured instead (on both servers) [default 60]")
    p.add_argument("--cloudlet-fill-seconds", type=float, default=None,
                   help="the same budget for Cloudlet [default 180; with --quick 10]")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections [default 8]")
    p.add_argument("--body-size", type=int, default=100, help="message body size in bytes [default 100]")
    p.add_argument("--max-samples", type=int, default=3000, help="latency samples per depth at most [default 3000]")
    p.add_argument("--min-samples", type=int, default=5,
                   help="latency samples per depth at least, within 3× --latency-seconds [default 5]")
    p.add_argument("--output", type=Path, default=None,
                   help=f"write the report here [default {DEFAULT_RESULTS.relative_to(HERE.parent)}; none with "
                        "--quick]; '-' for none")
    p.add_argument("--round-trips", type=int, default=50, help="idle GetQueueUrl round trips timed per server [default 50]")
    p.add_argument("--cloudlet-command", default=None,
                   help="how to launch Cloudlet instead of '<python> -m cloudlet' (the 'serve ...' arguments are "
                        "appended), e.g. to profile it: \"python3 -m cProfile -o /tmp/prof.out -m cloudlet\"")
    p.add_argument("--no-uvloop", dest="uvloop", action="store_false",
                   help="run the load generator on the stock asyncio loop instead of uvloop")
    p.add_argument("--check-targets", action="store_true", help="exit 1 if a target in the issue is missed")
    args = p.parse_args(argv)
    quick = args.quick
    args.seconds = args.seconds if args.seconds is not None else (1.0 if quick else 8.0)
    args.latency_seconds = args.latency_seconds if args.latency_seconds is not None else (1.0 if quick else 5.0)
    args.fill_seconds = args.fill_seconds if args.fill_seconds is not None else (10.0 if quick else 60.0)
    args.cloudlet_fill_seconds = (args.cloudlet_fill_seconds if args.cloudlet_fill_seconds is not None
                                  else (10.0 if quick else 180.0))
    args.depths = args.depths or ("0,2000" if quick else "0,10000,100000")
    try:
        args.depth_list = sorted({int(d.replace("_", "")) for d in args.depths.split(",") if d.strip()})
    except ValueError:
        p.error(f"--depths: integers expected, got {args.depths!r}")
    if any(d < 0 for d in args.depth_list):
        p.error("--depths must be >= 0")
    if args.output is None and not quick:
        args.output = DEFAULT_RESULTS
    if str(args.output) == "-":
        args.output = None
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.time()
    load_before = loadavg()
    command = "python3 bench/sqs_bench.py" + ("" if argv is None and len(sys.argv) == 1 else
                                              " " + shlex.join(argv if argv is not None else sys.argv[1:]))
    workdir = Path(tempfile.mkdtemp(prefix="cloudlet-bench-"))
    results: list[ServerResult] = []
    try:
        depths = list(args.depth_list)
        if not args.cloudlet_only:
            # moto first: if it cannot reach a depth, Cloudlet is also measured at the depth moto reached
            moto = run_server(MotoServer(workdir), args, depths)
            extra = [d.reached for d in moto.depths if d.fill is None and d.depth not in depths]
            results.append(moto)
            depths_cl = sorted(set(depths) | set(extra))
        else:
            depths_cl = depths
        cl = run_server(CloudletServer(workdir, launcher=args.cloudlet_command), args, depths_cl)
        results.insert(0, cl)
        if args.in_memory:
            results.insert(1, run_server(CloudletServer(workdir, True, args.cloudlet_command), args, depths_cl))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(results, args, args.depth_list, command, started, load_before)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        log(f"wrote {args.output}")
    if any(r.error for r in results if r.label.startswith("Cloudlet")):
        return 1
    if any(r.total_errors() for r in results if r.label.startswith("Cloudlet")):
        return 1
    if args.check_targets and any(line.startswith("- FAIL") for line in targets(results, args.depth_list)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
