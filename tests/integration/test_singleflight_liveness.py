"""The single-flight lock outlives a slow producer (renewed) but not a dead one (a short TTL)."""

from __future__ import annotations

import asyncio
import time

from cargotool.core.storage import singleflight
from cargotool.core.storage.singleflight import SingleFlight


async def test_a_producer_that_died_holding_the_lock_delays_others_by_the_short_ttl(redis, key_prefix, monkeypatch):
    monkeypatch.setattr(singleflight, "LOCK_TTL_SECONDS", 1.0)
    key = f"{key_prefix}value"
    await redis.set(f"{key}:lock", "a worker killed with kill -9", px=1000)  # nobody renews it
    flight = SingleFlight(redis, lock_timeout=25, channel=f"{key_prefix}events")

    async def read():
        return await redis.get(key)

    async def produce():
        await redis.set(key, "fresh")
        return "fresh"

    started = time.monotonic()
    assert await flight.run(key, read, produce) == "fresh"
    assert time.monotonic() - started < 2.5, "not the 25 s fetch budget"
    await flight.aclose()


async def test_a_slow_live_producer_keeps_its_lock(redis, key_prefix, monkeypatch):
    monkeypatch.setattr(singleflight, "LOCK_TTL_SECONDS", 0.6)
    key = f"{key_prefix}slow"
    produced = []
    workers = [SingleFlight(redis, lock_timeout=10, channel=f"{key_prefix}events") for _ in range(3)]

    async def read():
        return await redis.get(key)

    async def produce():
        produced.append(1)
        await asyncio.sleep(1.5)  # longer than the lock's TTL: only the renewals keep the others out
        await redis.set(key, "value")
        return "value"

    answers = await asyncio.gather(*(w.run(key, read, produce) for w in workers))
    assert answers == ["value"] * 3 and len(produced) == 1
    for worker in workers:
        await worker.aclose()
