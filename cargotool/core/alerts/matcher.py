"""Which saved searches a new load matches, through an index — never a scan of every search.

A search's criteria are compiled from its normalised query's typed fields, so "matches" means what the
list endpoint would show for those filters [INFER: CargoTech's filter semantics as the stand-in
implements them — a load's loading date window contains the date, the truck class holds the load's
weight and volume, any shared body/load type, ranges inclusive, an open upper end meaning the
marketplace's ceiling (`ceilings`, given by the composition root)].

The index buckets searches by (loading city, unloading city); a search with a radius is put in the
bucket of every known city within that radius, a search without a city in the "any" bucket of that
side. A load looks at four buckets and checks only those candidates fully. A search with several places per
side (`from=1,77`) is in the buckets of each; a «по пути» search (`corridor`) in the "any" buckets, checked
against the great circle between its two points with the cities' coordinates from `geo` (a city not placed
yet: no match, never a guess; the watcher places cities by name as loads arrive). A search for a whole region
(`from_region=61`) is in the "any" bucket of that side and keeps the loads whose city the gazetteer puts in the
region (`Facts.start_region`, by the city's name; a city it does not know: no match) — what the list keeps.

A radius can be decided here only when the coordinates of the cities are known (`geo`); CargoTech's
points carry none [?]. Searches this matcher cannot decide (a radius around an unknown city, or
`mode=my`, whose meaning upstream is unknown) are `undecidable`: the watcher polls their own query.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from ..corridor import on_way
from ..loads.geo import Geo, great_circle_km
from ..loads.models import GeoPoint, Load
from ..loads.query import Corridor, LoadQuery, PlaceFilter

ANY = 0
Ceilings = Mapping[str, int]  # Facts field → what an open upper end of its range means upstream
RegionOf = Callable[[str | None], str | None]  # a city's name → its region code (core/regions), None: unknown


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
    start_region: str | None = None  # the loading city's region (core/regions), when `of` is given `region_of`
    finish_region: str | None = None

    @classmethod
    def of(cls, load: Load, region_of: RegionOf | None = None) -> "Facts":
        start, finish = load.origin, load.destination
        start_city, finish_city = (stop.place if stop else None for stop in (start, finish))
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
            start_region=region_of(start_city.name) if region_of and start_city else None,
            finish_region=region_of(finish_city.name) if region_of and finish_city else None,
        )


def _day(moment: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.timezone.utc).date()  # the date part as CargoTech writes it (UTC) [?]
    return moment


@dataclass(frozen=True)
class Criteria:
    """A search's filters, compiled once from its query."""

    starts: tuple[tuple[int, float], ...]  # (city id, radius km), any of them; none: anywhere
    finishes: tuple[tuple[int, float], ...]
    corridor: Corridor | None
    day: dt.date | None
    weight_t: float | None  # the truck class: loads up to this weight
    volume_m3: float | None  # and this volume
    truck_types: frozenset[int]
    load_types: frozenset[int]
    ranges: tuple[tuple[str, int, float], ...]  # (field, low, high), inclusive
    mode_my: bool
    start_regions: frozenset[str] = frozenset()  # region codes, any of them; none: no region asked
    finish_regions: frozenset[str] = frozenset()

    @classmethod
    def of(cls, query: LoadQuery, ceilings: Ceilings | None = None) -> "Criteria":
        ceilings = ceilings or {}
        ranges = []
        for field, span, scale in (("distance_km", query.distance_km, 1), ("price", query.price_rub, 100),
                                   ("price_per_km", query.rate_rub_per_km, 100)):
            if span:
                high = span.max * scale if span.max is not None else ceilings.get(field, math.inf)
                ranges.append((field, (span.min or 0) * scale, high))
        return cls(
            starts=tuple(_point(place) for place in query.starts()),
            finishes=tuple(_point(place) for place in query.finishes()),
            corridor=query.corridor,
            day=query.loading_date,
            weight_t=query.weight_t,
            volume_m3=query.volume_m3,
            truck_types=frozenset(query.body_types),
            load_types=frozenset(query.load_types),
            ranges=tuple(ranges),
            mode_my=query.mine,
            start_regions=frozenset(query.origin_regions),
            finish_regions=frozenset(query.destination_regions),
        )

    def matches(self, load: Facts, geo: Geo) -> bool:
        """Everything but `mode` (see the module note)."""
        if not (_near_any(self.starts, load.start_city, geo) and _near_any(self.finishes, load.finish_city, geo)):
            return False
        if self.corridor is not None and not _on_way(self.corridor, load, geo):
            return False
        if (self.start_regions and load.start_region not in self.start_regions) or (
                self.finish_regions and load.finish_region not in self.finish_regions):
            return False
        if self.day is not None and not (load.first_day and load.last_day and load.first_day <= self.day <= load.last_day):
            return False
        if self.weight_t is not None and (load.weight_kg is None or load.weight_kg > self.weight_t * 1000):
            return False
        if self.volume_m3 is not None and (load.volume_m3 is None or load.volume_m3 > self.volume_m3):
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
        if len(self.starts) > 1 or len(self.finishes) > 1 or self.corridor is not None or self.start_regions \
                or self.finish_regions:
            return True  # no single marketplace query to poll instead: a city not placed matches by its id only
        return all(point[1] < 0.5 or point[0] in geo for point in (*self.starts, *self.finishes))


def _point(place: PlaceFilter) -> tuple[int, float]:
    return place.id, float(place.radius_km or 0)


def _near_any(points: tuple[tuple[int, float], ...], city: int | None, geo: Geo) -> bool:
    return not points or any(_near(point, city, geo) for point in points)


def _on_way(corridor: Corridor, load: Facts, geo: Geo) -> bool:
    """Both ends of the load within the corridor and the load going from its start towards its end."""
    ends = [geo.get(i) for i in (corridor.start, corridor.end, load.start_city, load.finish_city)]
    if any(end is None for end in ends):
        return False
    a, b, start, finish = (GeoPoint(*end) for end in ends)  # type: ignore[misc]
    return on_way(start, finish, a, b, corridor.width_km + 0.5)


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
    return great_circle_km(*geo[centre], *geo[city]) <= radius + 0.5


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
                               if city == centre or great_circle_km(lat, lon, *self.geo[city]) <= radius_km + 0.5]
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
    def build(cls, searches: Iterable[tuple[int, LoadQuery]], geo: Geo | None = None,
              ceilings: Ceilings | None = None) -> "MatcherIndex":
        index = cls(geo)
        for search_id, query in searches:
            index.add(search_id, Criteria.of(query, ceilings))
        return index

    def _cities(self, points: tuple[tuple[int, float], ...]) -> list[int]:
        if not points:
            return [ANY]
        return list(dict.fromkeys(city for point in points for city in self._around(point)))

    def _around(self, point: tuple[int, float]) -> list[int]:
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
        for start in self._cities(criteria.starts):
            for finish in self._cities(criteria.finishes):
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
