"""The read-mostly cache ("The Mutex"): single-flight loads and invalidation that wins over a stale load."""

import asyncio

from cloudlet.cache import ReadMostlyCache


def test_concurrent_misses_load_once(run):
    async def main():
        calls = []

        async def loader(key):
            calls.append(key)
            await asyncio.sleep(0.05)
            return f"value-{key}"

        cache = ReadMostlyCache(loader)
        results = await asyncio.gather(*(cache.get("q") for _ in range(1000)))
        assert set(results) == {"value-q"}
        assert calls == ["q"]
        assert await cache.get("q") == "value-q"
        assert calls == ["q"]

    run(main())


def test_invalidation_during_load_is_not_overwritten_by_stale_value(run):
    async def main():
        version = {"v": 1}
        started = asyncio.Event()

        async def loader(key):
            seen = version["v"]
            started.set()
            await asyncio.sleep(0.05)
            return seen

        cache = ReadMostlyCache(loader)
        pending = asyncio.create_task(cache.get("k"))
        await started.wait()
        version["v"] = 2
        cache.invalidate("k")  # a write lands while the old value is being loaded
        assert await pending == 1  # the waiting request gets what it asked for...
        assert await cache.get("k") == 2  # ...but the stale value was never stored
        assert cache.loads == 2

    run(main())


def test_loader_error_reaches_every_waiter_and_is_not_cached(run):
    async def main():
        attempts = {"n": 0}

        async def loader(key):
            attempts["n"] += 1
            await asyncio.sleep(0.01)
            if attempts["n"] == 1:
                raise RuntimeError("store unavailable")
            return "ok"

        cache = ReadMostlyCache(loader)
        results = await asyncio.gather(*(cache.get("k") for _ in range(10)), return_exceptions=True)
        assert all(isinstance(r, RuntimeError) for r in results)
        assert await cache.get("k") == "ok"

    run(main())
