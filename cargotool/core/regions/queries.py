"""A region as a marketplace query: CargoTech's list takes a point and a radius, not a region, so a region is asked
as its centre (the administrative centre's point id) with the radius that holds the region's cities (at most the
list's maximum), and only the loads whose city lies in the region are kept (core/cargo/alongway.py).

The centre's point id comes from the marketplace's place search for the centre's name (`points(text)`: the
shared cache's autocomplete, kept a day), then from this process's memory: no list call is spent on it."""

from __future__ import annotations

import math
import re
from typing import Any, Awaitable, Callable

from ..loads.query import PlaceFilter
from .table import RegionMap, region

Points = Callable[[str], Awaitable[Any]]  # CargoService.points: an Answer whose .data has items [{id, name, type}]
_BRACKETS = re.compile(r"\s*\(.*?\)\s*")
_PREFIX = re.compile(r"^(г\.|город)\s*")


def _same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        text = _PREFIX.sub("", _BRACKETS.sub(" ", text.lower().replace("ё", "е")).strip())
        return " ".join(text.replace("-", " ").split())

    return norm(a) == norm(b)


class RegionQueries:
    """`place(code)`: the region's centre and radius as a query's place; `of_city(name)`: a city's region."""

    def __init__(self, places: RegionMap, points: Points, max_radius_km: int) -> None:
        self._places = places
        self._points = points
        self._max_radius_km = max_radius_km
        self._centres: dict[str, tuple[int, int | None]] = {}  # code → (point id, point type)

    def of_city(self, name: str | None) -> str | None:
        return self._places.of_city(name)

    def radius_km(self, code: str) -> int:
        return min(self._max_radius_km, math.ceil(self._places.radius_km(code)))

    async def place(self, code: str) -> PlaceFilter | None:
        """None when the marketplace knows no point by the centre's name."""
        if code not in self._centres:
            item = region(code)
            if item is None:
                return None
            answer = await self._points(item.capital)
            found = [p for p in answer.data.get("items", []) if _same_name(str(p.get("name") or ""), item.capital)]
            if not found:
                return None
            self._centres[code] = (int(found[0]["id"]), found[0].get("type"))
        point_id, kind = self._centres[code]
        return PlaceFilter(point_id, kind=kind, radius_km=self.radius_km(code))
