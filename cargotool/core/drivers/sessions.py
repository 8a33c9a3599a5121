"""Driver sessions in Redis. The token is random (256 bits) and only its SHA-256 is stored, so a Redis
dump does not hand out sessions. Sessions slide: each use renews the TTL.

The value is "<telegram id>|<json>", so one script can read a session, renew it and take a token from
that driver's rate-limit bucket in a single round trip (`admit`), which is the hot path of every API call.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from functools import lru_cache
from dataclasses import asdict, dataclass

import redis.asyncio as aioredis

from ..storage.batcher import ScriptBatcher
from ..storage.bucket import BUCKET_LUA
from ..storage.redis import Keys
from .ratelimit import Limit, RateLimited

SESSION_KEY = "session:"


@dataclass(frozen=True)
class Driver:
    telegram_id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None

    def public(self) -> dict:
        return {"telegram_id": self.telegram_id, "first_name": self.first_name, "username": self.username}


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: float
    driver: Driver


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Read the session, renew its TTL and take a token from the driver's bucket (ARGV[2] = bucket key prefix, ARGV[3..5] = limit).
_ADMIT = BUCKET_LUA + """
local value = redis.call('get', KEYS[1])
if not value then return {0} end
redis.call('expire', KEYS[1], ARGV[1])
local id = string.match(value, '^(%d+)|')
local taken = take(ARGV[2] .. id, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
return {1, value, taken[1], taken[2]}
"""


class SessionStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_seconds: int = 86400) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl = ttl_seconds
        self._admit = ScriptBatcher(redis, _ADMIT)
        self._bucket_prefix = keys("ratelimit:driver:")

    def _key(self, token: str) -> str:
        return self._keys(SESSION_KEY + token_digest(token))

    async def create(self, driver: Driver) -> Session:
        token = secrets.token_urlsafe(32)
        value = f"{driver.telegram_id}|{json.dumps(asdict(driver), ensure_ascii=False)}"
        await self._redis.set(self._key(token), value, ex=self.ttl)
        return Session(token=token, expires_at=time.time() + self.ttl, driver=driver)

    async def admit(self, token: str | None, limit: Limit) -> Driver | None:
        """The session's driver, its TTL renewed and one request taken from its bucket (RateLimited
        when empty); None when there is no such session. One round trip."""
        if not token or len(token) > 128:
            return None
        result = await self._admit(keys=[self._key(token)], args=[self.ttl, self._bucket_prefix, *limit.args()])
        if not int(result[0]):
            return None
        if not int(result[2]):
            raise RateLimited(float(result[3]))
        return _driver(result[1])

    async def delete(self, token: str) -> bool:
        return bool(await self._redis.delete(self._key(token)))

    async def delete_driver(self, driver_id: int) -> int:
        """End every session of the driver (a SCAN over sessions: for a rare request like forgetting a driver)."""
        prefix, ended = f"{driver_id}|", 0
        async for key in self._redis.scan_iter(match=self._keys(SESSION_KEY + "*"), count=1000):
            value = await self._redis.get(key)
            if value is not None and value.startswith(prefix):
                ended += await self._redis.delete(key)
        return ended

    async def count(self) -> int:
        """Sessions alive now (a SCAN: for the metrics scrape, not for a request)."""
        return sum([1 async for _ in self._redis.scan_iter(match=self._keys(SESSION_KEY + "*"), count=1000)])


@lru_cache(maxsize=4096)  # the same few thousand sessions are read over and over
def _driver(raw: str) -> Driver:
    _, _, data = raw.partition("|")
    known = Driver.__dataclass_fields__
    return Driver(**{k: v for k, v in json.loads(data).items() if k in known})  # sessions outlive code changes
