"""Single flight over Redis: for one key, at most one producer at a time across every process.

`run(key, read, produce)` returns `read()` when it has a value; otherwise exactly one caller (first
within its process — concurrent callers in a process share one task — then across processes, by a
`SET NX PX` lock) calls `produce()`, which stores its result where `read()` finds it. The other
processes subscribe to a channel and wait for the producer's "done" message, then `read()` again; a
timeout re-check covers a producer that died holding the lock (it only costs the lock's TTL).
No polling loop. `read()` may raise to end the wait (e.g. a remembered failure).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Awaitable, Callable, Generic, TypeVar

import redis.asyncio as aioredis

from ..errors import UpstreamUnavailable

T = TypeVar("T")

# Delete KEYS[1] (and any further KEYS) only while KEYS[1] still holds ARGV[1].
COMPARE_AND_DELETE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', unpack(KEYS))
  return 1
end
return 0
"""


class SingleFlight(Generic[T]):
    def __init__(self, redis: aioredis.Redis, *, lock_timeout: float, channel: str) -> None:
        self._redis = redis
        self._lock_timeout = lock_timeout
        self._channel = channel
        self._release = redis.register_script(COMPARE_AND_DELETE)
        self._inflight: dict[str, asyncio.Task[T]] = {}

    async def run(self, key: str, read: Callable[[], Awaitable[T | None]], produce: Callable[[], Awaitable[T]]) -> T:
        value = await read()
        if value is not None:
            return value
        task = self._inflight.get(key)
        if task is None or task.done():
            task = asyncio.ensure_future(self._acquire(key, read, produce))
            self._inflight[key] = task
            task.add_done_callback(lambda t, k=key: self._forget(k, t))
        return await asyncio.shield(task)

    def _forget(self, key: str, task: asyncio.Task) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # mark retrieved: waiters got it through the shield

    async def notify(self, key: str) -> None:
        """Wake the waiters of `key` (the producer calls this after storing, or after failing)."""
        await self._redis.publish(self._channel, key)

    async def _acquire(self, key, read, produce) -> T:
        lock_key = f"{key}:lock"
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + 2 * self._lock_timeout
        pubsub = None
        try:
            while True:
                value = await read()
                if value is not None:
                    return value
                if await self._redis.set(lock_key, owner, nx=True, px=int(self._lock_timeout * 1000)):
                    try:
                        value = await read()  # someone may have finished just before we took the lock
                        if value is not None:
                            return value
                        return await produce()
                    finally:
                        await self._release(keys=[lock_key], args=[owner])
                        await self.notify(key)
                if pubsub is None:  # subscribe, then loop to re-check: no wake-up can be missed
                    pubsub = self._redis.pubsub()
                    await pubsub.subscribe(self._channel)
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise UpstreamUnavailable("Timed out waiting for another process to fetch from CargoTech")
                pttl = await self._redis.pttl(lock_key)
                await self._wait(pubsub, key, min(remaining, max(0.05, pttl / 1000) if pttl and pttl > 0 else 0.05))
        finally:
            if pubsub is not None:
                await pubsub.aclose()

    @staticmethod
    async def _wait(pubsub, key: str, timeout: float) -> None:
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None and message.get("data") == key:
                return
