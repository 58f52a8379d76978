"""Cloudlet vs Azurite on the same Azure Blob workload, side by side in one run.

    python bench/blob_bench.py                 # both peers (Azurite from bench/.peers, see below)
    python bench/blob_bench.py --peers cloudlet --small 300 --large-mib 64 --list 2000   # a quick look
    python bench/blob_bench.py --workloads small,list     # only some workloads (small, large, list)
    peers: cloudlet (default durability: fsync per commit), cloudlet-normal (--sync normal: survives a process
    crash, not power loss; Azurite's own guarantee), azurite

Azurite: `npm install --prefix bench/.peers azurite` (started with --skipApiVersionCheck --loose
--disableTelemetry --inMemoryPersistence off, data in a temp dir). Cloudlet: `python -m cloudlet serve` with a
temp data dir and its default durability (fsync on every commit).

Workloads: N x 4 KiB Put Blob then Get Blob (ops/s, 1 and 8 client threads, raw HTTP with an account SAS so the
client's own signing cost does not hide the server's; with the server's CPU per operation, utime + stime of its
process tree from /proc, which a busy machine disturbs less than throughput); one large blob uploaded and downloaded through the SDK
(4 MiB blocks, 4 parallel transfers; MiB/s) and as one streamed Put Blob / Get Blob over raw HTTP, with the
server's peak RSS over everything so far (/proc/<pid>/status VmHWM); listing a
container of M blobs (seconds; raw REST pages of 5,000, and the SDK's list_blobs)."""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Peer:
    def __init__(self, name: str, args: list[str], port: int, workdir: Path, env: dict | None = None) -> None:
        self.name, self.args, self.port, self.workdir, self.env = name, args, port, workdir, env or {}
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Peer":
        log = open(self.workdir / f"{self.name}.log", "wb")
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **self.env}, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    time.sleep(0.3)
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start: {(self.workdir / f'{self.name}.log').read_text()[-2000:]}")

    def peak_rss_mib(self) -> float:
        """VmHWM of the server process (or its biggest child: npx-style launchers fork the real server)."""
        pids = [self.proc.pid] + _children(self.proc.pid)
        best = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        best = max(best, int(line.split()[1]))
            except OSError:
                pass
        return best / 1024

    def cpu_seconds(self) -> float:
        """utime + stime of the server process and its children (/proc/<pid>/stat), in seconds."""
        total = 0
        for pid in [self.proc.pid] + _children(self.proc.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    @property
    def blob_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
                f"BlobEndpoint={self.blob_url};")


def _children(pid: int) -> list[int]:
    out = []
    try:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            out.append(int(child))
            out += _children(int(child))
    except OSError:
        pass
    return out


def make_peer(name: str, workdir: Path) -> Peer:
    port = free_port()
    if name in ("cloudlet", "cloudlet-normal"):
        data = workdir / f"{name}-data"
        sync = ["--sync", "normal"] if name == "cloudlet-normal" else []
        return Peer(name, [sys.executable, "-m", "cloudlet", "serve", "--port", str(free_port()), "--blob-port",
                           str(port), "--data-dir", str(data), "--log-level", "warning", *sync], port, workdir)
    exe = ROOT / "bench" / ".peers" / "node_modules" / ".bin" / "azurite-blob"
    if not exe.exists():
        raise SystemExit("Azurite is not installed: npm install --prefix bench/.peers azurite")
    return Peer(name, [str(exe), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location",
                       str(workdir / "azurite-data"), "--skipApiVersionCheck", "--loose", "--disableTelemetry",
                       "--silent"], port, workdir)


def account_sas() -> str:
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    return generate_account_sas(ACCOUNT, KEY, ResourceTypes(service=True, container=True, object=True),
                                AccountSasPermissions(read=True, write=True, create=True, list=True, delete=True),
                                datetime.now(timezone.utc) + timedelta(hours=6))


class RawClient:
    """One keep-alive HTTP connection per thread, an account SAS on every URL."""

    def __init__(self, port: int, sas: str) -> None:
        self.port, self.sas = port, sas
        self.local = threading.local()

    def conn(self) -> http.client.HTTPConnection:
        c = getattr(self.local, "c", None)
        if c is None:
            c = self.local.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return c

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                query: str = "") -> tuple[int, bytes]:
        sep = "&" if query else ""
        url = f"/{ACCOUNT}/{path}?{query}{sep}{self.sas}"
        h = {"x-ms-version": "2025-11-05", **(headers or {})}
        for attempt in range(2):
            c = self.conn()
            try:
                c.request(method, url, body=body, headers=h)
                resp = c.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                c.close()
                self.local.c = None
                if attempt:
                    raise
        raise AssertionError


def run_parallel(threads: int, items: list, fn) -> float:
    start = time.perf_counter()
    if threads == 1:
        for item in items:
            fn(item)
    else:
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            list(pool.map(fn, items))
    return time.perf_counter() - start


def bench_small(peer: Peer, raw: RawClient, n: int, threads: int) -> tuple[float, float, float, float]:
    """ops/s of put and get, and the server's CPU milliseconds per operation for each."""
    container = f"small{threads}"
    raw.request("PUT", container, query="restype=container")
    data = os.urandom(4096)

    def put(i: int) -> None:
        status, body = raw.request("PUT", f"{container}/blob-{i:06d}", data, {"x-ms-blob-type": "BlockBlob"})
        assert status == 201, (status, body[:200])

    def get(i: int) -> None:
        status, body = raw.request("GET", f"{container}/blob-{i:06d}")
        assert status == 200 and body == data, status

    cpu0 = peer.cpu_seconds()
    put_s = run_parallel(threads, list(range(n)), put)
    cpu1 = peer.cpu_seconds()
    get_s = run_parallel(threads, list(range(n)), get)
    cpu2 = peer.cpu_seconds()
    return n / put_s, n / get_s, (cpu1 - cpu0) * 1000 / n, (cpu2 - cpu1) * 1000 / n


def bench_large(peer: Peer, mib: int, workdir: Path) -> tuple[float, float]:
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient.from_connection_string(peer.connection_string, max_block_size=4 * 1024 * 1024,
                                                      max_single_put_size=4 * 1024 * 1024,
                                                      max_chunk_get_size=4 * 1024 * 1024,
                                                      max_single_get_size=4 * 1024 * 1024)
    container = client.create_container("large")
    source = workdir / "large.bin"
    if not source.exists():
        with open(source, "wb") as f:
            block = os.urandom(1024 * 1024)
            for _ in range(mib):
                f.write(block)
    blob = container.get_blob_client("large.bin")
    start = time.perf_counter()
    with open(source, "rb") as f:
        blob.upload_blob(f, length=mib * 1024 * 1024, max_concurrency=4)
    up = mib / (time.perf_counter() - start)
    start = time.perf_counter()
    size = 0
    for chunk in blob.download_blob(max_concurrency=4).chunks():
        size += len(chunk)
    down = mib / (time.perf_counter() - start)
    assert size == mib * 1024 * 1024
    return up, down


def bench_large_raw(peer: Peer, sas: str, mib: int) -> tuple[float, float]:
    """One Put Blob streamed from a generator, one Get Blob read in 1 MiB pieces: the server's own streaming."""
    conn = http.client.HTTPConnection("127.0.0.1", peer.port, timeout=600)
    conn.request("PUT", f"/{ACCOUNT}/rawlarge?restype=container&{sas}", headers={"x-ms-version": "2025-11-05"})
    conn.getresponse().read()
    chunk = os.urandom(1024 * 1024)
    start = time.perf_counter()
    conn.request("PUT", f"/{ACCOUNT}/rawlarge/one.bin?{sas}", body=(chunk for _ in range(mib)),
                 headers={"x-ms-blob-type": "BlockBlob", "Content-Length": str(mib * 1024 * 1024),
                          "x-ms-version": "2025-11-05"})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 201, resp.status
    up = mib / (time.perf_counter() - start)
    start = time.perf_counter()
    conn.request("GET", f"/{ACCOUNT}/rawlarge/one.bin?{sas}", headers={"x-ms-version": "2025-11-05"})
    resp = conn.getresponse()
    size = 0
    while True:
        piece = resp.read(1024 * 1024)
        if not piece:
            break
        size += len(piece)
    assert size == mib * 1024 * 1024
    return up, mib / (time.perf_counter() - start)


def bench_list(peer: Peer, raw: RawClient, n: int) -> tuple[float, float]:
    from azure.storage.blob import ContainerClient

    raw.request("PUT", "listing", query="restype=container")

    def put(i: int) -> None:
        status, _ = raw.request("PUT", f"listing/dir{i % 10}/blob-{i:06d}", b"x", {"x-ms-blob-type": "BlockBlob"})
        assert status == 201

    run_parallel(8, list(range(n)), put)
    start = time.perf_counter()
    marker, count = "", 0
    while True:
        query = "restype=container&comp=list&maxresults=5000" + (f"&marker={urllib.request.quote(marker)}"
                                                                 if marker else "")
        status, body = raw.request("GET", "listing", query=query)
        assert status == 200, body[:300]
        doc = ET.fromstring(body)
        count += len(doc.findall("./Blobs/Blob"))
        marker = doc.findtext("NextMarker") or ""
        if not marker:
            break
    raw_s = time.perf_counter() - start
    assert count == n, count
    client = ContainerClient.from_connection_string(peer.connection_string, "listing")
    start = time.perf_counter()
    sdk_count = sum(1 for _ in client.list_blobs())
    sdk_s = time.perf_counter() - start
    assert sdk_count == n
    return raw_s, sdk_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers", default="cloudlet,cloudlet-normal,azurite")
    parser.add_argument("--small", type=int, default=1000, help="number of 4 KiB blobs")
    parser.add_argument("--large-mib", type=int, default=256)
    parser.add_argument("--list", type=int, default=10_000, help="blobs in the listed container")
    parser.add_argument("--workloads", default="small,large,list",
                        help="which workloads to run (comma-separated: small, large, list)")
    args = parser.parse_args()
    workloads = set(args.workloads.split(","))
    load_before = os.getloadavg()
    results: dict[str, dict[str, str]] = {}
    workdir = Path(tempfile.mkdtemp(prefix="blob-bench-"))
    try:
        for name in args.peers.split(","):
            peer = make_peer(name, workdir).start()
            raw = RawClient(peer.port, account_sas())
            row: dict[str, str] = {}
            try:
                for threads in (1, 8) if "small" in workloads else ():
                    put, get, put_cpu, get_cpu = bench_small(peer, raw, args.small, threads)
                    row[f"4 KiB put, {threads} thr (ops/s)"] = f"{put:,.0f}"
                    row[f"4 KiB get, {threads} thr (ops/s)"] = f"{get:,.0f}"
                    row[f"4 KiB put, {threads} thr (server CPU ms/op)"] = f"{put_cpu:.2f}"
                    row[f"4 KiB get, {threads} thr (server CPU ms/op)"] = f"{get_cpu:.2f}"
                if "large" in workloads:
                    up, down = bench_large(peer, args.large_mib, workdir)
                    row[f"{args.large_mib} MiB upload (MiB/s)"] = f"{up:,.1f}"
                    row[f"{args.large_mib} MiB download (MiB/s)"] = f"{down:,.1f}"
                    up, down = bench_large_raw(peer, raw.sas, args.large_mib)
                    row[f"{args.large_mib} MiB Put Blob, raw (MiB/s)"] = f"{up:,.1f}"
                    row[f"{args.large_mib} MiB Get Blob, raw (MiB/s)"] = f"{down:,.1f}"
                    row["server peak RSS (MiB)"] = f"{peer.peak_rss_mib():,.0f}"
                if "list" in workloads:
                    raw_s, sdk_s = bench_list(peer, raw, args.list)
                    row[f"list {args.list:,} blobs, REST (s)"] = f"{raw_s:.3f}"
                    row[f"list {args.list:,} blobs, SDK (s)"] = f"{sdk_s:.3f}"
            finally:
                peer.stop()
            results[name] = row
            print(f"{name}: {row}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    names = list(results)
    metrics = list(next(iter(results.values())))
    print(f"load average (1/5/15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          "after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print("| workload | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for metric in metrics:
        print(f"| {metric} | " + " | ".join(results[n].get(metric, "") for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
