"""Video job fixtures: a Rekognition client per test on an account of its own (so quotas never interfere),
videos uploaded with azure-storage-blob to a container of the development storage account."""

from __future__ import annotations

import json
import random
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from . import media

ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def connection_string(blob_url: str) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={blob_url}/{ACCOUNT};")


def new_account() -> str:
    return str(random.randrange(10**11, 10**12))


def rekognition(url: str, account: str, retries: dict | None = None, validate: bool = True):
    """A boto3 client whose access key id is `account`; no retries unless asked (boto3 retries
    LimitExceededException by default); validate=False sends what botocore would refuse, to test the server."""
    import boto3
    from botocore.config import Config

    return boto3.client("rekognition", endpoint_url=url, region_name="us-east-1", aws_access_key_id=account,
                        aws_secret_access_key="secret",
                        config=Config(retries=retries or {"max_attempts": 1, "mode": "standard"},
                                      parameter_validation=validate))


def set_limit(url: str, account: str, limit: int) -> None:
    req = urllib.request.Request(f"{url}/_cloudlet/jobs/limits/{account}", method="PUT",
                                 data=json.dumps({"limit": limit}).encode())
    urllib.request.urlopen(req, timeout=10).read()


def overview(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_cloudlet/jobs", timeout=10) as resp:
        return json.load(resp)


def upload(blob_url: str, container: str, name: str, path: Path) -> None:
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(connection_string(blob_url), retry_total=0)
    client = service.get_container_client(container)
    if not client.exists():
        client.create_container()
    with open(path, "rb") as handle:
        client.upload_blob(name, handle, overwrite=True)


def wait(client, get: str, job_id: str, timeout: float = 60.0, **kwargs) -> dict:
    deadline = time.time() + timeout
    while True:
        result = getattr(client, get)(JobId=job_id, **kwargs)
        if result["JobStatus"] != "IN_PROGRESS" or time.time() > deadline:
            return result
        time.sleep(0.2)


class Videos:
    """Test videos made once per session and uploaded once per server into container `videos-<id>`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.container = f"videos-{uuid.uuid4().hex[:12]}"
        self.uploaded: set[tuple[str, str]] = set()

    def path(self, name: str) -> Path:
        target = self.directory / name
        if not target.exists():
            getattr(media, name.removesuffix(".mp4"))(target)
        return target

    def s3(self, server, name: str) -> dict:
        if (server.blob_url, name) not in self.uploaded:
            upload(server.blob_url, self.container, name, self.path(name))
            self.uploaded.add((server.blob_url, name))
        return {"S3Object": {"Bucket": self.container, "Name": name}}


@pytest.fixture(scope="session")
def videos(tmp_path_factory) -> Videos:
    return Videos(tmp_path_factory.mktemp("videos"))


@pytest.fixture
def account() -> str:
    return new_account()


@pytest.fixture
def rek(server, account):
    return rekognition(server.url, account)


@pytest.fixture
def raw(server, account):
    """The same account without botocore's own checks of lengths and ranges."""
    return rekognition(server.url, account, validate=False)
