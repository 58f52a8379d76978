"""Shared fixtures: a real Cloudlet server process on free ports, and real SDK clients pointed at it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`cloudlet serve` in a child process; start(), kill() (SIGKILL), stop() (SIGINT), restart."""

    def __init__(self, data_dir: Path, in_memory: bool = False, extra_args: list[str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.blob_port = free_port()
        self.in_memory = in_memory
        self.extra_args = extra_args or []
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def blob_url(self) -> str:
        return f"http://127.0.0.1:{self.blob_port}"

    def start(self, timeout: float = 15.0) -> "ServerProcess":
        args = [sys.executable, "-m", "cloudlet", "serve", "--port", str(self.port), "--blob-port",
                str(self.blob_port), "--data-dir", str(self.data_dir), "--log-level", "warning", *self.extra_args]
        if self.in_memory:
            args.append("--in-memory")
        env = {**os.environ, **self.env}
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_cloudlet/health", timeout=1) as resp:
                    if json.load(resp).get("status") == "ready":
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server not ready in {timeout}s: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                return self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                return -9
        return self.proc.returncode if self.proc else 0

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.url}/_cloudlet/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> ServerProcess:
    """One server for the whole session; tests that need a clean slate call server.reset()."""
    proc = ServerProcess(tmp_path_factory.mktemp("cloudlet-data") / "data").start()
    yield proc
    proc.stop()


@pytest.fixture
def fresh_server(tmp_path) -> ServerProcess:
    """A server of the test's own, for crash and restart tests."""
    proc = ServerProcess(tmp_path / "data")
    yield proc
    proc.kill()


def aws_client(service: str, endpoint: str, access_key: str = "AKIAIOSFODNN7EXAMPLE", **kwargs):
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=access_key,
                        aws_secret_access_key="secret",
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, **kwargs))


@pytest.fixture
def sqs(server):
    return aws_client("sqs", server.url)


@pytest.fixture
def sns(server):
    return aws_client("sns", server.url)
