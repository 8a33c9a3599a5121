"""What the list, alerts and automatic responses need to know about a driver's shortlist, read fast.

`Marks` are the ids of the driver's favourites and hidden loads and the hidden companies' INNs. The hot path
(every list page) reads a Redis copy that every change drops, itself kept `LOCAL_SECONDS` in the process.
Most drivers have no marks: "none" is kept longer (`NEGATIVE_SECONDS`) and trusted while a Redis counter, the
shortlist epoch, is unchanged; any driver's first mark bumps it (read at most every `EPOCH_CHECK_SECONDS`).
So a warm list page of a driver without marks costs no Redis read of theirs (as core/insights/positions.py).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import redis.asyncio as aioredis

from ..storage.redis import Keys

COPY_SECONDS = 600
LOCAL_SECONDS = 2.0
NEGATIVE_SECONDS = 30.0
EPOCH_CHECK_SECONDS = 0.5
LOCAL_MAX_ENTRIES = 4096


@dataclass(frozen=True)
class Marks:
    favourites: frozenset[str] = field(default_factory=frozenset)
    hidden_cargos: frozenset[str] = field(default_factory=frozenset)
    hidden_inns: frozenset[str] = field(default_factory=frozenset)

    @property
    def hides(self) -> bool:
        return bool(self.hidden_cargos or self.hidden_inns)

    @property
    def empty(self) -> bool:
        return not (self.favourites or self.hides)

    def hidden(self, cargo_id: str | None, inn: str | None) -> bool:
        return cargo_id in self.hidden_cargos or (inn is not None and inn in self.hidden_inns)

    def dumps(self) -> str:
        return json.dumps([sorted(self.favourites), sorted(self.hidden_cargos), sorted(self.hidden_inns)])

    @classmethod
    def loads(cls, text: str) -> "Marks":
        favourites, cargos, inns = json.loads(text)
        return cls(frozenset(favourites), frozenset(cargos), frozenset(inns))


NONE = Marks()


class MarkReader:
    def __init__(self, redis: aioredis.Redis, keys: Keys, load: Callable[[int], Awaitable[Marks]]) -> None:
        """`load(driver_id)`: the marks from the database (on a miss of the Redis copy)."""
        self._redis = redis
        self._keys = keys
        self._load = load
        self._local: dict[int, tuple[float, Marks, str | None]] = {}  # until, marks, epoch
        self._epoch: tuple[float, str | None] = (0.0, None)

    async def _current_epoch(self) -> str | None:
        read_at, value = self._epoch
        if time.monotonic() - read_at < EPOCH_CHECK_SECONDS:
            return value
        value = await self._redis.get(self._keys("shortlist:epoch"))
        self._epoch = (time.monotonic(), value)
        return value

    async def marks(self, driver_id: int) -> Marks:
        local = self._local.get(driver_id)
        if local is not None and local[0] > time.monotonic() and (
                not local[1].empty or await self._current_epoch() == local[2]):
            return local[1]
        epoch = await self._current_epoch()
        copy = await self._redis.get(self._keys(f"shortlist:marks:{driver_id}"))
        if copy is not None:
            found = Marks.loads(copy)
        else:
            found = await self._load(driver_id)
            await self._redis.set(self._keys(f"shortlist:marks:{driver_id}"), found.dumps(), ex=COPY_SECONDS)
        if len(self._local) >= LOCAL_MAX_ENTRIES:
            self._local.clear()
        ttl = NEGATIVE_SECONDS if found.empty else LOCAL_SECONDS
        self._local[driver_id] = (time.monotonic() + ttl, found, epoch)
        return found

    async def changed(self, driver_id: int) -> None:
        """The driver's marks changed: drop the copies, and every process's "no marks" with the epoch."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(self._keys(f"shortlist:marks:{driver_id}"))
        pipe.incr(self._keys("shortlist:epoch"))
        await pipe.execute()
        self._local.pop(driver_id, None)
        self._epoch = (0.0, None)
