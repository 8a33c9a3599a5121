"""How a driver (or a saved search) asks for loads, in typed fields. Built from already-valid values:
validation of what a person typed lives in `core/cargo/filters.py`; how a marketplace spells a query
lives in its adapter, and so does a query's key (`Marketplace.query_key`): only the marketplace knows which
queries it is asked alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NEWEST = "newest"  # `LoadQuery.order`: most recently updated first
OLDEST = "oldest"  # least recently updated first (the watcher uses it to check the marketplace honours `order`)


@dataclass(frozen=True)
class PlaceFilter:
    """Loads at this place, or within `radius_km` of it. `kind` is the place's dictionary type (None: the
    adapter's default)."""

    id: int
    kind: int | None = None
    radius_km: int | None = None


@dataclass(frozen=True)
class Span:
    """An inclusive range; either end may be open."""

    min: int | None = None
    max: int | None = None

    def __bool__(self) -> bool:
        return self.min is not None or self.max is not None


@dataclass(frozen=True)
class Corridor:
    """«По пути»: loads loading and unloading within `width_km` of the great circle from point `start` to
    point `end`, going that way (core/corridor)."""

    start: int
    end: int
    width_km: int


@dataclass(frozen=True)
class LoadQuery:
    origin: PlaceFilter | None = None
    destination: PlaceFilter | None = None
    loading_date: dt.date | None = None
    weight_t: float | None = None  # the truck's capacity: loads up to this weight (e.g. 1.5 t)
    volume_m3: float | None = None  # and up to this volume
    body_types: tuple[int, ...] = ()
    load_types: tuple[int, ...] = ()
    distance_km: Span = Span()
    price_rub: Span = Span()
    rate_rub_per_km: Span = Span()
    mine: bool = False  # only the loads of our own account
    order: str | None = None  # NEWEST or OLDEST by last update; None: the marketplace's own order
    limit: int = 20
    offset: int = 0
    # several places per side (any of them; then `origin`/`destination` are None) and «по пути»: no
    # marketplace takes these in one call — core/cargo/alongway.py splits them into `single_queries()`
    origins: tuple[PlaceFilter, ...] = ()
    destinations: tuple[PlaceFilter, ...] = ()
    corridor: Corridor | None = None
    # whole regions per side (their codes, core/regions): a query around each region's centre, then only the
    # loads whose city lies in the region — core/cargo/alongway.py
    origin_regions: tuple[str, ...] = ()
    destination_regions: tuple[str, ...] = ()

    @property
    def compound(self) -> bool:
        """Several places on a side, a corridor or a region: more than one marketplace query, or a local filter."""
        return bool(self.origins or self.destinations or self.corridor or self.origin_regions
                    or self.destination_regions)

    def starts(self) -> tuple[PlaceFilter, ...]:
        """Every loading place asked for (none: anywhere)."""
        return self.origins or ((self.origin,) if self.origin else ())

    def finishes(self) -> tuple[PlaceFilter, ...]:
        return self.destinations or ((self.destination,) if self.destination else ())

    def compound_key(self) -> str:
        """The several places and the corridor as text ('' for a simple query): the part of the query that no
        single marketplace request spells (the adapter's `query_key` appends it)."""
        return "&".join(f"{name}={_compound(getattr(self, name))}" for name in COMPOUND_FIELDS if getattr(self, name))

COMPOUND_FIELDS = ("origins", "destinations", "corridor", "origin_regions", "destination_regions")


def _place(place: PlaceFilter) -> str:
    return f"{place.id}:{_text(place.kind)}:{_text(place.radius_km)}"


def _compound(value: object) -> str:
    if isinstance(value, Corridor):
        return f"{value.start}~{value.end}:{value.width_km}"
    if all(isinstance(item, str) for item in value):  # type: ignore[attr-defined]
        return ",".join(sorted(value))  # type: ignore[arg-type]
    return ",".join(sorted(_place(p) for p in value))  # type: ignore[attr-defined]


def _text(value: object) -> str:
    return "" if value is None else str(value)
