"""How CargoTech spells a `LoadQuery`: the parameters of the cargo list (`GET /v2/cargos/views`).

Validation of what a person typed lives in `core/cargo/filters.py`; the query's meaning lives in
`core/loads/query.py`; this module only knows CargoTech's encoding (`filter[...]`, "min,max" ranges,
kopecks). Equal queries produce equal parameter lists (sorted ids, fixed order), so `query_key` — the
parameters as one text — is the one key of a query: queries CargoTech is asked alike share it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from ..loads.query import NEWEST, OLDEST, LoadQuery, PlaceFilter, Span

# [?] The docs say point type 2 means "city"; the dictionary shows cities with type 1 and the web UI
# passes the item's type through, defaulting to 2. We do the same: callers pass the dictionary's type
# when they have it, otherwise 2.
DEFAULT_POINT_TYPE = 2

# Upper bounds seen in HAR traffic for "min,max" ranges; used when only a minimum is given [HAR].
DISTANCE_MAX_KM = 9999
PRICE_MAX_KOPECKS = 99_999_900
PRICE_PER_KM_MAX_KOPECKS = 99_900

# What an open upper end means upstream (CargoTech shows nothing above it), in the units a load is
# compared in (km, kopecks): the alerts matcher mirrors the list with these.
CEILINGS = {"distance_km": DISTANCE_MAX_KM, "price": PRICE_MAX_KOPECKS, "price_per_km": PRICE_PER_KM_MAX_KOPECKS}

# `sort=-updated_at` is documented for the partner API only [OFFICIAL]; for this endpoint it is
# unverified [?], so the alerts watcher detects whether it works before relying on it.
SORTS = {NEWEST: "-updated_at", OLDEST: "updated_at"}


def to_params(query: LoadQuery) -> list[tuple[str, str]]:
    if query.compound:  # several places or a corridor: core/cargo/alongway.py splits it into single queries
        raise ValueError("a compound LoadQuery has no single CargoTech call")
    params: list[tuple[str, str]] = [
        ("include", "contacts"),
        ("limit", str(query.limit)),
        ("offset", str(query.offset)),
        # the UI's «Свои» / «Все грузы»; server meaning of "my" unknown [?]
        ("filter[mode]", "my" if query.mine else "all"),
        ("filter[user_id]", "0"),  # 0 = the current user [HAR]
    ]
    for name, place in (("start", query.origin), ("finish", query.destination)):
        if place is not None:
            params += _place(name, place)
    if query.loading_date:
        params.append(("filter[start_date]", query.loading_date.isoformat()))
    if query.weight_t is not None and query.volume_m3 is not None:
        params.append(("filter[wv]", f"{_compact(query.weight_t)}-{_compact(query.volume_m3)}"))  # "15-65"
    if query.load_types:
        params.append(("filter[load_types]", _ids(query.load_types)))
    if query.body_types:
        params.append(("filter[truck_types]", _ids(query.body_types)))
    for key, span, scale, upper in (
        ("filter[distance]", query.distance_km, 1, DISTANCE_MAX_KM),
        ("filter[price]", query.price_rub, 100, PRICE_MAX_KOPECKS),
        ("filter[price_per_km]", query.rate_rub_per_km, 100, PRICE_PER_KM_MAX_KOPECKS),
    ):
        if span:
            params.append((key, _range(span, scale, upper)))
    if query.order is not None:
        params.append(("sort", SORTS[query.order]))
    return params


@lru_cache(maxsize=4096)  # a warm list request asks for the key of the same (lru-cached) query again and again
def query_key(query: LoadQuery, paged: bool = True) -> str:
    """The parameters CargoTech gets, as one text: the list cache's key (paged; the format the cache has
    always used, so it stays warm across deploys) and a saved search's key (stored, and part of the
    watcher's Redis keys: without paging), so two queries CargoTech would be asked alike are one. Several
    places or a corridor are several calls (core/cargo/alongway.py): their part of the key is the query's own."""
    simple = replace(query, origins=(), destinations=(), corridor=None, origin_regions=(), destination_regions=()) \
        if query.compound else query
    key = "&".join(f"{k}={v}" for k, v in to_params(simple) if paged or k not in ("limit", "offset"))
    return f"{key}&{query.compound_key()}" if query.compound else key


def _place(name: str, place: PlaceFilter) -> list[tuple[str, str]]:
    params = [(f"filter[{name}_point_id]", str(place.id)),
              (f"filter[{name}_point_type]", str(place.kind or DEFAULT_POINT_TYPE))]  # required with the id
    if place.radius_km is not None:
        params.append((f"filter[{name}_point_radius]", str(place.radius_km)))
    return params


def _range(span: Span, scale: int, upper: int) -> str:
    """"min,max" in CargoTech's units; an open end is 0 or the upper bound seen in the web UI."""
    low = span.min * scale if span.min is not None else 0
    return f"{low},{span.max * scale if span.max is not None else upper}"


def _ids(ids: tuple[int, ...]) -> str:
    return ",".join(map(str, sorted(set(ids))))


def _compact(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"
