"""Where Russia's regions lie (core/regions), from the gazetteer's cities: built once per process."""

from __future__ import annotations

from functools import lru_cache

from ..core.insights.gazetteer import default_gazetteer, rows
from ..core.loads.models import GeoPoint
from ..core.regions import RegionMap
from ..core.regions.table import City


@lru_cache(maxsize=1)
def region_map() -> RegionMap:
    gazetteer = default_gazetteer()

    def region_of_name(name: str) -> tuple[str, str] | None:
        place = gazetteer.find(name)
        return (place.country, place.admin1) if place is not None else None

    cities = (City(names, GeoPoint(place.lat, place.lon), place.country, place.admin1, place.population)
              for place, names in rows())
    return RegionMap(cities, region_of_name)
