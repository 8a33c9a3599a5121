"""The regions of Russia by GeoNames admin1 code (`regions.csv`: code, Russian name, administrative centre, and
— only where it is not the centre — the gazetteer's most populous city of the region; tests/unit/test_regions.py
checks each pair against the gazetteer), and where they lie (`RegionMap`, from the gazetteer's cities).

Crimea and Sevastopol are not in it: GeoNames files their cities under Ukraine, so the gazetteer cannot tell a
load there from one elsewhere by its region code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from ..loads.geo import great_circle_km
from ..loads.models import GeoPoint

SOURCE = Path(__file__).with_name("regions.csv")
COUNTRY = "RU"
MAX_REGIONS = 3  # per side: each is one more marketplace query (core/cargo/alongway.py)


@dataclass(frozen=True)
class Region:
    code: str  # GeoNames admin1 of Russia, e.g. "61": the API's id of the region
    name: str  # «Ростовская область»
    capital: str  # its administrative centre: the centre of its marketplace query
    largest: str  # the gazetteer's most populous city of the region when that is not the centre, else ""

    def public(self) -> dict[str, str]:
        return {"id": self.code, "name": self.name, "capital": self.capital}


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    with SOURCE.open(encoding="utf-8", newline="") as source:
        return {row["admin1"]: Region(row["admin1"], row["name"], row["capital"], row["largest"])
                for row in csv.DictReader(source)}


def region(code: str) -> Region | None:
    return regions().get(code)


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").replace("-", " ").split())


# what a driver may type for the kind of region: «Ростовская обл.», «Краснодарский кр», «респ. Татарстан»
_KINDS = {"обл": "область", "кр": "край", "респ": "республика", "ао": "автономный округ"}


def _words(text: str) -> list[str]:
    words = _norm(text.replace(".", " ").replace(",", " ")).split()
    return [_KINDS.get(word, word) for word in words]


def find_regions(text: str, limit: int = 3) -> list[Region]:
    """Regions whose name has every word typed (a word may be the start of the name's word): «ростовская обл.»,
    «татарстан», «краснодарский»; at least 3 letters, so «мо» finds no region. The name that begins with the first
    word typed comes first, then the shorter («моск»: Москва, then Московская область)."""
    typed = _words(text)
    if not typed or sum(len(word) for word in typed) < 3:
        return []
    found = []
    for item in regions().values():
        words = _words(item.name.replace("(", " ").replace(")", " ").replace("—", " "))
        if all(any(word.startswith(part) for word in words) for part in typed):
            found.append(item)
    found.sort(key=lambda item: (not _words(item.name)[0].startswith(typed[0]), len(item.name)))
    return found[:limit]


@dataclass(frozen=True)
class City:
    """A gazetteer city: its names, where it is, its country and admin1 code, its population."""

    names: tuple[str, ...]
    where: GeoPoint
    country: str
    admin1: str
    population: int


class RegionMap:
    """Where each region lies, from the gazetteer's cities: its centre (the capital's coordinates) and the radius
    around it that holds all its cities; and which region a city (by name) is in."""

    def __init__(self, cities: Iterable[City], region_of_name: Callable[[str], tuple[str, str] | None]) -> None:
        """`region_of_name(name)` → (country, admin1) of the city the gazetteer finds by that name."""
        self._region_of_name = region_of_name
        by_code: dict[str, list[City]] = {}
        for city in cities:
            if city.country == COUNTRY and city.admin1 in regions():
                by_code.setdefault(city.admin1, []).append(city)
        self._cities = by_code
        self._centres = {code: self._centre(code) for code in by_code}

    def _centre(self, code: str) -> GeoPoint | None:
        capital = _norm(regions()[code].capital)
        named = [c for c in self._cities[code] if capital in {_norm(n) for n in c.names}]
        return max(named, key=lambda c: c.population).where if named else None

    def centre(self, code: str) -> GeoPoint | None:
        return self._centres.get(code)

    def radius_km(self, code: str) -> float:
        """The largest great-circle distance from the centre to a city of the region (0 when unknown)."""
        centre = self.centre(code)
        if centre is None:
            return 0.0
        return max((great_circle_km(centre.lat, centre.lon, c.where.lat, c.where.lon) for c in self._cities[code]),
                   default=0.0)

    def largest(self, code: str) -> City | None:
        return max(self._cities.get(code, ()), key=lambda c: c.population, default=None)

    def of_city(self, name: str | None) -> str | None:
        """The region code of the city of this name (None: not a city of Russia the gazetteer knows)."""
        found = self._region_of_name(name) if name else None
        return found[1] if found is not None and found[0] == COUNTRY and found[1] in regions() else None
