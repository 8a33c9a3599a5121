"""A circuit breaker for an upstream service (CargoTech), shared by every worker through Redis.

closed     calls go through; each failed attempt (a 429/5xx answer or no answer) counts in
           `<key>:failures` (a window of `window` seconds). At `threshold` failures the circuit opens,
           and calls still retrying give up at once.
open       `<key>:open` exists (TTL `open_seconds`): calls fail at once, no request leaves.
half-open  the open key expired but the failure count is still at the threshold: one caller across all
           workers (`<key>:probe`, SET NX) may try; its success closes the circuit, its failure opens it
           again. Other callers fail at once meanwhile.

Each decision is one Lua script, so workers never disagree about the state.
"""

from __future__ import annotations

import logging
import time

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
STATE_CACHE_SECONDS = 0.5  # is_open() is asked on every stale read: a worker re-reads Redis at most this often

# KEYS: failures, open, probe. ARGV: threshold, probe ttl (ms). Returns 1 (call), 0 (refuse).
_ALLOW = """
if redis.call('exists', KEYS[2]) == 1 then return 0 end
local failures = tonumber(redis.call('get', KEYS[1]) or '0')
if failures < tonumber(ARGV[1]) then return 1 end
if redis.call('set', KEYS[3], '1', 'NX', 'PX', ARGV[2]) then return 2 end
return 0
"""

# KEYS: failures, open, probe. ARGV: threshold, window (s), open (s). Returns 1 when this failure opened it.
_FAILED = """
local failures = redis.call('incr', KEYS[1])
redis.call('expire', KEYS[1], ARGV[2])
if failures >= tonumber(ARGV[1]) then
  redis.call('del', KEYS[3])
  local opened = redis.call('set', KEYS[2], '1', 'NX', 'EX', ARGV[3])
  if opened then return 1 end
end
return 0
"""

# KEYS: failures, open, probe. Returns 1 when the circuit was not closed before.
_SUCCEEDED = """
local was = tonumber(redis.call('get', KEYS[1]) or '0')
redis.call('del', KEYS[1], KEYS[2], KEYS[3])
return was
"""


class CircuitBreaker:
    def __init__(self, redis: aioredis.Redis, key: str, *, threshold: int = 3, window: int = 30,
                 open_seconds: int = 10, probe_timeout: float = 30.0, name: str = "upstream") -> None:
        self.name = name  # what the log lines call the upstream
        self._keys = [f"{key}:failures", f"{key}:open", f"{key}:probe"]
        self.threshold, self.window, self.open_seconds = threshold, window, open_seconds
        self._probe_ms = int(probe_timeout * 1000)
        self._allow = redis.register_script(_ALLOW)
        self._failed = redis.register_script(_FAILED)
        self._succeeded = redis.register_script(_SUCCEEDED)
        self._redis = redis
        self._known: tuple[float, str] = (0.0, CLOSED)

    async def allow(self) -> bool:
        """May a call go to the upstream now? (True for the single half-open probe.)"""
        return int(await self._allow(keys=self._keys, args=[self.threshold, self._probe_ms])) > 0

    async def failed(self) -> None:
        self._known = (0.0, CLOSED)
        if int(await self._failed(keys=self._keys, args=[self.threshold, self.window, self.open_seconds])):
            log.error("%s is failing: circuit open for %d s (stale copies are served meanwhile)", self.name, self.open_seconds)

    async def succeeded(self) -> None:
        self._known = (0.0, CLOSED)
        if int(await self._succeeded(keys=self._keys)) >= self.threshold:
            log.warning("%s answers again: circuit closed", self.name)

    async def state(self) -> str:
        """CLOSED, OPEN or HALF_OPEN (read from Redis at most every STATE_CACHE_SECONDS per process)."""
        until, value = self._known
        if until > time.monotonic():
            return value
        failures, opened = await self._redis.mget(self._keys[0], self._keys[1])
        value = OPEN if opened is not None else HALF_OPEN if int(failures or 0) >= self.threshold else CLOSED
        self._known = (time.monotonic() + STATE_CACHE_SECONDS, value)
        return value

    @property
    def known_state(self) -> str:
        """The state this process read last (for the metrics gauge; no Redis call)."""
        return self._known[1]

    async def is_open(self) -> bool:
        """Open or half-open: the upstream is known to be failing."""
        return await self.state() != CLOSED

    async def refusing(self) -> bool:
        """Open: every call is refused now. Half-open is not: one caller's probe may close it again (a
        caller that stays away while half-open would wait for the failures to age out of the window)."""
        return await self.state() == OPEN
