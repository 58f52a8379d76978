"""The running Cloudlet: settings, the database, and each service's engine, started and stopped together."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any, Protocol

from .config import Settings
from .store.database import Database


class Service(Protocol):
    name: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def reset(self) -> None: ...


async def cancel_and_wait(*tasks: asyncio.Task | None) -> None:
    """Stop background tasks: cancel each (None: never started) and wait until all have ended. What they raise
    on the way out is dropped: the service is stopping whatever they were doing."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


class EngineService:
    """A service whose lifecycle is its engine's; the AWS services also answer through their front end `api`."""

    engine: Any
    api: Any

    async def start(self) -> None:
        await self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()

    async def reset(self) -> None:
        await self.engine.reset()

    async def handle_aws(self, operation: str, params: dict[str, Any], ctx: Any, request: Any) -> Any:
        return await self.api.call(operation, params, ctx)


class Cloudlet:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.started_at = time.time()
        self.data_dir: Path | None = None if settings.in_memory else settings.resolved_data_dir()
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(None if self.data_dir is None else self.data_dir / "cloudlet.db", sync=settings.sync)
        self.services: dict[str, Any] = {}

    def add(self, service: Any) -> Any:
        self.services[service.name] = service
        return service

    def files_dir(self, name: str) -> Path:
        """A directory for a service's files; in-memory mode gets a temporary one."""
        if self.data_dir is None:
            import tempfile

            if not hasattr(self, "_tmp"):
                self._tmp = Path(tempfile.mkdtemp(prefix="cloudlet-mem-"))
            base = self._tmp
        else:
            base = self.data_dir
        path = base / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def start(self) -> None:
        self.db.start()
        for service in self.services.values():
            await service.start()

    async def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            await service.stop()
        self.db.close()
        if hasattr(self, "_tmp"):
            shutil.rmtree(self._tmp, ignore_errors=True)

    async def reset(self) -> None:
        for service in self.services.values():
            await service.reset()
