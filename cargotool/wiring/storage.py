"""Redis, the database (migrated) and the audit log: what every other capability writes through."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from ..config import Settings
from ..core.audit import AuditLog
from ..core.storage.db import Database
from ..core.storage.migrations import migrate
from ..core.storage.redis import Keys, RedisTarget, connect_redis


@dataclass(frozen=True)
class Storage:
    redis: aioredis.Redis
    keys: Keys
    database: Database
    audit: AuditLog


def redis_target(settings: Settings) -> RedisTarget:
    return RedisTarget(url=settings.redis_url, sentinels=settings.redis_sentinels, master=settings.redis_sentinel_master,
                       sentinel_password=settings.redis_sentinel_password, max_connections=settings.redis_max_connections)


def build_storage(settings: Settings, redis: aioredis.Redis | None = None, run_migrations: bool = True) -> Storage:
    """`redis`: a test's own connection instead of the configured one."""
    redis = redis if redis is not None else connect_redis(redis_target(settings))
    database = Database(settings.database_url, pool_size=settings.database_pool_size,
                        pool_wait=settings.database_pool_wait, connect_timeout=settings.database_connect_timeout,
                        statement_timeout=settings.database_statement_timeout)
    if run_migrations:
        migrate(database)
    return Storage(redis, Keys(settings.redis_key_prefix), database, AuditLog(database))
