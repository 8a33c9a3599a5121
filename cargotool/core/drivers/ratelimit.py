"""Token buckets in Redis: one atomic script call per request, shared by every worker.

A bucket holds up to `burst` tokens and refills at `per_minute / 60` tokens a second; a request takes
one token or is refused with the seconds until one is available.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import redis.asyncio as aioredis

from ..errors import CargotoolError
from ..storage.redis import Keys

# take(key, capacity, rate, now) -> {allowed 0|1, seconds to wait as text}; shared with sessions.py.
BUCKET_LUA = """
local function take(key, capacity, rate, now)
  local state = redis.call('hmget', key, 'tokens', 'at')
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
  redis.call('hset', key, 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('expire', key, math.ceil(capacity / rate) + 1)
  return {allowed, tostring(wait)}
end
"""

_TAKE = BUCKET_LUA + "return take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))"


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

    def args(self) -> list[str]:
        """capacity, refill per second, now — the script's arguments."""
        return [*self._fixed_args, f"{time.time():.3f}"]

    @cached_property
    def _fixed_args(self) -> tuple[str, str]:  # every API request passes these: formatted once
        return str(self.burst), repr(self.per_minute / 60.0)


class RateLimiter:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._keys = keys
        self._take = redis.register_script(_TAKE)

    async def check(self, bucket: str, limit: Limit) -> None:
        """Take one token from `bucket` or raise RateLimited."""
        allowed, wait = await self._take(keys=[self._keys("ratelimit:" + bucket)], args=limit.args())
        if not int(allowed):
            raise RateLimited(float(wait))
