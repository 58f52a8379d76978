"""Blob events to SNS topics, a Cloudlet extension: CLOUDLET_BLOB_EVENT_TOPICS maps containers to topic ARNs,
`container=arn` or `account/container=arn` (`*` for every container), separated by commas or semicolons.
Each committed BlobCreated / BlobDeleted event (Event Grid schema) is published to the container's topic as
the message body, so SQS queues and HTTP endpoints subscribed to it can react to uploads."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from ..azure.accounts import DEV_ACCOUNT

log = logging.getLogger("cloudlet.blobs.events")


class EventTopics:
    def __init__(self, spec: str | None = None) -> None:
        spec = os.environ.get("CLOUDLET_BLOB_EVENT_TOPICS", "") if spec is None else spec
        self.routes: dict[tuple[str, str], str] = {}
        for item in filter(None, (p.strip() for p in spec.replace(";", ",").split(","))):
            where, _, arn = item.partition("=")
            account, _, container = where.strip().rpartition("/")
            self.routes[(account or DEV_ACCOUNT, container)] = arn.strip()

    def __bool__(self) -> bool:
        return bool(self.routes)

    def topic_for(self, account: str, container: str) -> str | None:
        return self.routes.get((account, container)) or self.routes.get((account, "*"))


def publisher(topics: EventTopics, cloudlet: Any):
    """The events subscriber: publish each event to its container's topic (if one is configured)."""
    from ..objects import TopicPublisher

    sns = TopicPublisher(cloudlet)

    async def publish(event: dict[str, Any]) -> None:
        account = event["topic"].rsplit("/", 1)[-1]
        container = event["subject"].split("/containers/", 1)[1].split("/blobs/", 1)[0]
        arn = topics.topic_for(account, container)
        if arn and not await sns.publish(arn, json.dumps(event)):
            log.warning("blob event for %s/%s not published: no topic %s", account, container, arn)

    return publish
