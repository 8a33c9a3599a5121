"""Token buckets in Redis: one atomic script call per request, shared by every worker.

A bucket holds up to `burst` tokens and refills at `per_minute / 60` tokens a second; a request takes
one token or is refused with the seconds until one is available.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis.asyncio as aioredis

from ..errors import CargotoolError
from ..storage.redis import Keys

_TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('hmget', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('hset', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('expire', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(wait)}
"""


class RateLimited(CargotoolError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, retry_after: float) -> None:
        super().__init__("Слишком много запросов, попробуйте через несколько секунд")
        self.retry_after = max(1, int(retry_after + 0.999))


@dataclass(frozen=True)
class Limit:
    per_minute: int
    burst: int


class RateLimiter:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._keys = keys
        self._take = redis.register_script(_TAKE)

    async def check(self, bucket: str, limit: Limit) -> None:
        """Take one token from `bucket` or raise RateLimited."""
        allowed, wait = await self._take(
            keys=[self._keys("ratelimit:" + bucket)],
            args=[limit.burst, limit.per_minute / 60.0, f"{time.time():.3f}"],
        )
        if not int(allowed):
            raise RateLimited(float(wait))
