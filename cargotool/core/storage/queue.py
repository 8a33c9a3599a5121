"""A durable work queue in Redis, delivered at least once, optionally in strict order per group.

- `<name>:items`  hash: id → JSON payload
- `<name>:due`    sorted set: id → when it may next be handed out (unix seconds)
- `<name>:dedupe:<key>`  marks a de-duplication key as used (TTL), so the same message is never queued twice

`claim()` hands out due items and, in the same script, pushes their due time forward by a lease: a
worker that dies mid-way loses nothing, the item comes back when the lease ends. `ack()` removes an
item, `retry()` reschedules it. Several processes may claim from one queue at once.

Items put with a `group` (the outbox: the chat) are handed out strictly in queue order within it, one at a
time, whatever the number of claimers:

- `<name>:line:<group>`  sorted set: the group's items in queue order (score: `<name>:seq`, a counter
  taken when the item is queued; items adopted from the layout without groups score 0 and sort by id,
  i.e. by the time they were queued, before everything queued since)
- `<name>:group`  hash: id → group;  `<name>:after`  hash: id → not-before of a delayed item that waits
  behind others

Only the head of a line is in `<name>:due`; the next item enters it (in the same Lua call) when the head
leaves the queue (`ack`, `bury`, `take`). A claimed head's lease is its due time, so while a worker holds
it nobody else can take it or anything behind it; if the worker dies, the head comes back after the lease.
A worker that outlived its lease and acks late acks an item that is gone or still the head: never the
next one. Items without a group behave as before (no order between them), so items queued by an older
version are still delivered; `adopt()` moves them into their lines.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import redis.asyncio as aioredis

from .redis import Keys
from .replication import ReplicatedWrite

# Every script: KEYS = items, due, group, after, seq, dead; ARGV[1] = the lines' key prefix, ARGV[2] = now.
_COMMON = """
local ITEMS, DUE, GROUP, AFTER, SEQ, DEAD = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local LINE, NOW = ARGV[1], tonumber(ARGV[2])

local function head(line)
  return redis.call('zrange', line, 0, 0)[1]
end

-- Make the line's head due (at its not-before, or now), unless it is in `due` already (e.g. claimed).
local function promote(line)
  local first = head(line)
  if first and not redis.call('zscore', DUE, first) then
    local at = tonumber(redis.call('hget', AFTER, first)) or NOW
    redis.call('zadd', DUE, math.max(at, NOW), first)
  end
end

-- The item leaves the queue; if it was the head of a line, the next item takes its place.
local function settle(id)
  redis.call('hdel', ITEMS, id)
  redis.call('zrem', DUE, id)
  local group = redis.call('hget', GROUP, id)
  if not group then return end
  redis.call('hdel', GROUP, id)
  redis.call('hdel', AFTER, id)
  redis.call('zrem', LINE .. group, id)
  promote(LINE .. group)
end
"""

_PUT = _COMMON + """
local id, due_at, group = ARGV[3], tonumber(ARGV[5]), ARGV[8]
if ARGV[6] ~= '' then
  if not redis.call('set', ARGV[6], '1', 'NX', 'EX', ARGV[7]) then return 0 end
end
redis.call('hset', ITEMS, id, ARGV[4])
if group == '' then
  redis.call('zadd', DUE, due_at, id)
  return 1
end
redis.call('hset', GROUP, id, group)
if due_at > NOW then redis.call('hset', AFTER, id, ARGV[5]) end
redis.call('zadd', LINE .. group, redis.call('incr', SEQ), id)
promote(LINE .. group)
return 1
"""

_CLAIM = _COMMON + """
local ids = redis.call('zrangebyscore', DUE, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local payload = redis.call('hget', ITEMS, id)
  local group = redis.call('hget', GROUP, id)
  if not payload then
    settle(id)
  elseif group and head(LINE .. group) ~= id then
    redis.call('zrem', DUE, id)  -- not its turn (cannot happen unless the data was changed by hand)
    promote(LINE .. group)
  else
    redis.call('zadd', DUE, NOW + tonumber(ARGV[4]), id)
    table.insert(out, id)
    table.insert(out, payload)
  end
end
return out
"""

_CLAIM_GROUP = _COMMON + """
local id = head(LINE .. ARGV[3])
if not id then return {} end
local due_at = redis.call('zscore', DUE, id)
local payload = redis.call('hget', ITEMS, id)
if not due_at or tonumber(due_at) > NOW or not payload then return {} end
redis.call('zadd', DUE, NOW + tonumber(ARGV[4]), id)
return {id, payload}
"""

_ACK = _COMMON + """
settle(ARGV[3])
return 1
"""

_TAKE = _COMMON + """
local payload = redis.call('hget', ITEMS, ARGV[3])
if not payload then return false end
settle(ARGV[3])
return payload
"""

_BURY = _COMMON + """
if redis.call('hexists', ITEMS, ARGV[3]) == 0 then return 0 end
redis.call('rpush', DEAD, ARGV[4])
redis.call('ltrim', DEAD, -1000, -1)
settle(ARGV[3])
return 1
"""

_RETRY = _COMMON + """
local id = ARGV[3]
if redis.call('hexists', ITEMS, id) == 0 then return 0 end  -- settled meanwhile (e.g. by a worker whose lease it outlived)
if ARGV[5] ~= '' then redis.call('hset', ITEMS, id, ARGV[5]) end
local group = redis.call('hget', GROUP, id)
if group and head(LINE .. group) ~= id then
  redis.call('hset', AFTER, id, ARGV[4])  -- waits behind the head
  return 1
end
redis.call('zadd', DUE, tonumber(ARGV[4]), id)
return 1
"""

_ADOPT = _COMMON + """
local id, group = ARGV[3], ARGV[4]
if redis.call('hexists', ITEMS, id) == 0 or redis.call('hexists', GROUP, id) == 1 then return 0 end
local line = LINE .. group
local due_at = redis.call('zscore', DUE, id)
redis.call('hset', GROUP, id, group)
redis.call('zadd', line, 0, id)
local members = redis.call('zrange', line, 0, -1)
for i = 2, #members do
  redis.call('zrem', DUE, members[i])  -- behind the head: not due until their turn
end
if members[1] ~= id and due_at and tonumber(due_at) > NOW then
  redis.call('hset', AFTER, id, due_at)
end
promote(line)
return 1
"""


@dataclass(frozen=True)
class Item:
    id: str
    payload: dict[str, Any]


class DurableQueue:
    def __init__(self, redis: aioredis.Redis, keys: Keys, name: str, *, replicated: ReplicatedWrite | None = None) -> None:
        """With `replicated`, `put` returns only once a replica holds the item (when there is one)."""
        self._redis = redis
        self._replicated = replicated
        self._keys = keys
        self._items = keys(f"{name}:items")
        self._due = keys(f"{name}:due")
        self._dead = keys(f"{name}:dead")
        self._group = keys(f"{name}:group")
        self._line = keys(f"{name}:line:")
        self._all_keys = [self._items, self._due, self._group, keys(f"{name}:after"), keys(f"{name}:seq"), self._dead]
        self._dedupe_prefix = keys(f"{name}:dedupe:")
        self._put = redis.register_script(_PUT)
        self._claim = redis.register_script(_CLAIM)
        self._claim_group = redis.register_script(_CLAIM_GROUP)
        self._ack = redis.register_script(_ACK)
        self._take = redis.register_script(_TAKE)
        self._bury = redis.register_script(_BURY)
        self._retry = redis.register_script(_RETRY)
        self._adopt = redis.register_script(_ADOPT)

    async def _run(self, script, *args: Any, durable: bool = False) -> Any:
        argv = [self._line, f"{time.time():.6f}", *args]
        if durable and self._replicated is not None:
            return await self._replicated.script(script, self._all_keys, argv)
        return await script(keys=self._all_keys, args=argv)

    async def put(self, payload: dict[str, Any], *, dedupe_key: str | None = None, dedupe_ttl: int = 7 * 86400,
                  delay: float = 0.0, group: str | None = None) -> str | None:
        """Queue `payload`; None (nothing queued) when `dedupe_key` was used before. Items of one `group`
        are handed out one at a time, in the order they were queued."""
        # Time-ordered ids: items due at the same moment come out in the order they were queued.
        item_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        added = await self._run(
            self._put, item_id, json.dumps(payload, ensure_ascii=False), f"{time.time() + delay:.6f}",
            self._dedupe_prefix + dedupe_key if dedupe_key else "", dedupe_ttl, group or "", durable=True,
        )
        return item_id if int(added) else None

    async def claim(self, limit: int = 20, lease: float = 60.0) -> list[Item]:
        """Due items, each leased for `lease` seconds; of a group, only its head (and only when no one
        holds it)."""
        flat = await self._run(self._claim, limit, lease)
        return [Item(flat[i], json.loads(flat[i + 1])) for i in range(0, len(flat), 2)]

    async def claim_group(self, group: str, lease: float = 60.0) -> Item | None:
        """The group's head, leased, if it is due and nobody holds it (a worker that finished the head
        goes on with the next one)."""
        flat = await self._run(self._claim_group, group, lease)
        return Item(flat[0], json.loads(flat[1])) if flat else None

    async def ack(self, item_id: str) -> None:
        await self._run(self._ack, item_id)

    async def get(self, item_id: str) -> dict[str, Any] | None:
        payload = await self._redis.hget(self._items, item_id)
        return json.loads(payload) if payload else None

    async def take(self, item_id: str) -> dict[str, Any] | None:
        """Remove an item and return its payload, atomically: of two takers (e.g. an undo and the
        worker about to act) exactly one gets it."""
        payload = await self._run(self._take, item_id)
        return json.loads(payload) if payload else None

    async def retry(self, item_id: str, delay: float, payload: dict[str, Any] | None = None) -> None:
        """Hand the item out again after `delay` (a group's head keeps its place: the group waits)."""
        await self._run(self._retry, item_id, f"{time.time() + delay:.6f}",
                        json.dumps(payload, ensure_ascii=False) if payload is not None else "")

    async def bury(self, item_id: str, payload: dict[str, Any], reason: str) -> None:
        """Give up on an item: keep it in `<name>:dead` for an operator, out of the queue."""
        await self._run(self._bury, item_id,
                        json.dumps({"payload": payload, "reason": reason, "at": time.time()}, ensure_ascii=False))

    async def adopt(self, group_of: Callable[[dict[str, Any]], str | None]) -> int:
        """Move items queued without a group (by a version before groups) into their group's line, ahead
        of everything queued since, in the order they were queued. Idempotent; returns how many moved.
        Also lets a line go on whose head an old version removed without knowing about lines."""
        grouped = set(await self._redis.hkeys(self._group))
        items = set(await self._redis.hkeys(self._items))
        for item_id in grouped - items:
            await self._run(self._ack, item_id)
        moved = 0
        for item_id in sorted(items - grouped):
            payload = await self.get(item_id)
            group = group_of(payload) if payload is not None else None
            if group is not None:
                moved += int(await self._run(self._adopt, item_id, group))
        return moved

    async def size(self) -> int:
        """Items in the queue (due or waiting their turn; not the dead ones)."""
        return await self._redis.hlen(self._items)

    async def dead_count(self) -> int:
        return await self._redis.llen(self._dead)

    async def dead(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in await self._redis.lrange(self._dead, 0, -1)]
