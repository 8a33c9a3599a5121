"""How often DaData may be asked, shared by every process through Redis: a daily cap (the free plan allows about
10 000 requests a day) and a pause after failures, so a wrong key or an outage is not hammered.

- `company:calls:<Moscow date>`: requests spent today (each lookup is two: the company and the forwarders' register);
- `company:pause`: set while no request may leave; its TTL is the pause: an hour after a refused key (401/403),
  until the next Moscow day after the quota ran out (402/429, capped at an hour then tried again), and
  `FIRST_PAUSE · 2ⁿ` (at most `MAX_PAUSE`) after the n-th failure in a row of another kind;
- `company:failures`: failures in a row (cleared by a success).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

import redis.asyncio as aioredis

from ..clock import MOSCOW
from ..storage.redis import Keys
from .register import RegisterError

log = logging.getLogger(__name__)

CALLS_PER_LOOKUP = 2
AUTH_PAUSE = 3600
LIMIT_PAUSE = 3600
FIRST_PAUSE = 15
MAX_PAUSE = 1800
FORWARDER_OFF = 86400  # a refused key or plan: the forwarders' register is asked again a day later
FORWARDER_RETRY = 900  # a timeout or 5xx of that register alone


class Budget:
    def __init__(self, redis: aioredis.Redis, keys: Keys, daily_limit: int, clock: Callable[[], dt.datetime]) -> None:
        self._redis = redis
        self._keys = keys
        self.daily_limit = daily_limit
        self._clock = clock

    async def take(self) -> bool:
        """True when a lookup may go now (and counts it against today's cap)."""
        if await self._redis.exists(self._keys("company:pause")):
            return False
        day_key = self._keys(f"company:calls:{self._clock().astimezone(MOSCOW).date().isoformat()}")
        spent = await self._redis.incrby(day_key, CALLS_PER_LOOKUP)
        if spent == CALLS_PER_LOOKUP:
            await self._redis.expire(day_key, 2 * 86400)
        if spent > self.daily_limit:
            if spent - CALLS_PER_LOOKUP <= self.daily_limit:
                log.warning("company register: today's %d DaData requests are spent; more tomorrow", self.daily_limit)
            return False
        return True

    async def succeeded(self) -> None:
        await self._redis.delete(self._keys("company:failures"))

    async def failed(self, error: RegisterError) -> None:
        """Pause the next requests; logs the failure (its message never holds the key)."""
        if error.kind == "auth":
            seconds = AUTH_PAUSE
        elif error.kind == "limit":
            seconds = min(LIMIT_PAUSE, self._seconds_to_moscow_midnight())
        else:
            streak = await self._redis.incr(self._keys("company:failures"))
            await self._redis.expire(self._keys("company:failures"), 2 * MAX_PAUSE)
            seconds = min(MAX_PAUSE, FIRST_PAUSE * 2 ** (streak - 1))
        await self._redis.set(self._keys("company:pause"), error.kind, ex=max(1, seconds))
        log.warning("company register unavailable (%s); no requests for %d s", error.message, seconds)

    async def forwarder_failed(self, error: RegisterError) -> None:
        """The forwarders' register alone failed after the company register answered: stop asking it for a
        while — a day when refused (a key or plan without it), at most an hour for a quota, FORWARDER_RETRY for
        a passing failure — while the company register goes on being asked."""
        if error.kind == "auth":
            seconds = FORWARDER_OFF
        elif error.kind == "limit":
            seconds = min(LIMIT_PAUSE, self._seconds_to_moscow_midnight())
        else:
            seconds = FORWARDER_RETRY
        await self._redis.set(self._keys("company:forwarder:off"), error.kind, ex=max(1, seconds))
        log.warning("forwarders' register unavailable (%s); not asked for %d s", error.message, seconds)

    async def forwarder_off(self) -> bool:
        return bool(await self._redis.exists(self._keys("company:forwarder:off")))

    def _seconds_to_moscow_midnight(self) -> int:
        now = self._clock().astimezone(MOSCOW)
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), MOSCOW)
        return int((midnight - now).total_seconds()) + 1
