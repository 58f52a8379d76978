"""Blob events, a Cloudlet extension: after a committed create or delete, each subscriber is called with the
event in Azure Event Grid's schema (Microsoft.Storage.BlobCreated / Microsoft.Storage.BlobDeleted).

Subscribers are async callables `fn(event: dict) -> None`; the SNS bridge (publish to a topic configured per
container) is one such subscriber. A failing subscriber is logged and never fails the blob operation."""

from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable

from ..aws.ids import uuid4_text
from ..azure.times import iso

log = logging.getLogger("cloudlet.blobs.events")
Subscriber = Callable[[dict[str, Any]], Awaitable[None]]


def blob_event(kind: str, api: str, account: str, container: str, name: str, *, base_url: str, etag: str = "",
               content_type: str = "", size: int = 0, blob_type: str = "BlockBlob", sequencer: int = 0,
               request_id: str = "", client_request_id: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"api": api, "clientRequestId": client_request_id, "requestId": request_id}
    if kind == "BlobCreated":
        data.update(eTag=etag, contentType=content_type, contentLength=size)
    else:
        data.update(contentType=content_type)
    data.update(blobType=blob_type, url=f"{base_url}/{account}/{container}/{name}", sequencer=f"{sequencer:032X}",
                storageDiagnostics={"batchId": uuid4_text()})
    return {
        "topic": f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/cloudlet/providers/"
                 f"Microsoft.Storage/storageAccounts/{account}",
        "subject": f"/blobServices/default/containers/{container}/blobs/{name}",
        "eventType": f"Microsoft.Storage.{kind}",
        "eventTime": iso(time.time()),
        "id": uuid4_text(),
        "data": data,
        "dataVersion": "",
        "metadataVersion": "1",
    }


class EventHub:
    def __init__(self) -> None:
        self.subscribers: list[Subscriber] = []

    def subscribe(self, fn: Subscriber) -> None:
        self.subscribers.append(fn)

    def unsubscribe(self, fn: Subscriber) -> None:
        self.subscribers.remove(fn)

    async def publish(self, event: dict[str, Any]) -> None:
        for fn in list(self.subscribers):
            try:
                await fn(event)
            except Exception:
                log.exception("blob event subscriber %r failed", fn)
