"""How a driver (or a saved search) asks for loads, in typed fields. Built from already-valid values:
validation of what a person typed lives in `core/cargo/filters.py`; how a marketplace spells a query
lives in its adapter, and so does a query's key (`Marketplace.query_key`): only the marketplace knows which
queries it is asked alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NEWEST = "newest"  # `LoadQuery.order`: most recently updated first
OLDEST = "oldest"  # least recently updated first (the watcher uses it to check the marketplace honours `order`)
PAGING = ("limit", "offset")


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
