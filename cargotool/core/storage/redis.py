"""The Redis connection: a real server when REDIS_URL is set, otherwise an in-process fakeredis.

The embedded store lives in this process's memory, so it is valid for a single process only: several
workers would each see their own copy (and lose the single-flight login and the shared cache).
"""

from __future__ import annotations

import logging

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0
COMMAND_TIMEOUT = 5.0


def connect_redis(url: str | None, max_connections: int = 64) -> aioredis.Redis:
    """A bounded pool that makes a burst wait for a free connection instead of failing. Socket timeouts
    turn a Redis that stopped answering into a quick error (a 503), not a hung request."""
    if url:
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=10, decode_responses=True, health_check_interval=30,
            socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=COMMAND_TIMEOUT,
        )
        return aioredis.Redis(connection_pool=pool)
    import fakeredis

    log.debug("REDIS_URL is not set: using an embedded in-process store")  # `serve` warns once (bootstrap.embedded_defaults)
    return fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)


class Keys:
    """Builds every Redis key from one optional prefix (tests use a unique prefix per run)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def __call__(self, key: str) -> str:
        return f"{self.prefix}{key}"
