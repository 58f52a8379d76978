"""Containers: create, delete, properties and metadata, access policies, leases, listing; service properties."""

from __future__ import annotations

from typing import Any

from ..azure.errors import StorageError
from . import leases
from .conditions import Conditions
from .core import EngineCore
from .models import Container, Page
from .names import check_container, check_metadata

PUBLIC_ACCESS = {None, "", "container", "blob"}


class ContainerOps(EngineCore):
    async def create_container(self, account: str, name: str, metadata: dict[str, str],
                               public_access: str | None) -> Container:
        check_container(name)
        check_metadata(metadata)
        if public_access not in PUBLIC_ACCESS:
            raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "x-ms-blob-public-access",
                                                                 "HeaderValue": public_access or ""})
        etag, now = self.clock.etag(), self.clock.now()

        def run(tx: Any) -> Container:
            if tx.get_container(account, name) is not None:
                raise StorageError(409, "ContainerAlreadyExists")
            tx.insert_container(account, name, etag, now, metadata, public_access or None)
            return tx.get_container(account, name)

        return await self.tx_write(run)

    async def get_container(self, account: str, name: str, lease_id: str | None = None) -> Container:
        container = await self.tx_read(self.container_or_404, account, name)
        leases.check_read(container.lease, lease_id, self.clock.now(), "Container")
        container.lease = leases.current(container.lease, self.clock.now())
        return container

    async def delete_container(self, account: str, name: str, conditions: Conditions, lease_id: str | None) -> None:
        now = self.clock.now()

        def run(tx: Any) -> tuple[None, list[str]]:
            container = self.container_or_404(tx, account, name)
            if conditions.if_match or conditions.if_none_match:
                raise StorageError(400, "UnsupportedHeader", "One of the HTTP headers specified in the request is "
                                                             "not supported.")
            conditions.check(container.etag, container.last_modified)
            leases.check_write(container.lease, lease_id, now, "Container")
            return None, tx.release(tx.delete_container(container.id))

        await self.commit_with_files([], run)

    async def update_container(self, account: str, name: str, conditions: Conditions, lease_id: str | None,
                               **fields: Any) -> Container:
        """Set metadata, or the access policy (acl + public_access); a new ETag either way."""
        if "metadata" in fields:
            check_metadata(fields["metadata"])
        if fields.get("public_access", None) not in PUBLIC_ACCESS:
            raise StorageError(400, "InvalidHeaderValue", extra={"HeaderName": "x-ms-blob-public-access"})
        etag, now = self.clock.etag(), self.clock.now()

        def run(tx: Any) -> Container:
            container = self.container_or_404(tx, account, name)
            conditions.check(container.etag, container.last_modified)
            if lease_id or "acl" not in fields:
                leases.check_read(container.lease, lease_id, now, "Container")
            tx.update_container(container.id, etag=etag, last_modified=now, **fields)
            return tx.get_container(account, name)

        return await self.tx_write(run)

    async def lease_container(self, account: str, name: str, action: str, conditions: Conditions,
                              lease_id: str | None, proposed: str | None, duration: str | None,
                              break_period: str | None) -> tuple[Container, int | None]:
        now = self.clock.now()

        def run(tx: Any) -> tuple[Container, int | None]:
            container = self.container_or_404(tx, account, name)
            conditions.check(container.etag, container.last_modified)
            lease, left = leases.apply(container.lease, action, now, lease_id, proposed, duration, break_period)
            tx.update_container(container.id, lease=lease)
            container.lease = lease
            return container, left

        return await self.tx_write(run)

    async def list_containers(self, account: str, prefix: str, marker: str, limit: int) -> Page:
        rows: list[Container] = await self.tx_read(lambda tx: tx.list_containers(account, prefix, marker, limit + 1))
        now = self.clock.now()
        for c in rows:
            c.lease = leases.current(c.lease, now)
        if len(rows) > limit:
            return Page(rows[:limit], next_marker=rows[limit].name)
        return Page(rows)

    async def container_access(self, account: str, name: str) -> Container | None:
        """The container's public access level and stored access policies, for authorization."""
        return await self.tx_read(lambda tx: tx.get_container(account, name))

    # -- service properties ------------------------------------------------------------------------
    async def get_service_properties(self, account: str) -> dict[str, Any]:
        cached = self._service_cache.get(account)
        if cached is None:
            cached = await self.tx_read(lambda tx: tx.get_service_properties(account)) or {}
            self._service_cache[account] = cached
        return cached

    async def set_service_properties(self, account: str, properties: dict[str, Any]) -> None:
        current = dict(await self.get_service_properties(account))
        elements = {**current.get("elements", {}), **properties.get("elements", {})}
        current.update(properties)
        current["elements"] = elements
        await self.tx_write(lambda tx: tx.set_service_properties(account, current))
        self._service_cache[account] = current

    _service_cache: dict[str, dict[str, Any]]

