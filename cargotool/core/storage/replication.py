"""A write that survives a failover: after it, WAIT until one replica has it (when the primary has one).

Redis replicates asynchronously; a primary that dies right after a write may take it with it, and
Sentinel then promotes a replica that never saw it. For writes whose loss matters (a queued outbox
message), `ReplicatedWrite` sends `WAIT 1 <timeout>` on the same connection, in the same round trip,
so the write is acknowledged only once a replica holds it. Without replicas (a single Redis, the
embedded store) nothing is waited for. The wait is bounded: a replica that lags past `timeout_ms`
costs that much and the write still counts (it is on the primary), with one warning line.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

log = logging.getLogger(__name__)

WAIT_TIMEOUT_MS = 100
REPLICAS_REFRESH_SECONDS = 10.0  # how stale the primary's replica count may be (it changes on failover)


class ReplicatedWrite:
    def __init__(self, redis: aioredis.Redis, timeout_ms: int = WAIT_TIMEOUT_MS,
                 refresh_seconds: float = REPLICAS_REFRESH_SECONDS) -> None:
        self._redis = redis
        self._timeout_ms = timeout_ms
        self._refresh = refresh_seconds
        self._replicas = 0
        self._checked_at = float("-inf")
        self._lagging = False

    async def replicas(self) -> int:
        """The primary's connected replicas, asked at most every `refresh_seconds`."""
        if time.monotonic() - self._checked_at >= self._refresh:
            try:
                info = await self._redis.info("replication")
            except ResponseError:  # INFO disabled or renamed (some managed offerings): no WAIT
                info = {}
            self._replicas = int(info.get("connected_slaves", 0) or 0)
            self._checked_at = time.monotonic()
        return self._replicas

    async def script(self, script, keys: list[str], args: list[Any]) -> Any:
        """Run a registered script; when the primary has replicas, wait for one to have its writes."""
        if not await self.replicas():
            return await script(keys=keys, args=args)
        async with self._redis.pipeline(transaction=False) as pipe:
            await script(keys=keys, args=args, client=pipe)
            pipe.execute_command("WAIT", 1, self._timeout_ms)
            result, acknowledged = await pipe.execute()
        self._note(int(acknowledged))
        return result

    def _note(self, acknowledged: int) -> None:
        if not acknowledged and not self._lagging:
            log.warning("no Redis replica acknowledged a write within %d ms: kept on the primary only",
                        self._timeout_ms)
        elif acknowledged and self._lagging:
            log.warning("Redis replicas acknowledge writes again")
        self._lagging = not acknowledged
