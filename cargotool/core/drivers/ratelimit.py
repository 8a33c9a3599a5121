"""The drivers' rate limit: a token bucket in Redis (storage/bucket.py) per driver or address, one
atomic script call per request, shared by every worker.

A bucket holds up to `burst` tokens and refills at `per_minute / 60` tokens a second; a request takes
one token or is refused with the seconds until one is available.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import redis.asyncio as aioredis

from ..errors import CargotoolError
from ..storage.bucket import TAKE_LUA
from ..storage.redis import Keys

class RateLimited(CargotoolError):
    code = "rate_limited"

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
        self._take = redis.register_script(TAKE_LUA)

    async def check(self, bucket: str, limit: Limit) -> None:
        """Take one token from `bucket` or raise RateLimited."""
        allowed, wait = await self._take(keys=[self._keys("ratelimit:" + bucket)], args=limit.args())
        if not int(allowed):
            raise RateLimited(float(wait))
