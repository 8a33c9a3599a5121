"""A lease in Redis: at most one holder at a time across every worker and machine.

The holder renews it well before it runs out; when the holder dies the key simply expires and the next
instance that asks gets it — within `ttl` seconds. Renewal and release compare the holder's token first
(one Lua call each), so a holder that lost the lease can never extend or delete someone else's.
"""

from __future__ import annotations

import os
import socket
import uuid

import redis.asyncio as aioredis

_ACQUIRE = """
local current = redis.call('get', KEYS[1])
if current == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if not current then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Lease:
    def __init__(self, redis: aioredis.Redis, key: str, ttl: float, holder: str | None = None) -> None:
        self._redis = redis
        self.key = key
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # says who, for operators
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)

    async def hold(self) -> bool:
        """Take the lease if it is free, renew it if it is ours; False when someone else holds it."""
        return bool(int(await self._acquire(keys=[self.key], args=[self.holder, int(self.ttl * 1000)])))

    async def release(self) -> None:
        await self._release(keys=[self.key], args=[self.holder])

    async def holder_now(self) -> str | None:
        value = await self._redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value
