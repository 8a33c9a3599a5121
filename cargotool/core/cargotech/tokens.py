"""The server's CargoTech token: cached in Redis, obtained by exactly one login at a time.

Keys (all under the optional REDIS_KEY_PREFIX):
- `cargotech:api:token`              the token, TTL = CARGOTECH_TOKEN_CACHE_TTL
- `cargotech:api:token:obtained_at`  unix time of the login that produced it, same TTL
- `cargotech:api:token:lock`         held by the one process logging in (SET NX PX, owner-checked delete)
- `cargotech:api:token:failure`      why the last login failed, kept briefly so nobody retries in a loop
- channel `cargotech:api:token:events`  "ready" / "failed" after a login attempt, to wake waiters

Single flight works on two levels: inside a process, concurrent callers share one asyncio task; across
processes, that task takes the Redis lock, and the others subscribe to the channel and wait for it
(with a timeout and a re-check, so a crashed lock holder only costs the lock's TTL).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Awaitable, Callable

import redis.asyncio as aioredis

from ..errors import UpstreamAuthFailed, UpstreamError, UpstreamUnavailable
from ..redaction import redactor
from ..storage.redis import Keys

log = logging.getLogger(__name__)

TOKEN_KEY = "cargotech:api:token"

# Delete KEYS[1] only while it still holds ARGV[1] (a token, or a lock owner id).
_COMPARE_AND_DELETE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', unpack(KEYS))
  return 1
end
return 0
"""

# How long to remember that CargoTech was unreachable during a login (credentials failures use the
# configured backoff): long enough to stop a storm, short enough to recover quickly.
UNAVAILABLE_MEMORY_SECONDS = 5


@dataclass(frozen=True)
class TokenStatus:
    present: bool
    age_seconds: float | None
    ttl_seconds: float | None
    last_failure: str | None


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
        self._lock_key = keys(TOKEN_KEY + ":lock")
        self._failure_key = keys(TOKEN_KEY + ":failure")
        self._channel = keys(TOKEN_KEY + ":events")
        self._compare_and_delete = redis.register_script(_COMPARE_AND_DELETE)
        self._inflight: asyncio.Task[str] | None = None

    # ---- public ---------------------------------------------------------------------------------

    async def get(self) -> str:
        """The cached token, or a fresh one from a single login shared by every concurrent caller."""
        token = await self._redis.get(self.token_key)
        if token:
            redactor.add_secret(token)
            return token
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.ensure_future(self._acquire())
        return await asyncio.shield(self._inflight)

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

    async def _acquire(self) -> str:
        deadline = time.monotonic() + 2 * self._lock_timeout
        owner = uuid.uuid4().hex
        pubsub = None
        try:
            while True:
                token = await self._cached_or_failure()
                if token:
                    return token
                if await self._redis.set(self._lock_key, owner, nx=True, px=int(self._lock_timeout * 1000)):
                    return await self._login_holding_lock(owner)
                if pubsub is None:  # subscribe, then loop to re-check: no wake-up can be missed
                    pubsub = self._redis.pubsub()
                    await pubsub.subscribe(self._channel)
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise UpstreamUnavailable("Timed out waiting for another process to log in to CargoTech")
                await self._wait_for_event(pubsub, min(remaining, await self._lock_wait_seconds()))
        finally:
            if pubsub is not None:
                await pubsub.aclose()

    async def _cached_or_failure(self) -> str | None:
        token, failure = await self._redis.mget(self.token_key, self._failure_key)
        if token:
            redactor.add_secret(token)
            return token
        if failure:
            kind, _, message = failure.partition(":")
            raise (UpstreamAuthFailed if kind == "auth" else UpstreamUnavailable)(message)
        return None

    async def _lock_wait_seconds(self) -> float:
        pttl = await self._redis.pttl(self._lock_key)
        return max(0.05, pttl / 1000) if pttl and pttl > 0 else 0.05

    @staticmethod
    async def _wait_for_event(pubsub, timeout: float) -> None:
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None:
                return

    async def _login_holding_lock(self, owner: str) -> str:
        try:
            token = await self._redis.get(self.token_key)  # someone may have finished just before us
            if token:
                return token
            try:
                token = await asyncio.wait_for(self._login(), timeout=self._lock_timeout * 0.9)
            except asyncio.TimeoutError:
                await self._remember_failure("unavailable", "CargoTech login timed out", UNAVAILABLE_MEMORY_SECONDS)
                raise UpstreamUnavailable("CargoTech login timed out") from None
            except UpstreamAuthFailed as exc:
                await self._remember_failure("auth", exc.message, self._failure_backoff)
                raise
            except UpstreamError as exc:
                await self._remember_failure("unavailable", exc.message, UNAVAILABLE_MEMORY_SECONDS)
                raise
            redactor.add_secret(token)
            pipe = self._redis.pipeline(transaction=True)
            pipe.set(self.token_key, token, ex=self._ttl)
            pipe.set(self._obtained_key, f"{time.time():.3f}", ex=self._ttl)
            pipe.delete(self._failure_key)
            pipe.publish(self._channel, "ready")
            await pipe.execute()
            log.info("Logged in to CargoTech; token cached for %ss", self._ttl)
            if self._on_login is not None:
                await self._on_login()
            return token
        finally:
            await self._compare_and_delete(keys=[self._lock_key], args=[owner])

    async def _remember_failure(self, kind: str, message: str, seconds: int) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self._failure_key, f"{kind}:{message}", ex=max(1, seconds))
        pipe.publish(self._channel, "failed")
        await pipe.execute()
        log.warning("CargoTech login failed (%s): %s; not retrying for %ss", kind, message, seconds)
