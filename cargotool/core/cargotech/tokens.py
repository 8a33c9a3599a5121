"""The server's CargoTech token: cached in Redis, obtained by exactly one login at a time.

Keys (all under the optional REDIS_KEY_PREFIX):
- `cargotech:api:token`              the token, TTL = CARGOTECH_TOKEN_CACHE_TTL
- `cargotech:api:token:obtained_at`  unix time of the login that produced it, same TTL
- `cargotech:api:token:lock`         held by the one process logging in (see storage/singleflight.py)
- `cargotech:api:token:failure`      why the last login failed, kept briefly so nobody retries in a loop
- channel `cargotech:api:token:events`  wakes the processes waiting for a login
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable

import redis.asyncio as aioredis

from ..errors import UpstreamAuthFailed, UpstreamError, UpstreamUnavailable
from ..loads.operator import TokenStatus
from ..observability.metrics import count_login
from ..redaction import redactor
from ..storage.redis import Keys
from ..storage.singleflight import COMPARE_AND_DELETE, SingleFlight

log = logging.getLogger(__name__)

TOKEN_KEY = "cargotech:api:token"

# How long to remember that CargoTech was unreachable during a login (credentials failures use the
# configured backoff): long enough to stop a storm, short enough to recover quickly.
UNAVAILABLE_MEMORY_SECONDS = 5


class TokenCache:
    def __init__(
        self,
        redis: aioredis.Redis,
        login: Callable[[], Awaitable[str]],
        *,
        keys: Keys | None = None,
        ttl_seconds: int = 86400,
        lock_timeout: float = 30.0,
        failure_backoff: int = 60,
        on_login: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        keys = keys or Keys()
        self._redis = redis
        self._login = login
        self._on_login = on_login
        self._ttl = ttl_seconds
        self._lock_timeout = lock_timeout
        self._failure_backoff = failure_backoff
        self.token_key = keys(TOKEN_KEY)
        self._obtained_key = keys(TOKEN_KEY + ":obtained_at")
        self._failure_key = keys(TOKEN_KEY + ":failure")
        self._flight: SingleFlight[str] = SingleFlight(
            redis, lock_timeout=lock_timeout, channel=keys(TOKEN_KEY + ":events")
        )
        self._compare_and_delete = redis.register_script(COMPARE_AND_DELETE)

    # ---- public ---------------------------------------------------------------------------------

    async def get(self) -> str:
        """The cached token, or a fresh one from a single login shared by every concurrent caller."""
        return await self._flight.run(self.token_key, self._cached_or_failure, self._login_and_store)

    async def aclose(self) -> None:
        await self._flight.aclose()

    async def invalidate(self, failed_token: str) -> bool:
        """Drop the cached token, but only if it is still the one that failed."""
        dropped = await self._compare_and_delete(keys=[self.token_key, self._obtained_key], args=[failed_token])
        if dropped:
            log.info("CargoTech token rejected (401): dropped it from the cache")
        return bool(dropped)

    async def flush(self) -> bool:
        """Forget the token and any remembered login failure (e.g. after fixing credentials)."""
        removed = await self._redis.delete(self.token_key, self._obtained_key, self._failure_key)
        return removed > 0

    async def status(self) -> TokenStatus:
        pipe = self._redis.pipeline(transaction=False)
        pipe.exists(self.token_key)
        pipe.pttl(self.token_key)
        pipe.get(self._obtained_key)
        pipe.get(self._failure_key)
        exists, pttl, obtained_at, failure = await pipe.execute()
        age = time.time() - float(obtained_at) if obtained_at else None
        return TokenStatus(
            present=bool(exists),
            age_seconds=max(0.0, age) if age is not None else None,
            ttl_seconds=pttl / 1000 if exists and pttl and pttl > 0 else None,
            last_failure=failure.split(":", 1)[1] if failure else None,
        )

    # ---- single flight --------------------------------------------------------------------------

    async def _cached_or_failure(self) -> str | None:
        token, failure = await self._redis.mget(self.token_key, self._failure_key)
        if token:
            redactor.add_secret(token)
            return token
        if failure:
            kind, _, message = failure.partition(":")
            raise (UpstreamAuthFailed if kind == "auth" else UpstreamUnavailable)(message)
        return None

    async def _login_and_store(self) -> str:
        try:
            token = await asyncio.wait_for(self._login(), timeout=self._lock_timeout * 0.9)
        except asyncio.TimeoutError:
            count_login("cargotech", "unavailable")
            await self._remember_failure("unavailable", "CargoTech login timed out", UNAVAILABLE_MEMORY_SECONDS)
            raise UpstreamUnavailable("CargoTech login timed out") from None
        except UpstreamAuthFailed as exc:
            count_login("cargotech", "rejected")
            await self._remember_failure("auth", exc.message, self._failure_backoff)
            raise
        except UpstreamError as exc:
            count_login("cargotech", "unavailable")
            await self._remember_failure("unavailable", exc.message, UNAVAILABLE_MEMORY_SECONDS)
            raise
        count_login("cargotech", "ok")
        redactor.add_secret(token)
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self.token_key, token, ex=self._ttl)
        pipe.set(self._obtained_key, f"{time.time():.3f}", ex=self._ttl)
        pipe.delete(self._failure_key)
        await pipe.execute()
        log.info("Logged in to CargoTech; token cached for %ss", self._ttl)
        if self._on_login is not None:
            await self._on_login()
        return token

    async def _remember_failure(self, kind: str, message: str, seconds: int) -> None:
        await self._redis.set(self._failure_key, f"{kind}:{message}", ex=max(1, seconds))
        log.warning("CargoTech login failed (%s): %s; not retrying for %ss", kind, message, seconds)
