"""The queue service as the server runs it: store, engine and SQS front end wired together."""

from __future__ import annotations

from typing import Any

from ..aws.context import RequestContext
from ..store.sqlite_queues import SqliteQueueStore
from .api import SqsApi
from .engine import QueueEngine


class QueueService:
    name = "queues"
    aws_name = "sqs"

    def __init__(self, cloudlet: Any) -> None:
        self.store = SqliteQueueStore(cloudlet.db)
        self.engine = QueueEngine(self.store)
        self.api = SqsApi(self.engine)

    async def start(self) -> None:
        await self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()

    async def reset(self) -> None:
        await self.engine.reset()

    async def handle_aws(self, operation: str, params: dict[str, Any], ctx: RequestContext, request: Any):
        return await self.api.call(operation, params, ctx)
