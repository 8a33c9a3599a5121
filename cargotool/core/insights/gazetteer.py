"""City coordinates by Russian name, from the GeoNames extract in `cities.csv` (see build_gazetteer.py).

CargoTech's list gives a city only as `{id, name}`; this turns the name into a place with coordinates
and a region (GeoNames country + first-level division, e.g. `RU-13`). When several places share a name,
Russia wins over the neighbours, then the larger population.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SOURCE = Path(__file__).with_name("cities.csv")
_PREFIX = re.compile(r"^(г\.|город|пгт\.?|пос\.|п\.|с\.|д\.)\s*")
_BRACKETS = re.compile(r"\s*\(.*?\)\s*")
# a former name of a large city that is the current name of another: GeoNames keeps both without saying which is
# current, so the larger city would take the name (Тольятти was Ставрополь until 1964, Самара Куйбышев until 1991)
FORMER_NAMES = {("ставрополь", 482283), ("куйбышев", 499099)}


@dataclass(frozen=True)
class Place:
    geonameid: int
    lat: float
    lon: float
    country: str
    admin1: str
    population: int

    @property
    def region(self) -> str:
        return f"{self.country}-{self.admin1}"


def normalise(name: str) -> str:
    """`г. Ростов-на-Дону (Ростовская обл.)` → `ростов на дону`."""
    text = name.strip().lower().replace("ё", "е")
    text = _BRACKETS.sub(" ", text)
    text = _PREFIX.sub("", text.strip())
    text = re.sub(r"[\s\-‐–—]+", " ", text)
    return text.strip(" .,")


class Gazetteer:
    def __init__(self, places: dict[str, Place]) -> None:
        self._by_name = places

    def __len__(self) -> int:
        return len(self._by_name)

    def find(self, name: str | None) -> Place | None:
        if not name:
            return None
        return self._by_name.get(normalise(name))

    def coordinates(self, name: str | None) -> tuple[float, float] | None:
        place = self.find(name)
        return (place.lat, place.lon) if place is not None else None

    @classmethod
    def load(cls, path: Path = SOURCE) -> "Gazetteer":
        ranked: dict[str, tuple[tuple[bool, int], Place]] = {}
        for place, names in rows(path):
            rank = (place.country == "RU", place.population)
            for name in names:
                key = normalise(name)
                if (key, place.geonameid) in FORMER_NAMES:
                    continue
                if key and (key not in ranked or ranked[key][0] < rank):
                    ranked[key] = (rank, place)
        return cls({key: place for key, (_, place) in ranked.items()})


def rows(path: Path = SOURCE) -> list[tuple[Place, tuple[str, ...]]]:
    """Every city of the extract with all its names (a name may belong to several)."""
    with path.open(encoding="utf-8", newline="") as source:
        return [(Place(int(row["geonameid"]), float(row["lat"]), float(row["lon"]), row["country"], row["admin1"],
                       int(row["population"])), tuple(row["names"].split("|"))) for row in csv.DictReader(source)]


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """Loaded once per process (about 0.1 s, a few MB)."""
    return Gazetteer.load()
