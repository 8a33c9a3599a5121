"""The Redis connection: the primary that Sentinel names when REDIS_SENTINELS is set, the server of
REDIS_URL otherwise, else an in-process fakeredis. Server, CLI and background jobs all get theirs here.

The embedded store lives in this process's memory, so it is valid for a single process only: several
workers would each see their own copy (and lose the single-flight login and the shared cache).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0
COMMAND_TIMEOUT = 5.0
POOL_WAIT = 10.0  # seconds a burst waits for a free pooled connection
SENTINEL_TIMEOUT = 1.0  # per Sentinel asked: a dead one is skipped quickly, the next one answers


@dataclass(frozen=True)
class RedisTarget:
    """Where Redis is: `sentinels` (+ `master`, the name they monitor) win over `url`; with neither,
    the embedded store. With Sentinel, `url` may still give the DB number, user and password."""

    url: str | None = None
    sentinels: tuple[tuple[str, int], ...] = ()
    master: str = "mymaster"
    sentinel_password: str | None = None
    max_connections: int = 64


class BlockingSentinelPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """Sentinel's pool (connections go to the current primary, re-discovered after a failover) with
    the blocking pool's bound: a burst waits for a free connection instead of failing."""


def connect_redis(target: RedisTarget) -> aioredis.Redis:
    """A bounded pool that makes a burst wait for a free connection instead of failing. Socket timeouts
    turn a Redis that stopped answering into a quick error (a 503), not a hung request. A command whose
    connection was reset (a restart, a failover, a proxy dropping idle connections) is sent once more on
    a fresh one; a timeout is not repeated (it would double the wait)."""
    options = dict(max_connections=target.max_connections, timeout=POOL_WAIT, decode_responses=True,
                   health_check_interval=30, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=COMMAND_TIMEOUT,
                   retry=Retry(NoBackoff(), retries=1, supported_errors=(RedisConnectionError,)))
    if target.sentinels:
        return _sentinel_client(target, options)
    if target.url:
        return aioredis.Redis(connection_pool=aioredis.BlockingConnectionPool.from_url(target.url, **options))
    import fakeredis

    log.debug("REDIS_URL is not set: using an embedded in-process store")  # `serve` warns once (bootstrap.embedded_defaults)
    return fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)


def _sentinel_client(target: RedisTarget, options: dict) -> aioredis.Redis:
    """redis-py's Sentinel asks the Sentinels for the primary before each new connection; a connection to
    a primary that was demoted fails (ReadOnlyError → ConnectionError) and is dropped, the next one goes
    to the promoted replica. The Sentinels themselves are asked with short timeouts."""
    if target.url:
        from_url = aioredis.connection.parse_url(target.url)
        options.update({key: from_url[key] for key in ("db", "username", "password") if key in from_url})
        options["ssl"] = target.url.startswith("rediss://")
    sentinel = Sentinel(list(target.sentinels),
                        sentinel_kwargs={"socket_connect_timeout": SENTINEL_TIMEOUT, "socket_timeout": SENTINEL_TIMEOUT,
                                         "password": target.sentinel_password})
    return sentinel.master_for(target.master, connection_pool_class=BlockingSentinelPool, **options)


class Keys:
    """Builds every Redis key from one optional prefix (tests use a unique prefix per run)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def __call__(self, key: str) -> str:
        return f"{self.prefix}{key}"
