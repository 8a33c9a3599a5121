"""At most `limit` takes in any `period` seconds, shared by every process (one atomic script call).

Each take is remembered for `period` (a Redis sorted set scored by time), so a spent unit comes back
exactly `period` after it was spent. A calendar-minute counter lets twice the limit through across a
minute boundary; a token bucket holding the whole limit and refilling it every period does too (a full
bucket, then a period of refill). A bucket that never does (capacity + refill per period = limit) can
spend only its capacity at once, a fraction of the limit. This gives the whole limit whenever the last
`period` seconds have room for it, and never more. The caller passes the time, so tests need not wait.
"""

from __future__ import annotations

import os
import time

import redis.asyncio as aioredis

# KEYS[1] the set; ARGV: limit, period, now, a unique member -> {taken 0|1, seconds until room, as text}
_TAKE = """
local limit, period, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - period)
if redis.call('zcard', KEYS[1]) < limit then
  redis.call('zadd', KEYS[1], now, ARGV[4])
  redis.call('pexpire', KEYS[1], math.ceil(period * 1000) + 1000)
  return {1, '0'}
end
local oldest = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + period - now)}
"""


class RollingBudget:
    def __init__(self, redis: aioredis.Redis, key: str, *, limit: int, period: float = 60.0) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a budget needs a limit of at least 1 and a positive period")
        self._redis = redis
        self.key = key
        self.limit = limit
        self.period = period
        self._take = redis.register_script(_TAKE)

    async def take(self, now: float | None = None) -> tuple[bool, float]:
        """Spend one unit at `now` (default: the wall clock): (taken, seconds until there is room)."""
        now = time.time() if now is None else now
        taken, wait = await self._take(keys=[self.key], args=[self.limit, repr(self.period), f"{now:.6f}",
                                                               f"{now:.6f}:{os.urandom(6).hex()}"])
        return bool(int(taken)), float(wait)

    async def spent(self, now: float | None = None) -> int:
        """Units spent in the `period` up to `now`."""
        now = time.time() if now is None else now
        return int(await self._redis.zcount(self.key, f"({now - self.period:.6f}", f"{now:.6f}"))

    async def room_in(self, units: int = 1, now: float | None = None) -> float:
        """Seconds from `now` until `units` units are free (0: they are now; never more than `period`)."""
        now = time.time() if now is None else now
        units = min(max(1, units), self.limit)
        spent = await self._redis.zrangebyscore(self.key, f"({now - self.period:.6f}", "+inf", withscores=True)
        over = len(spent) + units - self.limit  # this many of the oldest must leave first
        if over <= 0:
            return 0.0
        return max(0.0, float(spent[over - 1][1]) + self.period - now)
