"""The driver's latest position from Telegram live location: kept only while the live period lasts.

Telegram sends the first point as a `message` with `location.live_period`, then every move as an
`edited_message` (its `edit_date` is the moment of the point). Telegram gives no speed: it is derived
from two successive points. Only the latest point is kept (one Redis hash per driver, expiring with
the live period); `forget` deletes it. `latest(driver_id)` is the read API other features use.

Forgetting must hold while Telegram keeps sending the same share's edits (it does until the live period
ends or the driver stops sharing): `forget` leaves a marker of the forgotten share (its end time, which
every edit of it repeats) that makes `update` ignore that share; a new share starts afresh.
"""

from __future__ import annotations

import time
from typing import Awaitable, Callable

import redis.asyncio as aioredis

from ..storage.redis import Keys
from ..loads.geo import great_circle_km

MOVING_KMH = 10.0
MIN_GAP_SECONDS = 5.0  # points closer in time than this say little about speed


class LocationStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, clock=time.time,
                 on_share_started: Callable[[], Awaitable[None]] | None = None) -> None:
        """`on_share_started()` is told when a driver starts sharing (insights re-read positions)."""
        self._redis = redis
        self._keys = keys
        self.clock = clock
        self.on_share_started = on_share_started

    def _key(self, driver_id: int) -> str:
        return self._keys(f"alerts:location:{driver_id}")

    async def update(self, driver_id: int, lat: float, lon: float, at: float, live_until: float | None) -> None:
        """Record a point taken at `at` (unix seconds). A point without a live period is not kept
        (a one-off location message says nothing about whether the truck moves)."""
        key = self._key(driver_id)
        previous = await self._redis.hgetall(key)
        forgotten = bool(previous.get("forgotten_until"))
        if forgotten:
            if live_until is None or abs(live_until - float(previous["forgotten_until"])) < 1:
                return  # an edit of the share the driver asked to forget
            previous = {}  # a new share
        until = live_until or float(previous.get("until") or 0)
        if until <= self.clock():
            return
        speed = float(previous.get("speed") or 0)
        moved_at = float(previous.get("moved_at") or 0)  # the first point: not known to move
        if previous.get("at"):
            gap = at - float(previous["at"])
            if gap < 0:
                return  # an older point arriving late
            if gap >= MIN_GAP_SECONDS:
                speed = great_circle_km(float(previous["lat"]), float(previous["lon"]), lat, lon) / (gap / 3600)
        if speed > MOVING_KMH:
            moved_at = at  # the latest moment the truck was seen moving
        pipe = self._redis.pipeline(transaction=True)
        if forgotten:
            pipe.delete(key)  # the marker goes with the forgotten share: this one is remembered as usual
        pipe.hset(key, mapping={"lat": lat, "lon": lon, "at": at, "until": until, "speed": round(speed, 2),
                                "moved_at": moved_at})
        pipe.expireat(key, int(until) + 1)
        await pipe.execute()
        if "lat" not in previous and self.on_share_started is not None:
            await self.on_share_started()

    async def latest(self, driver_id: int) -> tuple[float, float, float] | None:
        """(latitude, longitude, unix time of the point), or None when nothing live is known."""
        data = await self._redis.hgetall(self._key(driver_id))
        if "lat" not in data or float(data.get("until") or 0) <= self.clock():
            return None
        return float(data["lat"]), float(data["lon"]), float(data["at"])

    async def moving(self, driver_id: int, still_minutes: float) -> bool:
        """True while the truck moves and until `still_minutes` after it was last seen moving (Telegram
        sends no edits while the position stays the same, so silence after moving counts as standing)."""
        data = await self._redis.hgetall(self._key(driver_id))
        if "lat" not in data or float(data.get("until") or 0) <= self.clock():
            return False
        return self.clock() - float(data.get("moved_at") or 0) < still_minutes * 60

    async def forget(self, driver_id: int) -> bool:
        """Forget the live location; False when there was none. Edits of this share are ignored from now on."""
        key = self._key(driver_id)
        data = await self._redis.hgetall(key)
        until = float(data.get("until") or 0)
        if "lat" not in data or until <= self.clock():
            return False
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(key)
        pipe.hset(key, mapping={"forgotten_until": until})
        pipe.expireat(key, int(until) + 1)
        await pipe.execute()
        return True

