"""The queue service as the server runs it: store, engine and SQS front end wired together."""

from __future__ import annotations

from typing import Any

from ..store.sqlite_queues import SqliteQueueStore
from .api import SqsApi
from .engine import QueueEngine
from ..runtime import EngineService


class QueueService(EngineService):
    name = "queues"
    aws_name = "sqs"

    def __init__(self, cloudlet: Any) -> None:
        self.store = SqliteQueueStore(cloudlet.db)
        self.engine = QueueEngine(self.store)
        self.api = SqsApi(self.engine)

