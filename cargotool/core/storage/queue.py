"""A durable work queue in Redis, delivered at least once.

- `<name>:items`  hash: id → JSON payload
- `<name>:due`    sorted set: id → when it may next be handed out (unix seconds)
- `<name>:dedupe:<key>`  marks a de-duplication key as used (TTL), so the same message is never queued twice

`claim()` hands out due items and, in the same script, pushes their due time forward by a lease: a
worker that dies mid-way loses nothing, the item comes back when the lease ends. `ack()` removes an
item, `retry()` reschedules it. Several processes may claim from one queue at once.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from .redis import Keys

_PUT = """
if ARGV[4] ~= '' then
  if not redis.call('set', ARGV[4], '1', 'NX', 'EX', ARGV[5]) then return 0 end
end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
return 1
"""

_TAKE = """
local payload = redis.call('hget', KEYS[1], ARGV[1])
if not payload then return false end
redis.call('hdel', KEYS[1], ARGV[1])
redis.call('zrem', KEYS[2], ARGV[1])
return payload
"""

_CLAIM = """
local ids = redis.call('zrangebyscore', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local payload = redis.call('hget', KEYS[1], id)
  if payload then
    redis.call('zadd', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[3]), id)
    table.insert(out, id)
    table.insert(out, payload)
  else
    redis.call('zrem', KEYS[2], id)
  end
end
return out
"""


@dataclass(frozen=True)
class Item:
    id: str
    payload: dict[str, Any]


class DurableQueue:
    def __init__(self, redis: aioredis.Redis, keys: Keys, name: str) -> None:
        self._redis = redis
        self._keys = keys
        self._items = keys(f"{name}:items")
        self._due = keys(f"{name}:due")
        self._dead = keys(f"{name}:dead")
        self._dedupe_prefix = keys(f"{name}:dedupe:")
        self._put = redis.register_script(_PUT)
        self._claim = redis.register_script(_CLAIM)
        self._take = redis.register_script(_TAKE)

    async def put(self, payload: dict[str, Any], *, dedupe_key: str | None = None, dedupe_ttl: int = 7 * 86400,
                  delay: float = 0.0) -> str | None:
        """Queue `payload`; None (nothing queued) when `dedupe_key` was used before."""
        # Time-ordered ids: items due at the same moment come out in the order they were queued.
        item_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        added = await self._put(
            keys=[self._items, self._due],
            args=[item_id, json.dumps(payload, ensure_ascii=False), f"{time.time() + delay:.6f}",
                  self._dedupe_prefix + dedupe_key if dedupe_key else "", dedupe_ttl],
        )
        return item_id if int(added) else None

    async def claim(self, limit: int = 20, lease: float = 60.0) -> list[Item]:
        flat = await self._claim(keys=[self._items, self._due], args=[f"{time.time():.6f}", limit, lease])
        return [Item(flat[i], json.loads(flat[i + 1])) for i in range(0, len(flat), 2)]

    async def ack(self, item_id: str) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hdel(self._items, item_id)
        pipe.zrem(self._due, item_id)
        await pipe.execute()

    async def get(self, item_id: str) -> dict[str, Any] | None:
        payload = await self._redis.hget(self._items, item_id)
        return json.loads(payload) if payload else None

    async def take(self, item_id: str) -> dict[str, Any] | None:
        """Remove an item and return its payload, atomically: of two takers (e.g. an undo and the
        worker about to act) exactly one gets it."""
        payload = await self._take(keys=[self._items, self._due], args=[item_id])
        return json.loads(payload) if payload else None

    async def retry(self, item_id: str, delay: float, payload: dict[str, Any] | None = None) -> None:
        pipe = self._redis.pipeline(transaction=True)
        if payload is not None:
            pipe.hset(self._items, item_id, json.dumps(payload, ensure_ascii=False))
        pipe.zadd(self._due, {item_id: time.time() + delay})
        await pipe.execute()

    async def bury(self, item_id: str, payload: dict[str, Any], reason: str) -> None:
        """Give up on an item: keep it in `<name>:dead` for an operator, out of the queue."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.rpush(self._dead, json.dumps({"payload": payload, "reason": reason, "at": time.time()}, ensure_ascii=False))
        pipe.ltrim(self._dead, -1000, -1)
        pipe.hdel(self._items, item_id)
        pipe.zrem(self._due, item_id)
        await pipe.execute()

    async def size(self) -> int:
        return await self._redis.zcard(self._due)

    async def dead_count(self) -> int:
        return await self._redis.llen(self._dead)

    async def dead(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in await self._redis.lrange(self._dead, 0, -1)]
