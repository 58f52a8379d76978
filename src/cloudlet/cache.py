"""A read-mostly cache for the event loop ("The Mutex"): a missing key is loaded once however many
requests ask for it at the same moment (single flight), and an invalidation that lands while a load is in
flight wins: the stale result answers the requests already waiting, but is never stored."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class ReadMostlyCache(Generic[V]):
    def __init__(self, loader: Callable[[Any], Awaitable[V | None]], max_entries: int = 100_000) -> None:
        self._loader = loader
        self._values: dict[Hashable, V] = {}
        self._inflight: dict[Hashable, asyncio.Future] = {}
        self._generation: dict[Hashable, int] = {}
        self._max = max_entries
        self.loads = 0  # how many times the loader really ran (for tests)

    async def get(self, key: Hashable) -> V | None:
        if key in self._values:
            return self._values[key]
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        generation = self._generation.get(key, 0)
        try:
            self.loads += 1
            value = await self._loader(key)
        except BaseException as exc:
            self._inflight.pop(key, None)
            fut.set_exception(exc)
            fut.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        self._inflight.pop(key, None)
        if value is not None and self._generation.get(key, 0) == generation:
            if len(self._values) >= self._max:
                self._values.pop(next(iter(self._values)))
            self._values[key] = value
        fut.set_result(value)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._generation[key] = self._generation.get(key, 0) + 1
        self._values[key] = value

    def invalidate(self, key: Hashable) -> None:
        self._generation[key] = self._generation.get(key, 0) + 1
        self._values.pop(key, None)

    def clear(self) -> None:
        for key in list(self._values) + list(self._inflight):
            self.invalidate(key)
