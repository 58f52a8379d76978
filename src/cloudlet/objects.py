"""One object store seen from AWS: where an account's S3 bucket lives among the blob store's containers,
how to read an object's bytes, and how to publish an event to a topic.

By default an AWS account's buckets are the containers of the development storage account, so an object
uploaded with azure-storage-blob to container `videos` is S3Object {"Bucket": "videos", "Name": ...}.
CLOUDLET_S3_BUCKETS overrides that per bucket, as comma-separated `bucket=storageaccount/container` (or
`account:bucket=storageaccount/container` for one AWS account only); CLOUDLET_S3_STORAGE_ACCOUNT changes
the default storage account. An S3Object's Version names a snapshot of the blob."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .azure.errors import StorageError

DEV_STORAGE_ACCOUNT = "devstoreaccount1"


class ObjectNotFound(Exception):
    """The bucket or object does not exist (or the named version does not)."""


@dataclass(frozen=True)
class Location:
    storage_account: str
    container: str


class BucketMap:
    """AWS (account, bucket) -> (storage account, container). The one place that mapping lives."""

    def __init__(self, spec: str | None = None, default_storage_account: str | None = None) -> None:
        spec = os.environ.get("CLOUDLET_S3_BUCKETS", "") if spec is None else spec
        self.default_storage_account = default_storage_account or os.environ.get(
            "CLOUDLET_S3_STORAGE_ACCOUNT", DEV_STORAGE_ACCOUNT)
        self.overrides: dict[tuple[str | None, str], Location] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            left, _, right = item.partition("=")
            account, _, bucket = left.rpartition(":")
            storage, _, container = right.partition("/")
            self.overrides[(account or None, bucket)] = Location(storage, container or bucket)

    def locate(self, account: str, bucket: str) -> Location:
        found = self.overrides.get((account, bucket)) or self.overrides.get((None, bucket))
        return found or Location(self.default_storage_account, bucket)


class ObjectStore:
    """Reads S3-addressed objects from Cloudlet's blob service."""

    def __init__(self, cloudlet: Any, buckets: BucketMap | None = None) -> None:
        self.cloudlet = cloudlet
        self.buckets = buckets or BucketMap()

    def _blobs(self) -> Any:
        service = self.cloudlet.services.get("blobs")
        if service is None:
            raise ObjectNotFound("no blob service is running")
        return getattr(service, "engine", service)

    async def exists(self, account: str, bucket: str, key: str, version: str | None = None) -> int:
        """The object's size; raises ObjectNotFound."""
        where = self.buckets.locate(account, bucket)
        try:
            blob = await self._blobs().blob_properties(where.storage_account, where.container, key, version or "")
        except StorageError as exc:
            raise _not_found(exc, key) from None
        return int(blob.size)

    async def copy_to(self, account: str, bucket: str, key: str, version: str | None, target: Path) -> None:
        """Write the object's bytes to `target` (a local file the analysis workers can open)."""
        where = self.buckets.locate(account, bucket)
        engine = self._blobs()
        from .blobs.conditions import Conditions

        try:
            blob, start, end = await engine.open_blob(where.storage_account, where.container, key, version or "",
                                                      None, Conditions(), None, None)
        except StorageError as exc:
            raise _not_found(exc, key) from None
        handle = await asyncio.to_thread(open, target, "wb")
        try:
            async for chunk in engine.content(blob, start, end):
                await asyncio.to_thread(handle.write, chunk)
        finally:
            await asyncio.to_thread(handle.close)


def _not_found(exc: StorageError, key: str) -> Exception:
    """The blob store's missing container or blob (or a bad snapshot id, or an archived blob) is a missing
    object to S3's callers; anything else is a real failure."""
    return ObjectNotFound(key) if exc.status in (400, 404, 409) else exc


class TopicPublisher:
    """Publishes a message to a Cloudlet SNS topic by ARN, as an SNS Publish from the topic's own account, so
    filter policies, fan-out to SQS and HTTP, and durability are the topic service's own."""

    def __init__(self, cloudlet: Any) -> None:
        self.cloudlet = cloudlet

    async def publish(self, topic_arn: str, message: str) -> bool:
        """True when the topic took the message; False when there is no such topic or no topics service."""
        from .aws.context import RequestContext
        from .aws.errors import AwsError

        service = self.cloudlet.services.get("topics")
        parts = topic_arn.split(":")
        if service is None or len(parts) < 6:
            return False
        settings = self.cloudlet.settings
        ctx = RequestContext(account=parts[4], region=parts[3], host=f"{settings.host}:{settings.port}",
                             scheme="http", protocol="query")
        try:
            await service.handle_aws("Publish", {"TopicArn": topic_arn, "Message": message}, ctx, None)
        except AwsError:
            return False
        return True
