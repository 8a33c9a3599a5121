"""The upstream query of the cargo list (`GET /v2/cargos/views`), built from already-valid values.

Validation of what a person typed lives in `core/cargo/filters.py`; this module only knows how
CargoTech spells a query. Equal queries produce equal parameter lists (sorted ids, fixed order), which
is what the shared cache keys on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

# [?] The docs say point type 2 means "city"; the dictionary shows cities with type 1 and the web UI
# passes the item's type through, defaulting to 2. We do the same: callers pass the dictionary's type
# when they have it, otherwise 2.
DEFAULT_POINT_TYPE = 2

# Upper bounds seen in HAR traffic for "min,max" ranges; used when only a minimum is given [HAR].
DISTANCE_MAX_KM = 9999
PRICE_MAX_KOPECKS = 99_999_900
PRICE_PER_KM_MAX_KOPECKS = 99_900


@dataclass(frozen=True)
class PointFilter:
    id: int
    type: int = DEFAULT_POINT_TYPE
    radius_km: int | None = None


@dataclass(frozen=True)
class Range:
    min: int | None = None
    max: int | None = None

    def render(self, upper_default: int) -> str | None:
        if self.min is None and self.max is None:
            return None
        return f"{self.min or 0},{self.max if self.max is not None else upper_default}"


@dataclass(frozen=True)
class CargoListQuery:
    limit: int = 20
    offset: int = 0
    mode: str = "all"  # "my" | "all" — the UI's «Свои» / «Все грузы»; server meaning of "my" unknown [?]
    user_id: int = 0  # 0 = the current user [HAR]
    start: PointFilter | None = None
    finish: PointFilter | None = None
    start_date: dt.date | None = None
    wv: str | None = None  # "<tonnes>-<m3>", e.g. "15-65"
    truck_types: tuple[int, ...] = ()
    load_types: tuple[int, ...] = ()
    distance_km: Range = Range()
    price_kopecks: Range = Range()
    price_per_km_kopecks: Range = Range()
    # `sort=-updated_at` is documented for the partner API only [OFFICIAL]; for this endpoint it is
    # unverified [?], so the alerts watcher detects whether it works before relying on it.
    sort: str | None = None

    def to_params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = [
            ("include", "contacts"),
            ("limit", str(self.limit)),
            ("offset", str(self.offset)),
            ("filter[mode]", self.mode),
            ("filter[user_id]", str(self.user_id)),
        ]
        for name, point in (("start", self.start), ("finish", self.finish)):
            if point is None:
                continue
            params.append((f"filter[{name}_point_id]", str(point.id)))
            params.append((f"filter[{name}_point_type]", str(point.type)))  # required with the id
            if point.radius_km is not None:
                params.append((f"filter[{name}_point_radius]", str(point.radius_km)))
        if self.start_date:
            params.append(("filter[start_date]", self.start_date.isoformat()))
        if self.wv:
            params.append(("filter[wv]", self.wv))
        if self.load_types:
            params.append(("filter[load_types]", ",".join(map(str, sorted(set(self.load_types))))))
        if self.truck_types:
            params.append(("filter[truck_types]", ",".join(map(str, sorted(set(self.truck_types))))))
        for key, value_range, upper in (
            ("filter[distance]", self.distance_km, DISTANCE_MAX_KM),
            ("filter[price]", self.price_kopecks, PRICE_MAX_KOPECKS),
            ("filter[price_per_km]", self.price_per_km_kopecks, PRICE_PER_KM_MAX_KOPECKS),
        ):
            rendered = value_range.render(upper)
            if rendered:
                params.append((key, rendered))
        if self.sort:
            params.append(("sort", self.sort))
        return params

    def cache_key(self) -> str:
        return self._cache_key

    @cached_property
    def _cache_key(self) -> str:  # a warm list request asks for it of the same (lru-cached) query again and again
        return "&".join(f"{k}={v}" for k, v in self.to_params())
