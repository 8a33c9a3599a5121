"""Driver sessions in Redis. The token is random (256 bits) and only its SHA-256 is stored, so a Redis
dump does not hand out sessions. Sessions slide: each use renews the TTL."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass

import redis.asyncio as aioredis

from ..storage.redis import Keys

SESSION_KEY = "session:"


@dataclass(frozen=True)
class Driver:
    telegram_id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    is_admin: bool = False

    def public(self) -> dict:
        return {"telegram_id": self.telegram_id, "first_name": self.first_name, "username": self.username}


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: float
    driver: Driver


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Read the session and renew its TTL in one round trip.
_GET_AND_TOUCH = """
local value = redis.call('get', KEYS[1])
if value then redis.call('expire', KEYS[1], ARGV[1]) end
return value
"""


class SessionStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_seconds: int = 86400) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl = ttl_seconds
        self._get_and_touch = redis.register_script(_GET_AND_TOUCH)

    def _key(self, token: str) -> str:
        return self._keys(SESSION_KEY + token_digest(token))

    async def create(self, driver: Driver) -> Session:
        token = secrets.token_urlsafe(32)
        await self._redis.set(self._key(token), json.dumps(asdict(driver), ensure_ascii=False), ex=self.ttl)
        return Session(token=token, expires_at=time.time() + self.ttl, driver=driver)

    async def get(self, token: str) -> Driver | None:
        if not token or len(token) > 128:
            return None
        raw = await self._get_and_touch(keys=[self._key(token)], args=[self.ttl])
        if raw is None:
            return None
        return Driver(**json.loads(raw))

    async def delete(self, token: str) -> bool:
        return bool(await self._redis.delete(self._key(token)))
