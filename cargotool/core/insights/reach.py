"""«Успеваю?» on cards (issue 21 §6): the driving-time verdict (core/drivetime) for a driver whose position
is known, from the empty run to the loading point, and the hours they have already driven today.

The hours driven today live in Redis, not the database: the figure is worth one Moscow day only, so the
key carries the Moscow date and expires at the next Moscow midnight by itself — nothing to migrate, clean
up or forget later (a lost key reads as 0 h, the same as a driver who never said). A read checks the date
too, so a key that outlived its day never counts.

`reach` is added to cards that have `deadhead_km` (set by the economics of a driver with a position):
`{verdict: "ok"|"tight"|"no", arrival, text}`. The list's «успеваю» (`reachable=1`) leaves out "no" only:
a load whose loading point has no coordinates has no verdict, and is kept (nothing says it is out of reach).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Iterable

import redis.asyncio as aioredis

from ..clock import MOSCOW
from ..drivetime import DEFAULT_SPEED_KMH, Verdict, reach, reach_load
from ..errors import InvalidInput
from ..loads.models import Load
from ..storage.redis import Keys
from .economics import deadhead_km
from .gazetteer import Gazetteer
from .positions import Position

MAX_DRIVEN_H = 13  # a 9 h day (10 h twice a week) plus a margin for a driver who broke the rules


def _moment(text: str | None) -> dt.date | dt.datetime | None:
    """A card's `from.from`/`from.to` (ISO, a date or a Moscow time) back into a date or an aware time."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        return None


class Reach:
    """The driver's hours driven today, and the verdict on cards and loads."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, gazetteer: Gazetteer,
                 avg_speed_kmh: float = DEFAULT_SPEED_KMH) -> None:
        self._redis = redis
        self._keys = keys
        self._gazetteer = gazetteer
        self.avg_speed_kmh = avg_speed_kmh

    def _key(self, driver_id: int) -> str:
        return self._keys(f"drivetime:today:{driver_id}")

    async def view(self, driver_id: int, now: dt.datetime | None = None) -> dict:
        """`GET /api/me/driving`: the hours counted today and the Moscow date they are for."""
        now = now or dt.datetime.now(MOSCOW)
        return {"driven_today_h": await self.driven_today(driver_id, now), "date": now.astimezone(MOSCOW).date().isoformat()}

    async def driven_today(self, driver_id: int, now: dt.datetime | None = None) -> float:
        """The hours the driver said they drove today (Moscow day); 0 when not said or said another day."""
        stored = await self._redis.get(self._key(driver_id))
        if not stored:
            return 0.0
        day, _, hours = str(stored).partition("|")
        today = (now or dt.datetime.now(MOSCOW)).astimezone(MOSCOW).date()
        try:
            return float(hours) if day == today.isoformat() else 0.0
        except ValueError:
            return 0.0

    async def set_driven_today(self, driver_id: int, body: object, now: dt.datetime | None = None) -> dict:
        """`{"driven_today_h": 0–13}`; kept until the next Moscow midnight."""
        value = body.get("driven_today_h") if isinstance(body, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not 0 <= value <= MAX_DRIVEN_H:
            raise InvalidInput("Проверьте часы за рулём",
                               fields={"driven_today_h": f"Число часов от 0 до {MAX_DRIVEN_H}"})
        local = (now or dt.datetime.now(MOSCOW)).astimezone(MOSCOW)
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), MOSCOW)
        hours = round(float(value), 2)
        await self._redis.set(self._key(driver_id), f"{local.date().isoformat()}|{hours}",
                              exat=int(midnight.timestamp()))
        return {"driven_today_h": hours, "date": local.date().isoformat()}

    async def forget(self, driver_id: int) -> None:
        await self._redis.delete(self._key(driver_id))

    async def add(self, driver_id: int, cards: Iterable[dict], now: dt.datetime | None = None) -> None:
        """`reach` on every card with an empty run (a driver with a position; see Insights._economics)."""
        cards = [c for c in cards if c.get("deadhead_km") is not None]
        if not cards:
            return
        now = now or dt.datetime.now(MOSCOW)
        driven = await self.driven_today(driver_id, now)
        for card in cards:
            start = card.get("from") or {}
            result = reach(card["deadhead_km"], now, _moment(start.get("from")), _moment(start.get("to")),
                           driven, self.avg_speed_kmh)
            card["reach"] = result.as_api()

    async def verdicts(self, driver_id: int, position: Position | None, loads: Iterable[Load],
                       now: dt.datetime | None = None) -> dict[str, Verdict]:
        """The verdict per load id (for alerts); loads without a loading point's coordinates have none."""
        if position is None:
            return {}
        now = now or dt.datetime.now(MOSCOW)
        driven = await self.driven_today(driver_id, now)
        found = {}
        for load in loads:
            point = self._point(load)
            if point is not None:
                empty = deadhead_km(position.lat, position.lon, *point)
                verdict = reach_load(load, empty, now, driven, self.avg_speed_kmh)
                if verdict is not None:
                    found[load.id] = verdict
        return found

    def _point(self, load: Load) -> tuple[float, float] | None:
        if load.origin is None:
            return None
        if load.origin.coordinates is not None:
            return load.origin.coordinates.lat, load.origin.coordinates.lon
        place = self._gazetteer.find(load.origin.place.name if load.origin.place else None)
        return (place.lat, place.lon) if place is not None else None


def reachable_only(cards: list[dict]) -> list[dict]:
    """«Успеваю»: leave out the loads the driver cannot reach legally; those without a verdict stay."""
    return [c for c in cards if (c.get("reach") or {}).get("verdict") != "no"]


def by_arrival(cards: list[dict]) -> list[dict]:
    """The earliest arrival first (Moscow ISO times sort as text); cards without a verdict after, in order."""
    timed = [c for c in cards if (c.get("reach") or {}).get("arrival")]
    return sorted(timed, key=lambda c: c["reach"]["arrival"]) + [c for c in cards if not (c.get("reach") or {}).get("arrival")]
