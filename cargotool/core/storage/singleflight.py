"""Single flight over Redis: for one key, at most one producer at a time across every process.

`run(key, read, produce)` returns `read()` when it has a value; otherwise exactly one caller (first
within its process — concurrent callers in a process share one task — then across processes, by a
`SET NX PX` lock) calls `produce()`, which stores its result where `read()` finds it. Callers in other
processes wait for the producer's "done" message on a pub/sub channel, then `read()` again; a timeout
re-check covers a producer that died holding the lock: the lock's TTL is short (`LOCK_TTL_SECONDS`)
and renewed by a live producer, so a killed worker delays the others by seconds. No polling loop.
`read()` may raise to end the wait (e.g. a remembered failure).

One pub/sub connection per process serves every waiting key: a listener task wakes the waiters of
the key named in each message.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Awaitable, Callable, Generic, TypeVar

import redis.asyncio as aioredis

from ..errors import UpstreamUnavailable
from ..observability.metrics import SINGLE_FLIGHT_WAITS

log = logging.getLogger(__name__)

T = TypeVar("T")

# Delete KEYS[1] (and any further KEYS) only while KEYS[1] still holds ARGV[1].
COMPARE_AND_DELETE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', unpack(KEYS))
  return 1
end
return 0
"""

# Extend KEYS[1] to ARGV[2] ms only while it still holds ARGV[1] (the producer's heartbeat).
COMPARE_AND_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""

# The lock lives this long unless its producer renews it: a producer that dies (kill -9) blocks the other
# workers' waiters for at most this long, not for the whole fetch budget.
LOCK_TTL_SECONDS = 3.0


class SingleFlight(Generic[T]):
    def __init__(self, redis: aioredis.Redis, *, lock_timeout: float, channel: str) -> None:
        self._redis = redis
        self._lock_timeout = lock_timeout
        self._channel = channel
        self._release = redis.register_script(COMPARE_AND_DELETE)
        self._extend = redis.register_script(COMPARE_AND_EXTEND)
        self._inflight: dict[str, asyncio.Task[T]] = {}
        self._waiters: dict[str, set[asyncio.Future]] = {}
        self._listener: asyncio.Task | None = None
        self._listening: asyncio.Event | None = None

    async def run(self, key: str, read: Callable[[], Awaitable[T | None]], produce: Callable[[], Awaitable[T]]) -> T:
        value = await read()
        if value is not None:
            return value
        task = self._inflight.get(key)
        if task is None or task.done():
            task = asyncio.ensure_future(self._acquire(key, read, produce))
            self._inflight[key] = task
            task.add_done_callback(lambda t, k=key: self._forget(k, t))
        else:
            SINGLE_FLIGHT_WAITS.labels("process").inc()
        return await asyncio.shield(task)

    async def aclose(self) -> None:
        if self._listener is not None and not self._listener.done():
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):
                pass

    def _forget(self, key: str, task: asyncio.Task) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # mark retrieved: waiters got it through the shield

    async def _acquire(self, key, read, produce) -> T:
        lock_key = f"{key}:lock"
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + 2 * self._lock_timeout
        while True:
            value = await read()
            if value is not None:
                return value
            if await self._redis.set(lock_key, owner, nx=True, px=int(LOCK_TTL_SECONDS * 1000)):
                heartbeat = asyncio.ensure_future(self._renew(lock_key, owner))
                try:
                    value = await read()  # someone may have finished just before we took the lock
                    if value is not None:
                        return value
                    return await produce()
                finally:
                    heartbeat.cancel()
                    await asyncio.gather(heartbeat, return_exceptions=True)
                    await self._release(keys=[lock_key], args=[owner])
                    await self._redis.publish(self._channel, key)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise UpstreamUnavailable("Timed out waiting for another process to fetch from CargoTech")
            SINGLE_FLIGHT_WAITS.labels("cluster").inc()
            value = await self._wait(key, lock_key, read, remaining)
            if value is not None:
                return value

    async def _renew(self, lock_key: str, owner: str) -> None:
        """Keep the lock while this producer lives (a third of the TTL between renewals)."""
        try:
            while True:
                await asyncio.sleep(LOCK_TTL_SECONDS / 3)
                await self._extend(keys=[lock_key], args=[owner, int(LOCK_TTL_SECONDS * 1000)])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Redis away: the lock may lapse, at worst a second producer runs
            log.warning("single-flight lock renewal stopped: %s", type(exc).__name__)

    async def _wait(self, key: str, lock_key: str, read, remaining: float) -> T | None:
        """Wait for the holder of `lock_key` to finish; register first, then re-check, so no wake-up
        can fall between the check and the wait."""
        await self._ensure_listener()
        wake = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, set()).add(wake)
        try:
            value = await read()
            if value is not None:
                return value
            pttl = await self._redis.pttl(lock_key)
            if not pttl or pttl <= 0:
                return None  # the lock is gone: try to take it
            try:
                await asyncio.wait_for(wake, timeout=min(remaining, pttl / 1000))
            except asyncio.TimeoutError:
                pass
            return None
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(wake)
                if not waiters:
                    del self._waiters[key]

    async def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listening = asyncio.Event()
            self._listener = asyncio.ensure_future(self._listen(self._listening))
        await self._listening.wait()

    async def _listen(self, listening: asyncio.Event) -> None:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(self._channel)
            listening.set()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=30)
                if message is None:
                    continue
                for wake in self._waiters.pop(message.get("data"), ()):
                    if not wake.done():
                        wake.set_result(None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # waiters fall back on their timeouts; the next wait restarts us
            log.warning("single-flight listener stopped: %s", type(exc).__name__)
        finally:
            listening.set()
            try:
                await pubsub.aclose()
            except Exception:
                pass
