"""`GET /api/chains`: chains home from the shared cache, within the call budget of this package's docstring.

At most 1 + `VIA_CITIES` list pages are read per request, each one page of `PAGE` loads through the shared
cache (`CargoService.list`, keyed by the query, never by driver), never a detail and never a second page:
the loads from the start city (the key the trip back's first page uses too), then, for each of the
`VIA_CITIES` cities the most first legs unload in, the loads from there towards the target. A warm cache
answers with no CargoTech call at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any, Awaitable, Callable, Mapping

from ..errors import InvalidInput, UpstreamError
from ..insights.economics import great_circle_km
from ..insights.gazetteer import Gazetteer
from ..insights.positions import PointNames, PositionReader
from ..loads.models import GeoPoint, Place
from ..loads.query import LoadQuery, PlaceFilter
from .board import CITY_RADIUS_KM, card_load, locator, page_cards, via_cities
from .homes import Homes
from .planning import Anchor, Chain, Settings, best_chains, best_direct, first_legs
from .request import ChainRequest, parse_request

log = logging.getLogger(__name__)

VIA_CITIES = 3  # k: the budget is 1 + k list calls
PAGE = 50  # CargoTech's largest page we use (the sort window's page, so the start's page is shared with it)
NEAREST_CITY_KM = 150  # a driver farther than this from every known city is asked where they start
KNOWN_SECONDS = 60.0

ListPage = Callable[[LoadQuery], Awaitable[Any]]  # CargoService.list: an Answer with .text / .stale


class ChainPlanner:
    def __init__(self, list_page: ListPage, positions: PositionReader, point_names: PointNames, homes: Homes,
                 gazetteer: Gazetteer, settings: Settings = Settings()) -> None:
        self._list_page = list_page
        self._positions = positions
        self._names = point_names
        self.homes = homes
        self._gazetteer = gazetteer
        self._settings = settings
        self._locate = locator(gazetteer)
        self._known: tuple[float, list[tuple[int, str, float, float]]] = (0.0, [])

    async def plan(self, driver_id: int, args: Mapping[str, str], today: dt.date) -> dict:
        ask = parse_request(args, today)
        start = await self._start(driver_id, ask)
        home = await self.homes.get(driver_id)
        to_name = ask.to_name or (home.name if home and home.point_id == ask.to else None)
        first = await self._read(self._query(start.place.id))
        target = await self._target(ask, to_name, home is not None and home.point_id == ask.to)
        cards = {card["id"]: card for card in first.cards}
        first_loads = [card_load(card) for card in first.cards]
        legs = first_legs(start, target, first_loads, self._settings, self._locate)
        via = via_cities(legs, self._city_point(start), target.point, VIA_CITIES)
        second_loads, partial, stale = [], False, first.stale
        for city in via:
            try:
                page = await self._read(self._query(city.id, ask.to))
            except UpstreamError as exc:  # the other cities' chains are still worth showing
                log.warning("chains: the loads from a via city are unavailable: %s", exc.message)
                partial = True
                continue
            stale = stale or page.stale
            cards.update({card["id"]: card for card in page.cards})
            second_loads += [card_load(card) for card in page.cards]
        chains = best_chains(start, target, first_loads, second_loads, self._settings, self._locate)
        direct = best_direct(start, target, first_loads, self._settings, self._locate)
        return {
            "chains": [_chain(chain, cards) for chain in chains],
            "direct": _chain(direct, cards) if direct is not None else None,
            "start": {"point_id": start.place.id, "name": start.place.name, "day": start.day.isoformat()},
            "target": {"point_id": ask.to, "name": target.place.name, "by": ask.by.isoformat(), "home": target.home},
            "via": [{"point_id": city.id, "name": city.name} for city in via],
            "text": _summary(chains, direct),
            "meta": {"stale": stale, "partial": partial, "lists": 1 + len(via), "km_per_day": self._settings.km_per_day},
        }

    # ---- where from, where to ----------------------------------------------------------------------

    async def _start(self, driver_id: int, ask: ChainRequest) -> Anchor:
        if ask.from_id is not None:
            name = ask.from_name or await self._names.name(ask.from_id)
            if name is None:  # its own page teaches its name (and is the page the plan reads first: no extra call)
                await self._read(self._query(ask.from_id))
                name = await self._names.name(ask.from_id)
            point = self._point(name)
            if name is None or point is None:
                raise InvalidInput("Не знаем, где этот город", fields={"from": "Выберите ближайший крупный город"})
            return Anchor(Place(ask.from_id, name), point, ask.start_day)
        position = await self._positions.position(driver_id)
        if position is None:
            raise InvalidInput("Не знаем, откуда вы поедете: укажите город отправления или поделитесь местоположением",
                               fields={"from": "Укажите город отправления"})
        city = await self._nearest(position.lat, position.lon)
        if city is None:
            raise InvalidInput("Рядом с вами не нашли города с грузами: укажите город отправления",
                               fields={"from": "Укажите город отправления"})
        return Anchor(city, GeoPoint(position.lat, position.lon), ask.start_day)

    async def _target(self, ask: ChainRequest, name: str | None, home: bool) -> Anchor:
        name = name or await self._names.name(ask.to)  # the start's page has just taught the names it carries
        point = self._point(name)
        if name is None or point is None:
            raise InvalidInput("Не знаем, где этот город", fields={"to": "Выберите ближайший крупный город"})
        return Anchor(Place(ask.to, name), point, ask.by, home=home)

    def _city_point(self, start: Anchor) -> GeoPoint:
        """The start city's own point (the driver may be some way off it): the start area is around it."""
        return self._point(start.place.name) or start.point

    def _point(self, name: str | None) -> GeoPoint | None:
        place = self._gazetteer.find(name)
        return GeoPoint(place.lat, place.lon) if place is not None else None

    async def _nearest(self, lat: float, lon: float) -> Place | None:
        """The known point (seen in any list) nearest to the driver, within `NEAREST_CITY_KM`."""
        read_at, known = self._known
        if time.monotonic() - read_at > KNOWN_SECONDS:
            known = [(pid, name, p.lat, p.lon) for pid, name in (await self._names.known()).items()
                     if (p := self._gazetteer.find(name)) is not None]
            self._known = (time.monotonic(), known)
        ranked = sorted(known, key=lambda k: great_circle_km(lat, lon, k[2], k[3]))
        if not ranked or great_circle_km(lat, lon, ranked[0][2], ranked[0][3]) > NEAREST_CITY_KM:
            return None
        return Place(ranked[0][0], ranked[0][1])

    # ---- the shared cache ----------------------------------------------------------------------------

    @staticmethod
    def _query(origin: int | None, destination: int | None = None) -> LoadQuery:
        return LoadQuery(origin=PlaceFilter(origin or 0, None, CITY_RADIUS_KM),
                         destination=PlaceFilter(destination, None, CITY_RADIUS_KM) if destination else None,
                         limit=PAGE)

    async def _read(self, query: LoadQuery) -> "_Page":
        answer = await self._list_page(query)
        return _Page(page_cards(answer.text), bool(getattr(answer, "stale", False)))


class _Page:
    def __init__(self, cards: list[dict], stale: bool) -> None:
        self.cards = cards
        self.stale = stale


def _chain(chain: Chain, cards: dict[str, dict]) -> dict:
    body = chain.as_dict()
    body["final_empty_km"] = chain.final_empty_km
    body["empty_km"] = chain.final_empty_km + sum(leg.empty_km for leg in chain.legs)
    for leg in body["legs"]:
        card = cards.get(leg["id"]) or {}
        leg.update({"route": (card.get("display") or {}).get("route"), "from": (card.get("from") or {}).get("city"),
                    "to": (card.get("to") or {}).get("city"), "price_rub": card.get("price_rub"),
                    "price": (card.get("display") or {}).get("price")})
    return body


def _summary(chains: list[Chain], direct: Chain | None) -> str:
    if chains:
        return "Выгоднее прямого рейса" if direct is not None else "Прямых рейсов к сроку нет, а с заездом есть"
    if direct is not None:
        return "Среди свежих грузов цепочек выгоднее прямого рейса нет"
    return "Среди свежих грузов не нашлось ни цепочек, ни прямого рейса к сроку"
