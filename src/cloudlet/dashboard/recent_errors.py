"""The last warnings and errors the server logged, kept in memory for the Overview page."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class LoggedError:
    at_ms: int
    level: str
    logger: str
    message: str


class RecentErrors(logging.Handler):
    """A bounded ring of WARNING+ records from Cloudlet's loggers and uvicorn's (bad HTTP requests); any
    thread may log into it."""

    LOGGERS = ("cloudlet", "uvicorn.error")

    def __init__(self, capacity: int = 200) -> None:
        super().__init__(logging.WARNING)
        self._records: deque[LoggedError] = deque(maxlen=capacity)
        self._lock_ring = threading.Lock()
        self.total = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        except Exception:  # a malformed log call must not break the request that logged it
            text = str(record.msg)
        with self._lock_ring:
            self._records.append(LoggedError(int(record.created * 1000), record.levelname, record.name, text[:2000]))
            self.total += 1

    def latest(self, limit: int = 20) -> list[LoggedError]:
        with self._lock_ring:
            items = list(self._records)
        return items[::-1][:limit]

    def install(self) -> "RecentErrors":
        """Idempotent: called again on requests, since uvicorn's logging set-up replaces its loggers' handlers."""
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            if self not in logger.handlers:
                logger.addHandler(self)
        return self

    def uninstall(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)
