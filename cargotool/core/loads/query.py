"""How a driver (or a saved search) asks for loads, in typed fields. Built from already-valid values:
validation of what a person typed lives in `core/cargo/filters.py`; how a marketplace spells a query
lives in its adapter. Equal queries have equal `cache_key()`s (ids sorted, fixed order)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

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

    @property
    def compound(self) -> bool:
        """Several places on a side, or a corridor: more than one marketplace query."""
        return bool(self.origins or self.destinations or self.corridor)

    def starts(self) -> tuple[PlaceFilter, ...]:
        """Every loading place asked for (none: anywhere)."""
        return self.origins or ((self.origin,) if self.origin else ())

    def finishes(self) -> tuple[PlaceFilter, ...]:
        return self.destinations or ((self.destination,) if self.destination else ())

    def cache_key(self) -> str:
        """One text per query for the shared cache: equal queries, equal keys."""
        return self._cache_key

    def filters_key(self) -> str:
        """The cache key without paging: equal saved searches share it (the watcher polls each once)."""
        return self._filters_key

    @cached_property
    def _cache_key(self) -> str:  # a warm list request asks for it of the same (lru-cached) query again and again
        return self._key(())

    @cached_property
    def _filters_key(self) -> str:
        return self._key(PAGING)

    def _key(self, left_out: tuple[str, ...]) -> str:
        parts = []
        for name in self.__dataclass_fields__:
            if name in left_out:
                continue
            value = getattr(self, name)
            if name in COMPOUND_FIELDS:
                if value:  # absent from the key when unused: simple queries keep their keys
                    parts.append(f"{name}={_compound(value)}")
                continue
            if isinstance(value, tuple):
                value = ",".join(map(str, sorted(set(value))))
            elif isinstance(value, Span):
                value = f"{_text(value.min)}..{_text(value.max)}"
            elif isinstance(value, PlaceFilter):
                value = _place(value)
            parts.append(f"{name}={_text(value)}")
        return "&".join(parts)


COMPOUND_FIELDS = ("origins", "destinations", "corridor")


def _place(place: PlaceFilter) -> str:
    return f"{place.id}:{_text(place.kind)}:{_text(place.radius_km)}"


def _compound(value: object) -> str:
    if isinstance(value, Corridor):
        return f"{value.start}~{value.end}:{value.width_km}"
    return ",".join(sorted(_place(p) for p in value))  # type: ignore[attr-defined]


def _text(value: object) -> str:
    return "" if value is None else str(value)
