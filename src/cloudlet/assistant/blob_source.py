"""The indexer's view of a Cloudlet blob container: list, read, and hear about changes. The only module of the
assistant that knows the blob engine's API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

LIST_PAGE = 5000


@dataclass
class BlobItem:
    name: str
    etag: str
    size: int
    content_type: str
    last_modified: float


class BlobGone(LookupError):
    pass


class BlobTooLarge(ValueError):
    pass


class BlobSource:
    def __init__(self, blobs_service: Any) -> None:
        self.engine = blobs_service.engine

    def url(self, account: str, container: str, name: str) -> str:
        from urllib.parse import quote

        return f"{self.engine.base_url}/{account}/{container}/{quote(name)}"

    async def list(self, account: str, container: str, prefix: str = "") -> list[BlobItem]:
        from ..azure.errors import StorageError

        items: list[BlobItem] = []
        marker = ""
        while True:
            try:
                page = await self.engine.list_blobs(account, container, prefix, "", marker, LIST_PAGE, set())
            except StorageError as exc:
                raise BlobGone(f"container '{container}' of account '{account}': {exc}") from exc
            items.extend(_item(b) for b in page.items)
            marker = page.next_marker
            if not marker:
                return items

    async def read(self, account: str, container: str, name: str, limit: int) -> tuple[BlobItem, bytes]:
        from ..azure.errors import StorageError
        from ..blobs.conditions import Conditions

        try:
            blob, start, end = await self.engine.open_blob(account, container, name, "", None, Conditions(), None, None)
        except StorageError as exc:
            raise BlobGone(name) from exc
        if blob.size > limit:
            raise BlobTooLarge(f"'{name}' is {blob.size} bytes; the indexer extracts documents up to {limit} bytes")
        data = b"".join([chunk async for chunk in self.engine.content(blob, start, end)])
        return _item(blob), data

    def subscribe(self, fn: Callable[[str, str, str, str], Awaitable[None]]) -> Callable:
        """fn(kind, account, container, name), kind "created" or "deleted"; returns the handle to unsubscribe."""

        async def on_event(event: dict[str, Any]) -> None:
            subject = event.get("subject", "")
            marker = "/containers/"
            if marker not in subject or "/blobs/" not in subject:
                return
            container, name = subject.split(marker, 1)[1].split("/blobs/", 1)
            account = event.get("topic", "").rsplit("/", 1)[-1]
            kind = "deleted" if event.get("eventType", "").endswith("BlobDeleted") else "created"
            await fn(kind, account, container, name)

        self.engine.events.subscribe(on_event)
        return on_event

    def unsubscribe(self, handle: Callable) -> None:
        try:
            self.engine.events.unsubscribe(handle)
        except ValueError:
            pass


def _item(blob: Any) -> BlobItem:
    return BlobItem(blob.name, blob.etag, blob.size, blob.props.get("content_type", "") or "", blob.last_modified)
