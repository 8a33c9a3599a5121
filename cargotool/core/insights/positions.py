"""Where a driver is, from several sources, and their fuel figures.

Sources answer `await source.position(driver_id) -> Position | None`; `PositionReader` asks each and
keeps the freshest: the driver's own profile (a location the Mini App sent from Telegram's
LocationManager, or a home city) and the bot's live location (`LiveLocation`, added by the composition
root with `reader.add(source)`).

The profile is stored in the database; the hot path (every list page of a driver) reads a Redis copy
that every change drops, itself kept for `LOCAL_SECONDS` in the process (so another worker may show a
changed position up to that much later; the worker that made the change forgets its copy at once).

Most drivers have no position at all, and for them a list page needs nothing personal: "no position" is
kept longer (`NEGATIVE_SECONDS`) and trusted while a Redis counter, the positions epoch, is unchanged.
Gaining a position (the Mini App's, or a live share starting) bumps it; each process reads it at most every
`EPOCH_CHECK_SECONDS`. So a warm list page of a driver without a position costs no Redis read of theirs.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass
from typing import Protocol

import redis.asyncio as aioredis

from ..errors import InvalidInput
from ..storage.db import Database
from ..storage.models import utcnow
from ..storage.redis import Keys
from .economics import FuelProfile
from .truck import Truck, parse_truck
from .gazetteer import Gazetteer
from .models import DriverInsightProfile

CACHE_SECONDS = 600
LOCAL_SECONDS = 2.0
NEGATIVE_SECONDS = 30.0
EPOCH_CHECK_SECONDS = 0.5
LOCAL_MAX_ENTRIES = 4096


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    source: str  # device | home | live (the bot, once it exists)
    label: str | None  # the home city's name, if any
    at: float  # unix time the position was given

    def public(self) -> dict:
        return {"lat": self.lat, "lon": self.lon, "source": self.source, "label": self.label,
                "at": dt.datetime.fromtimestamp(self.at, dt.timezone.utc).isoformat()}


@dataclass(frozen=True)
class Profile:
    position: Position | None
    fuel: FuelProfile | None
    truck: Truck | None = None  # issue 21 §2: over 12 t (Platon) and the driver's own cost per km

    def public(self) -> dict:
        fuel = None
        if self.fuel:
            fuel = {"l_per_100km": self.fuel.litres_per_100km, "price_rub": self.fuel.price_kopecks_per_litre / 100}
        return {"position": self.position.public() if self.position else None, "fuel": fuel,
                "truck": self.truck.public() if self.truck else None}


class PositionSource(Protocol):
    async def position(self, driver_id: int) -> Position | None: ...


def _number(body: dict, name: str, low: float, high: float, fields: dict[str, str], message: str) -> float | None:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        fields[name] = message
        return None
    return float(value)


class Profiles:
    """The driver's own position and fuel figures (one row per driver)."""

    def __init__(self, database: Database, redis: aioredis.Redis, keys: Keys, gazetteer: Gazetteer) -> None:
        self._db = database
        self._redis = redis
        self._keys = keys
        self._gazetteer = gazetteer
        self._local: dict[int, tuple[float, Profile]] = {}

    def _key(self, driver_id: int) -> str:
        return self._keys(f"insights:profile:{driver_id}")

    async def get(self, driver_id: int) -> Profile:
        local = self._local.get(driver_id)
        if local is not None and local[0] > time.monotonic():
            return local[1]
        cached = await self._redis.get(self._key(driver_id))
        if cached is None:
            row = await self._db.run(lambda: DriverInsightProfile.get_or_none(DriverInsightProfile.driver_id == driver_id))
            cached = json.dumps(_profile_data(row))
            await self._redis.set(self._key(driver_id), cached, ex=CACHE_SECONDS)
        data = json.loads(cached)
        position = Position(**data["position"]) if data.get("position") else None
        fuel = FuelProfile(**data["fuel"]) if data.get("fuel") else None
        profile = Profile(position, fuel, Truck(**data["truck"]) if data.get("truck") else None)
        if len(self._local) >= LOCAL_MAX_ENTRIES:
            self._local.clear()
        self._local[driver_id] = (time.monotonic() + LOCAL_SECONDS, profile)
        return profile

    async def position(self, driver_id: int) -> Position | None:
        return (await self.get(driver_id)).position

    async def set_position(self, driver_id: int, body: object, point_names: "PointNames") -> Profile:
        """`{"lat", "lon"}` (from the device) or `{"point_id", "name"?}` (a home city)."""
        if not isinstance(body, dict):
            raise InvalidInput("Нужны координаты или город", fields={"lat": "Число", "lon": "Число"})
        fields: dict[str, str] = {}
        if "point_id" in body:
            point_id = body.get("point_id")
            if isinstance(point_id, bool) or not isinstance(point_id, int) or point_id <= 0:
                raise InvalidInput("Выберите город из списка", fields={"point_id": "Город не выбран из подсказок"})
            name = body.get("name") if isinstance(body.get("name"), str) else await point_names.name(point_id)
            place = self._gazetteer.find(name)
            if place is None:
                raise InvalidInput("Не знаем координат этого города — выберите ближайший крупный",
                                   fields={"point_id": "Город не найден в справочнике"})
            values = {"lat": place.lat, "lon": place.lon, "point_id": point_id, "place_name": name.strip(),
                      "position_source": "home"}
        else:
            lat = _number(body, "lat", -90, 90, fields, "Широта от -90 до 90")
            lon = _number(body, "lon", -180, 180, fields, "Долгота от -180 до 180")
            if fields:
                raise InvalidInput("Проверьте координаты", fields=fields)
            values = {"lat": lat, "lon": lon, "point_id": None, "place_name": None, "position_source": "device"}
        return await self._save(driver_id, position_at=utcnow(), **values)

    async def forget_position(self, driver_id: int) -> Profile:
        return await self._save(driver_id, lat=None, lon=None, point_id=None, place_name=None,
                                position_source=None, position_at=None)

    async def clear_position(self, driver_id: int) -> None:
        """Erase the stored position (a withdrawn consent) without making a row for a driver who has none."""
        await self._db.run(lambda: DriverInsightProfile.update(
            lat=None, lon=None, point_id=None, place_name=None, position_source=None, position_at=None,
            updated_at=utcnow()).where(DriverInsightProfile.driver_id == driver_id).execute())
        await self._redis.delete(self._key(driver_id))
        self._local.pop(driver_id, None)

    async def delete_row(self, driver_id: int) -> bool:
        """Delete the driver's row (position and fuel figures) and every copy of it; False when there was none."""
        deleted = await self._db.run(lambda: DriverInsightProfile.delete()
                                     .where(DriverInsightProfile.driver_id == driver_id).execute())
        await self._redis.delete(self._key(driver_id))
        self._local.pop(driver_id, None)
        return bool(deleted)

    async def set_fuel(self, driver_id: int, body: object) -> Profile:
        """`{"l_per_100km", "price_rub"}`, or `null` values to forget them."""
        if not isinstance(body, dict):
            raise InvalidInput("Нужны расход и цена топлива", fields={"l_per_100km": "Число", "price_rub": "Число"})
        if body.get("l_per_100km") is None and body.get("price_rub") is None:
            return await self._save(driver_id, fuel_l_per_100km=None, fuel_price_kopecks=None)
        fields: dict[str, str] = {}
        litres = _number(body, "l_per_100km", 1, 100, fields, "Расход от 1 до 100 л на 100 км")
        price = _number(body, "price_rub", 1, 1000, fields, "Цена литра от 1 до 1000 ₽")
        if fields:
            raise InvalidInput("Проверьте расход и цену топлива", fields=fields)
        return await self._save(driver_id, fuel_l_per_100km=litres, fuel_price_kopecks=round(price * 100))

    async def set_truck(self, driver_id: int, body: object) -> Profile:
        """`{"over_12t": bool, "cost_rub_km"?: number | null}` (core/insights/truck.py validates it)."""
        truck = parse_truck(body)
        return await self._save(driver_id, truck_over_12t=truck.over_12t, truck_cost_kopecks_km=truck.cost_kopecks_km)

    async def truck_classes(self, driver_ids: list[int]) -> dict[int, bool]:
        """Whether each driver's truck is over 12 t, of those who said, in one query (core/availability's free
        trucks for dispatchers)."""
        def work() -> dict[int, bool]:
            found: dict[int, bool] = {}
            for start in range(0, len(driver_ids), 500):
                found.update(DriverInsightProfile.select(DriverInsightProfile.driver_id, DriverInsightProfile.truck_over_12t)
                             .where(DriverInsightProfile.driver_id.in_(driver_ids[start:start + 500])
                                    & DriverInsightProfile.truck_over_12t.is_null(False)).tuples())
            return found

        return await self._db.run(work) if driver_ids else {}

    async def _save(self, driver_id: int, **values) -> Profile:
        await upsert_profile(self._db, driver_id, values)
        await self._redis.delete(self._key(driver_id))
        self._local.pop(driver_id, None)
        return await self.get(driver_id)


async def upsert_profile(database: Database, driver_id: int, values: dict) -> None:
    """Write these columns of the driver's profile row (made when missing), with `updated_at`."""
    values = {**values, "updated_at": utcnow()}

    def work() -> None:
        with database.write_transaction():
            (DriverInsightProfile.insert(driver_id=driver_id, **values)
             .on_conflict(conflict_target=[DriverInsightProfile.driver_id], update=values).execute())

    await database.run(work)


def _profile_data(row: DriverInsightProfile | None) -> dict:
    data: dict = {"position": None, "fuel": None, "truck": None}
    if row is None:
        return data
    if row.lat is not None and row.lon is not None:
        at = row.position_at.timestamp() if row.position_at else 0.0
        data["position"] = asdict(Position(row.lat, row.lon, row.position_source or "device", row.place_name, at))
    if row.fuel_l_per_100km and row.fuel_price_kopecks:
        data["fuel"] = asdict(FuelProfile(row.fuel_l_per_100km, row.fuel_price_kopecks))
    if row.truck_over_12t is not None:
        data["truck"] = asdict(Truck(row.truck_over_12t, row.truck_cost_kopecks_km))
    return data


class PointNames:
    """CargoTech point id → city name, learnt from every list and detail the server fetches (a Redis hash),
    so a home city can be given by its id alone."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._key = keys("insights:point-names")

    async def learn(self, names: dict[int, str]) -> None:
        if names:
            await self._redis.hset(self._key, mapping={str(k): v for k, v in names.items()})

    async def name(self, point_id: int) -> str | None:
        return await self._redis.hget(self._key, str(point_id))

    async def known(self) -> dict[int, str]:
        """Every point seen so far (the chains look for the city nearest to a driver among them)."""
        return {int(k): v for k, v in (await self._redis.hgetall(self._key)).items() if k.isdigit()}


class LiveLocation:
    """The bot's live location (core/alerts/location.py: `latest(driver_id) -> (lat, lon, at) | None`) as a
    position source: while the driver shares it, it is fresher than anything set in the Mini App."""

    def __init__(self, store) -> None:
        self._store = store

    async def position(self, driver_id: int) -> Position | None:
        latest = await self._store.latest(driver_id)
        return Position(latest[0], latest[1], "live", None, latest[2]) if latest else None

    async def erase(self, driver_id: int) -> None:
        await self._store.forget(driver_id)


class PositionReader:
    """The freshest position any source knows."""

    def __init__(self, *sources: PositionSource, redis: aioredis.Redis | None = None, keys: Keys | None = None) -> None:
        self._sources = list(sources)
        self._local: dict[int, tuple[float, Position | None, str | None]] = {}  # answer, until, epoch
        self._redis = redis
        self._epoch_key = keys("insights:positions:epoch") if keys is not None else None
        self._epoch: tuple[float, str | None] = (0.0, None)  # (read at, value)

    async def _current_epoch(self) -> str | None:
        if self._redis is None or self._epoch_key is None:
            return None
        read_at, value = self._epoch
        if time.monotonic() - read_at < EPOCH_CHECK_SECONDS:
            return value
        value = await self._redis.get(self._epoch_key)
        self._epoch = (time.monotonic(), value)
        return value

    async def gained(self) -> None:
        """Some driver has a position now who may have had none: every process drops its "no position"."""
        if self._redis is not None and self._epoch_key is not None:
            await self._redis.incr(self._epoch_key)
        self._epoch = (0.0, None)

    async def position(self, driver_id: int) -> Position | None:
        local = self._local.get(driver_id)
        if local is not None and local[0] > time.monotonic() and (
                local[1] is not None or self._redis is None or await self._current_epoch() == local[2]):
            return local[1]
        epoch = await self._current_epoch()
        found = [p for p in [await s.position(driver_id) for s in self._sources] if p is not None]
        position = max(found, key=lambda p: p.at) if found else None
        if len(self._local) >= LOCAL_MAX_ENTRIES:
            self._local.clear()
        ttl = LOCAL_SECONDS if position is not None or self._redis is None else NEGATIVE_SECONDS
        self._local[driver_id] = (time.monotonic() + ttl, position, epoch)
        return position

    def forget(self, driver_id: int) -> None:
        """Drop this process's copy (after the driver changed their position here)."""
        self._local.pop(driver_id, None)

    async def erase(self, driver_id: int) -> None:
        """Make every source that can forget (the bot's live location) forget the driver's position."""
        for source in self._sources:
            if hasattr(source, "erase"):
                await source.erase(driver_id)
        self.forget(driver_id)
