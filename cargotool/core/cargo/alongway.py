"""Several places per side (`from=1,77`) and «по пути» (`route_from`, `route_to`, `corridor_km`), issue 22 §3,
over the shared cache.

CargoTech's list takes one loading and one unloading point per call, so a compound query (core/loads/query.py)
is split into single queries: one per (loading place, unloading place) pair; for «по пути», a radius query
around the route's start A (the corridor's width as the radius, at most the marketplace's MAX_RADIUS_KM) per
unloading place. Each is read as ONE page of the `PAGE` freshest loads through the shared cache — the same
key as any driver's search for that page — and the pages are merged (each load once, the freshest of every
query first, in turns). «По пути» then keeps the loads whose loading and unloading cities both lie within
the width of the great circle A→B and which go A→B (core/corridor): a great-circle corridor from the
gazetteer's city coordinates, enough for a lane's tens of km (the road itself is not known).

A whole region per side (`from_region=61`, core/regions) is one such place: its centre's point with the radius
that holds the region (at most MAX_RADIUS_KM); then only the loads whose loading (unloading) city lies in the
region by the gazetteer are kept, and `meta.hidden_outside_region` counts the others (a city the gazetteer does
not know is among them: never a guess).

Call budget: at most MAX_PLACES (5) CargoTech list calls per request (validation caps the pairs), all through
the shared cache, so none while the pages are warm; a region's centre costs one place search the first time
(the shared cache's autocomplete, kept a day). The driver's own orders and filters (core/insights) apply to the
merged loads as to any window.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Awaitable, Callable, Protocol

from ..corridor import on_way
from ..errors import UpstreamError
from ..loads.models import GeoPoint
from ..loads.query import Corridor, LoadQuery, PlaceFilter
from .filters import MAX_RADIUS_KM, InvalidFilter

PAGE = 50  # the freshest loads read per single query: one CargoTech call each

ListPage = Callable[[LoadQuery], Awaitable[Any]]  # CargoService.list: an Answer with .data / .stale


class Regions(Protocol):
    """A region as a query's place, and a city's region (core/regions/queries.py)."""

    async def place(self, code: str) -> PlaceFilter | None: ...

    def of_city(self, name: str | None) -> str | None: ...


class Places(Protocol):
    """Where a marketplace point (by id) or a city (by name) is; core/insights/places.py."""

    async def point(self, point_id: int) -> GeoPoint | None: ...

    def city(self, name: str | None) -> GeoPoint | None: ...


@dataclass(frozen=True)
class Combined:
    """A merged page, shaped like the shared cache's answer (`data`, `text`, `stale`) for core/insights/window.py."""

    data: dict
    stale: bool

    @cached_property
    def text(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))


def single_queries(query: LoadQuery) -> list[LoadQuery]:
    """The marketplace queries behind a compound one, each for the first `PAGE` loads."""
    base = dataclasses.replace(query, origins=(), destinations=(), corridor=None, limit=PAGE, offset=0)
    if query.corridor is not None:
        starts: tuple[PlaceFilter | None, ...] = (
            PlaceFilter(query.corridor.start, radius_km=min(query.corridor.width_km, MAX_RADIUS_KM)),)
    else:
        starts = query.starts() or (None,)
    finishes = query.finishes() or (None,)
    return [dataclasses.replace(base, origin=start, destination=finish) for start in starts for finish in finishes]


class CompoundList:
    """A `ListPage` that also answers compound queries (a page of the merged, corridor-filtered loads);
    simple queries go to the shared cache's list as they are."""

    def __init__(self, list_page: ListPage, places: Places, regions: Regions | None = None) -> None:
        self._list_page = list_page
        self._places = places
        self._regions = regions

    async def __call__(self, query: LoadQuery) -> Any:
        if not query.compound:
            return await self._list_page(query)
        route = await self._route(query.corridor) if query.corridor is not None else None
        pages, partial = await self._pages(single_queries(await self._expanded(query)))
        cards = _merged([page.get("items", []) for page in pages])
        if route is not None:
            cards = [card for card in cards if self._on_way(card, *route)]
        shown = [card for card in cards if self._in_regions(card, query)]
        hidden, cards = len(cards) - len(shown), shown
        metas = [page.get("meta", {}) for page in pages]
        chunk = cards[query.offset:query.offset + query.limit]
        end = query.offset + len(chunk)
        stale = any(meta.get("stale") for meta in metas)
        meta = {"limit": query.limit, "offset": query.offset, "total": len(cards),
                "next_offset": end if end < len(cards) else None, "stale": stale, "partial": partial,
                "fetched_at": min((m["fetched_at"] for m in metas if m.get("fetched_at")), default=None)}
        if stale:
            meta["age_seconds"] = max(m.get("age_seconds") or 0 for m in metas)
        if query.origin_regions or query.destination_regions:
            meta["hidden_outside_region"] = hidden
        return Combined({"items": chunk, "meta": meta}, stale)

    async def _expanded(self, query: LoadQuery) -> LoadQuery:
        """Each region as its centre's place with the region's radius (core/regions/queries.py)."""
        if not (query.origin_regions or query.destination_regions):
            return query
        assert self._regions is not None, "a region query needs the regions"
        sides = {}
        for name, codes in (("from_region", query.origin_regions), ("to_region", query.destination_regions)):
            sides[name] = await asyncio.gather(*(self._regions.place(code) for code in codes))
        unknown = {name: "Не нашли центр области на площадке — выберите города области"
                   for name, places in sides.items() if None in places}
        if unknown:
            raise InvalidFilter("Проверьте фильтры", fields=unknown)
        return dataclasses.replace(
            query, origin_regions=(), destination_regions=(),
            origins=tuple(sides["from_region"]) or query.origins, origin=None if sides["from_region"] else query.origin,
            destinations=tuple(sides["to_region"]) or query.destinations,
            destination=None if sides["to_region"] else query.destination)

    def _in_regions(self, card: dict, query: LoadQuery) -> bool:
        for codes, side in ((query.origin_regions, "from"), (query.destination_regions, "to")):
            if codes and (self._regions is None or self._regions.of_city((card.get(side) or {}).get("city")) not in codes):
                return False
        return True

    async def _route(self, corridor: Corridor) -> tuple[GeoPoint, GeoPoint, float]:
        a, b = await asyncio.gather(self._places.point(corridor.start), self._places.point(corridor.end))
        unknown = {name: "Не знаем, где этот город: выберите ближайший крупный"
                   for name, where in (("route_from", a), ("route_to", b)) if where is None}
        if unknown:
            raise InvalidFilter("Проверьте фильтры", fields=unknown)
        return a, b, float(corridor.width_km)  # type: ignore[return-value]

    async def _pages(self, queries: list[LoadQuery]) -> tuple[list[dict], bool]:
        """Every query's page; a failed one is left out (`partial`) unless all failed."""
        answers = await asyncio.gather(*(self._list_page(q) for q in queries), return_exceptions=True)
        pages = [a.data for a in answers if not isinstance(a, BaseException)]  # read only: cards are not changed here
        failures = [a for a in answers if isinstance(a, BaseException)]
        for failure in failures:
            if not isinstance(failure, UpstreamError) or not pages:
                raise failure
        return pages, bool(failures)

    def _on_way(self, card: dict, a: GeoPoint, b: GeoPoint, width_km: float) -> bool:
        start = self._places.city((card.get("from") or {}).get("city"))
        finish = self._places.city((card.get("to") or {}).get("city"))
        return start is not None and finish is not None and on_way(start, finish, a, b, width_km)


def _merged(pages: list[list[dict]]) -> list[dict]:
    """The pages' loads in turns (the freshest of each first), each load once."""
    seen: dict[Any, dict] = {}
    for row in range(max((len(page) for page in pages), default=0)):
        for page in pages:
            if row < len(page) and page[row].get("id") not in seen:
                seen[page[row].get("id")] = page[row]
    return list(seen.values())
