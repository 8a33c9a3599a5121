"""Which saved searches a new load matches, through an index — never a scan of every search.

A search's criteria are compiled from its normalised upstream query (the parameters CargoTech gets), so
"matches" means what the list endpoint would show for those filters [INFER: CargoTech's filter
semantics as the stand-in implements them — a load's loading date window contains the date, the truck
class holds the load's weight and volume, any shared body/load type, ranges inclusive].

The index buckets searches by (loading city, unloading city); a search with a radius is put in the
bucket of every known city within that radius, a search without a city in the "any" bucket of that
side. A load looks at four buckets and checks only those candidates fully.

A radius can be decided here only when the coordinates of the cities are known (`geo`); CargoTech's
points carry none [?]. Searches this matcher cannot decide (a radius around an unknown city, or
`mode=my`, whose meaning upstream is unknown) are `undecidable`: the watcher polls their own query.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from ..cargotech.query import CargoListQuery
from ..loads.models import Load

ANY = 0
Geo = dict[int, tuple[float, float]]


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Facts:
    """What matching reads from a load (the amounts the marketplace's filters compare, not the shown price)."""

    cargo_id: str
    start_city: int | None
    finish_city: int | None
    first_day: dt.date | None
    last_day: dt.date | None
    weight_kg: int | None
    volume_m3: float | None
    truck_types: frozenset[int]
    load_types: frozenset[int]
    distance_km: int | None
    price: int | None
    price_per_km: int | None

    @classmethod
    def of(cls, load: Load) -> "Facts":
        start, finish = load.origin, load.destination
        return cls(
            cargo_id=load.id,
            start_city=start.place.id if start and start.place else None,
            finish_city=finish.place.id if finish and finish.place else None,
            first_day=_day(start.earliest) if start else None,
            last_day=_day(start.latest or start.earliest) if start else None,
            weight_kg=load.weight_kg,
            volume_m3=load.volume_m3,
            truck_types=frozenset(t.id for t in load.body_types if t.id is not None),
            load_types=frozenset(t.id for t in load.load_types if t.id is not None),
            distance_km=load.distance_km,
            price=load.filter_price_kopecks,
            price_per_km=load.filter_rate_kopecks_per_km,
        )


def _day(moment: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.timezone.utc).date()  # the date part as CargoTech writes it (UTC) [?]
    return moment


@dataclass(frozen=True)
class Criteria:
    """A search's filters, compiled once from the parameters its upstream query sends."""

    start: tuple[int, float] | None  # (city id, radius km)
    finish: tuple[int, float] | None
    day: dt.date | None
    wv: tuple[float, float] | None  # (tonnes, m³)
    truck_types: frozenset[int]
    load_types: frozenset[int]
    ranges: tuple[tuple[str, int, int], ...]  # (field, low, high), inclusive
    mode_my: bool

    @classmethod
    def of(cls, query: CargoListQuery) -> "Criteria":
        p = dict(query.to_params())

        def point(side: str) -> tuple[int, float] | None:
            point_id = p.get(f"filter[{side}_point_id]")
            return (int(point_id), float(p.get(f"filter[{side}_point_radius]") or 0)) if point_id else None

        wv = p.get("filter[wv]")
        ranges = []
        for key, field in (("distance", "distance_km"), ("price", "price"), ("price_per_km", "price_per_km")):
            if bounds := p.get(f"filter[{key}]"):
                low, high = (int(x) for x in bounds.split(","))
                ranges.append((field, low, high))
        return cls(
            start=point("start"),
            finish=point("finish"),
            day=dt.date.fromisoformat(p["filter[start_date]"]) if "filter[start_date]" in p else None,
            wv=tuple(float(x) for x in wv.split("-")) if wv else None,  # type: ignore[arg-type]
            truck_types=frozenset(int(x) for x in (p.get("filter[truck_types]") or "").split(",") if x),
            load_types=frozenset(int(x) for x in (p.get("filter[load_types]") or "").split(",") if x),
            ranges=tuple(ranges),
            mode_my=p.get("filter[mode]") == "my",
        )

    def matches(self, load: Facts, geo: Geo) -> bool:
        """Everything but `mode` (see the module note)."""
        if not (_near(self.start, load.start_city, geo) and _near(self.finish, load.finish_city, geo)):
            return False
        if self.day is not None and not (load.first_day and load.last_day and load.first_day <= self.day <= load.last_day):
            return False
        if self.wv is not None:
            if load.weight_kg is None or load.volume_m3 is None:
                return False
            if load.weight_kg > self.wv[0] * 1000 or load.volume_m3 > self.wv[1]:
                return False
        if self.truck_types and not self.truck_types & load.truck_types:
            return False
        if self.load_types and not self.load_types & load.load_types:
            return False
        for field, low, high in self.ranges:
            value = getattr(load, field)
            if value is None or not low <= value <= high:
                return False
        return True

    def decidable(self, geo: Geo) -> bool:
        if self.mode_my:
            return False
        return all(point is None or point[1] < 0.5 or point[0] in geo for point in (self.start, self.finish))


def _near(point: tuple[int, float] | None, city: int | None, geo: Geo) -> bool:
    if point is None:
        return True
    if city is None:
        return False
    centre, radius = point
    if centre == city:
        return True
    if centre not in geo or city not in geo:
        return False
    return haversine_km(geo[centre], geo[city]) <= radius + 0.5


class CityGrid:
    """Known cities in 1° cells, so "every city within R km of X" looks at a few cells, not every city."""

    def __init__(self, geo: Geo) -> None:
        self.geo = geo
        self._cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for city, (lat, lon) in geo.items():
            self._cells[(math.floor(lat), math.floor(lon))].append(city)
        self._memo: dict[tuple[int, float], list[int]] = {}

    def within(self, centre: int, radius_km: float) -> list[int]:
        key = (centre, radius_km)
        if key not in self._memo:
            lat, lon = self.geo[centre]
            dlat = math.ceil((radius_km + 1) / 111.0)
            dlon = math.ceil((radius_km + 1) / max(1.0, 111.0 * math.cos(math.radians(min(abs(lat) + dlat, 89.0)))))
            row, col = math.floor(lat), math.floor(lon)
            self._memo[key] = [city for r in range(row - dlat, row + dlat + 1) for c in range(col - dlon, col + dlon + 1)
                               for city in self._cells.get((r, c), ())
                               if city == centre or haversine_km((lat, lon), self.geo[city]) <= radius_km + 0.5]
        return self._memo[key]


class MatcherIndex:
    """Searches (id → criteria) bucketed by loading and unloading city; `match(load)` → matching ids."""

    def __init__(self, geo: Geo | None = None) -> None:
        self.geo: Geo = dict(geo or {})
        self._grid = CityGrid(self.geo)
        self._buckets: dict[tuple[int, int], list[tuple[int, Criteria]]] = defaultdict(list)
        self.undecidable: set[int] = set()
        self.size = 0

    @classmethod
    def build(cls, searches: Iterable[tuple[int, CargoListQuery]], geo: Geo | None = None) -> "MatcherIndex":
        index = cls(geo)
        for search_id, query in searches:
            index.add(search_id, Criteria.of(query))
        return index

    def _cities(self, point: tuple[int, float] | None) -> list[int]:
        if point is None:
            return [ANY]
        centre, radius = point
        if radius < 0.5 or centre not in self.geo:
            return [centre]
        return self._grid.within(centre, radius)

    def add(self, search_id: int, criteria: Criteria) -> None:
        self.size += 1
        if not criteria.decidable(self.geo):
            self.undecidable.add(search_id)
            return
        entry = (search_id, criteria)
        for start in self._cities(criteria.start):
            for finish in self._cities(criteria.finish):
                self._buckets[(start, finish)].append(entry)

    def match(self, load: Facts) -> list[int]:
        found: list[int] = []
        starts = (load.start_city, ANY) if load.start_city is not None else (ANY,)
        finishes = (load.finish_city, ANY) if load.finish_city is not None else (ANY,)
        for start in starts:
            for finish in finishes:
                for search_id, criteria in self._buckets.get((start, finish), ()):
                    if criteria.matches(load, self.geo):
                        found.append(search_id)
        return found
