"""Rekognition Video jobs: Start latency under load, and analysis throughput with 1 and 2 workers.

    python bench/jobs_bench.py                 # both parts
    python bench/jobs_bench.py --part start    # Start latency only (no video analysis needed)

Start latency: many clients Start jobs at once on a server that admits without analysing (0 workers), for
accepted Starts (a high limit) and rejected ones (at the limit); then again while 2 workers analyse videos,
to show the event loop is not held up by analysis. Throughput: the six Start operations on a 12-second
640x480 clip, run on a server with 1 and then 2 workers; reported as seconds of video per wall second.
Needs the `video` extra and boto3, azure-storage-blob.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
APIS = {"StartSegmentDetection": "get_segment_detection", "StartTextDetection": "get_text_detection",
        "StartFaceDetection": "get_face_detection", "StartPersonTracking": "get_person_tracking",
        "StartLabelDetection": "get_label_detection", "StartContentModeration": "get_content_moderation"}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workers: int, data: Path) -> None:
        self.port, self.blob_port = _port(), _port()
        env = {**os.environ, "CLOUDLET_JOBS_WORKERS": str(workers), "CLOUDLET_SYNC": "normal"}
        self.proc = subprocess.Popen([sys.executable, "-m", "cloudlet", "serve", "--port", str(self.port),
                                      "--blob-port", str(self.blob_port), "--data-dir", str(data),
                                      "--log-level", "warning"], env=env)
        self.url, self.blob_url = f"http://127.0.0.1:{self.port}", f"http://127.0.0.1:{self.blob_port}"
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{self.url}/_cloudlet/health", timeout=1) as r:
                    if json.load(r)["status"] == "ready":
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def set_limit(self, account: str, limit: int) -> None:
        req = urllib.request.Request(f"{self.url}/_cloudlet/jobs/limits/{account}", method="PUT",
                                     data=json.dumps({"limit": limit}).encode())
        urllib.request.urlopen(req, timeout=10).read()

    def client(self, account: str):
        return boto3.client("rekognition", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=account, aws_secret_access_key="x",
                            config=Config(retries={"max_attempts": 1}, max_pool_connections=4))

    def upload(self, container: str, name: str, path: Path) -> dict:
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient.from_connection_string(
            f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DEV_KEY};"
            f"BlobEndpoint={self.blob_url}/devstoreaccount1;")
        box = service.get_container_client(container)
        if not box.exists():
            box.create_container()
        with open(path, "rb") as handle:
            box.upload_blob(name, handle, overwrite=True)
        return {"S3Object": {"Bucket": container, "Name": name}}

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def make_clip(path: Path) -> Path:
    """12 s, 640x480, 25 fps: text, a portrait, black, a moving square, text again."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "jobs"))
    import media

    media.WIDTH, media.HEIGHT = 640, 480
    parts = [media.text("CLOUDLET 42", 3), media.photo(media.grace_hopper(), 3), media.black(1),
             media.moving((30, 200, 30), 3), media.text("HELLO WORLD", 2)]
    return media.write(path, parts, fps=25, width=640, height=480)


def _params(api: str, video: dict) -> dict:
    return {"Video": video, **({"SegmentTypes": ["SHOT", "TECHNICAL_CUE"]} if api == "StartSegmentDetection" else {})}


def start_latency(server: Server, video: dict, starts: int, clients: int, account_base: int, limit: int) -> dict:
    """Latency of `starts` StartSegmentDetection calls from `clients` threads, each thread its own account."""
    latencies: list[float] = []
    outcomes = {"accepted": 0, "LimitExceededException": 0}
    lock = threading.Lock()
    local = threading.local()
    accounts = [str(account_base + i) for i in range(clients)]
    for account in accounts:
        server.set_limit(account, limit)
    counter = iter(range(starts))

    def worker(index: int) -> None:
        local.client = server.client(accounts[index])
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            began = time.perf_counter()
            try:
                local.client.start_segment_detection(**_params("StartSegmentDetection", video))
                outcome = "accepted"
            except ClientError as err:
                outcome = err.response["Error"]["Code"]
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    wall = time.perf_counter() - began
    latencies.sort()
    return {"starts": len(latencies), "clients": clients, "per_second": round(len(latencies) / wall, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1), **outcomes}


def throughput(workers: int, clip: Path, data: Path) -> dict:
    server = Server(workers, data)
    try:
        video = server.upload("bench", "clip.mp4", clip)
        client = server.client("123456789012")
        # a warm-up round per worker loads the models, as a long-running server has them loaded
        warm = [(get, getattr(client, _snake(api))(**_params(api, video))["JobId"])
                for _ in range(workers) for api, get in APIS.items()]
        _wait(client, warm)
        began = time.perf_counter()
        jobs = [(get, getattr(client, _snake(api))(**_params(api, video))["JobId"]) for api, get in APIS.items()]
        statuses = _wait(client, jobs)
        wall = time.perf_counter() - began
        return {"workers": workers, "jobs": len(jobs), "video_seconds": 12 * len(jobs), "wall_seconds": round(wall, 1),
                "video_seconds_per_wall_second": round(12 * len(jobs) / wall, 2), "statuses": statuses}
    finally:
        server.stop()


def _wait(client, jobs: list[tuple[str, str]]) -> list[str]:
    statuses = {}
    while len(statuses) < len(jobs):
        for get, job in jobs:
            if job not in statuses:
                status = getattr(client, get)(JobId=job, MaxResults=1)["JobStatus"]
                if status != "IN_PROGRESS":
                    statuses[job] = status
        time.sleep(0.1)
    return sorted(set(statuses.values()))


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["start", "throughput", "all"], default="all")
    parser.add_argument("--starts", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    results: dict = {"load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp) / "clip.mp4")
        if args.part in ("start", "all"):
            server = Server(0, Path(tmp) / "admit")
            try:
                video = server.upload("bench", "clip.mp4", clip)
                results["start_accepted"] = start_latency(server, video, args.starts, args.clients, 200000000000,
                                                          limit=10**6)
                results["start_rejected_at_limit"] = start_latency(server, video, args.starts, args.clients,
                                                                   300000000000, limit=1)
            finally:
                server.stop()
            server = Server(2, Path(tmp) / "busy")
            try:
                video = server.upload("bench", "clip.mp4", clip)
                busy = server.client("999999999999")
                server.set_limit("999999999999", 100)
                for api in ("StartLabelDetection", "StartTextDetection", "StartPersonTracking") * 2:
                    getattr(busy, _snake(api))(**_params(api, video))
                time.sleep(2)
                results["start_accepted_while_2_workers_analyse"] = start_latency(
                    server, video, args.starts // 2, args.clients, 400000000000, limit=10**6)
            finally:
                server.stop()
        if args.part in ("throughput", "all"):
            results["throughput_1_worker"] = throughput(1, clip, Path(tmp) / "w1")
            results["throughput_2_workers"] = throughput(2, clip, Path(tmp) / "w2")
    results["load_average_at_end"] = os.getloadavg()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
