"""Token buckets in Redis: one atomic script call takes a token, shared by every process.

A bucket holds up to `capacity` tokens and refills at `per_second`; a take gets one token or is refused
with the seconds until one is there. The caller passes the time (`now`), so several buckets in one
script agree on it and tests can drive a bucket through hours without waiting. The drivers' rate limit,
the outbox's pacing and the alert watcher's CargoTech budget are built on it.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

# take(key, capacity, rate, now) -> {allowed 0|1, seconds to wait as text}; other scripts include it.
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

TAKE_LUA = BUCKET_LUA + "return take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))"


class TokenBucket:
    """One named bucket: `await bucket.take()` → (taken, seconds until a token is there)."""

    def __init__(self, redis: aioredis.Redis, key: str, *, capacity: float, per_second: float) -> None:
        if capacity < 1 or per_second <= 0:
            raise ValueError("a bucket needs a capacity of at least 1 and a positive refill rate")
        self.key = key
        self.capacity = capacity
        self.per_second = per_second
        self._take = redis.register_script(TAKE_LUA)

    async def take(self, now: float | None = None) -> tuple[bool, float]:
        now = time.time() if now is None else now
        allowed, wait = await self._take(keys=[self.key], args=[repr(float(self.capacity)), repr(self.per_second),
                                                                 f"{now:.3f}"])
        return bool(int(allowed)), float(wait)
