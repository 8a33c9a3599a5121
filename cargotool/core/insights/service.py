"""Insights on cards and details.

Two moments:
- `on_cargos` runs when the shared cache fetches a list page or a detail from CargoTech (a hook in
  core/cargo/service.py): every load seen becomes a lane data point, the cards get coordinates and the
  lane's `market`, and the result is cached for everyone like the rest of the card;
- `personalise_list` / `personalise_detail` run per request, for what depends on the driver: the empty
  run from their position, ₽/km including it, the fuel estimate, the order of the page, and the trip back.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Awaitable, Callable, Sequence

from ..cargo.filters import InvalidFilter, parse_filters
from ..cargo.formatting import format_rub, group_digits
from ..cargotech.models import Cargo, as_float
from ..cargotech.query import CargoListQuery
from ..errors import UpstreamError
from ..storage.db import Database
from ..storage.redis import Keys
from .economics import deadhead_km, fuel_estimate, rate_with_deadhead
from .gazetteer import Gazetteer, default_gazetteer
from .lanes import LaneBook
from .positions import PointNames, Position, PositionReader, Profiles

log = logging.getLogger(__name__)

SORTS = {"rate_with_deadhead": "₽/км с порожним", "above_market": "выше рынка"}
BACKHAUL_DAYS = 3  # the unloading day and the two after it
BACKHAUL_DEFAULT_RADIUS_KM = 50
BACKHAUL_BEST = 3

ListPage = Callable[[CargoListQuery], Awaitable[Any]]


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _payload_coordinates(cargo: Cargo, side: str) -> tuple[float, float] | None:
    """`latitude`/`longitude` of a route point when CargoTech sends them (partner schema §1.9) [?]."""
    points = cargo.raw.get("points")
    if isinstance(points, dict):
        point = points.get(side)
    elif isinstance(points, list) and points:
        ordered = sorted((p for p in points if isinstance(p, dict)), key=lambda p: str(p.get("position", "")))
        point = (ordered[0] if side == "start" else ordered[-1]) if ordered else None
    else:
        point = None
    if not isinstance(point, dict):
        return None
    lat, lon = as_float(point.get("latitude")), as_float(point.get("longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


class Insights:
    def __init__(self, lanes: LaneBook, profiles: Profiles, positions: PositionReader, point_names: PointNames,
                 gazetteer: Gazetteer) -> None:
        self.lanes = lanes
        self.profiles = profiles
        self.positions = positions
        self.point_names = point_names
        self._gazetteer = gazetteer
        self.list_page: ListPage | None = None  # set by the composition root (the shared cache's list)

    # ---- when the shared cache fetches from CargoTech ------------------------------------------------

    async def on_cargos(self, cargos: Sequence[Cargo], cards: Sequence[dict]) -> None:
        """Record the loads and enrich their cards in place. A failure here never loses the page."""
        for cargo, card in zip(cargos, cards, strict=True):
            for side, key in (("start", "from"), ("finish", "to")):
                if card.get(key) is not None:
                    card[key].update(self._coordinates(cargo, side, card[key].get("city")))
            card["market"] = None
        try:
            names = {p.city.id: p.city.name for c in cargos for p in (c.start, c.finish)
                     if p is not None and p.city is not None and p.city.id is not None}
            await self.point_names.learn(names)
            await self.lanes.record((cargo, card.get("rate_kopecks_per_km")) for cargo, card in zip(cargos, cards, strict=True))
            markets = await self.lanes.markets(self.lanes.lane(c) for c in cargos)
        except Exception as exc:  # the database may be down; the loads are still worth showing
            log.warning("insights: lane statistics unavailable: %s", type(exc).__name__)
            return
        for cargo, card in zip(cargos, cards, strict=True):
            market = markets.get(self.lanes.lane(cargo))
            card["market"] = market.for_rate(card.get("rate_kopecks_per_km")) if market else None

    def _coordinates(self, cargo: Cargo, side: str, city: str | None) -> dict:
        found = _payload_coordinates(cargo, side)
        if found is not None:
            return {"lat": found[0], "lon": found[1], "coords_source": "cargotech"}
        place = self._gazetteer.find(city)
        if place is not None:
            return {"lat": place.lat, "lon": place.lon, "coords_source": "gazetteer"}
        return {"lat": None, "lon": None, "coords_source": None}

    # ---- per driver ------------------------------------------------------------------------------------

    @staticmethod
    def parse_sort(value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value not in SORTS:
            raise InvalidFilter("Проверьте фильтры", fields={"sort": "Допустимо: " + ", ".join(SORTS)})
        return value

    async def personalise_list(self, driver_id: int, text: str, sort: str | None = None) -> str | None:
        """The page for this driver, or None when nothing depends on the driver (the shared bytes are served)."""
        profile = await self.profiles.get(driver_id)
        position = await self.positions.position(driver_id)
        if position is None and sort is None:
            return None
        body = json.loads(text)
        for card in body.get("items", []):
            self._economics(card, position, profile.fuel)
        if sort is not None:
            body["items"] = sort_cards(body.get("items", []), sort)
            body.setdefault("meta", {})["sort"] = {"by": sort, "scope": "page"}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    async def personalise_detail(self, driver_id: int, body: dict, radius_km: int | None, today: dt.date) -> dict:
        profile = await self.profiles.get(driver_id)
        self._economics(body, await self.positions.position(driver_id), profile.fuel)
        body["backhaul"] = await self.backhaul(body, radius_km, today)
        return body

    def _economics(self, card: dict, position: Position | None, fuel) -> None:
        start = card.get("from") or {}
        if position is None or start.get("lat") is None:
            return
        empty = deadhead_km(position.lat, position.lon, start["lat"], start["lon"])
        rate = rate_with_deadhead(card.get("price_kopecks"), card.get("distance_km"), empty)
        card["deadhead_km"] = empty
        card["rate_with_deadhead_kopecks_per_km"] = rate
        card["rate_with_deadhead_rub_km"] = rate / 100 if rate is not None else None
        line = f"≈{group_digits(empty)} км порожняком"
        if rate is not None:
            line += f" · {format_rub(rate)}/км с порожним"
        display = card.setdefault("display", {})
        display["economics"] = line
        estimate = fuel_estimate(fuel, card.get("price_kopecks"), card.get("distance_km"), empty) if fuel else None
        if estimate is not None:
            card["fuel_estimate"] = {
                "km": estimate["km"], "fuel_rub": estimate["fuel_kopecks"] / 100, "left_rub": estimate["left_kopecks"] / 100,
                "text": f"оценка: топливо ≈{format_rub(round(estimate['fuel_kopecks'], -2))}, "
                        f"остаётся ≈{format_rub(round(estimate['left_kopecks'], -2))}",
            }

    # ---- the trip back ---------------------------------------------------------------------------------

    async def backhaul(self, body: dict, radius_km: int | None, today: dt.date) -> dict | None:
        """Loads leaving the unloading city on the unloading day + 0–2 days, from the shared cache (the same
        keys as the driver's own list with those filters, so opening details adds no upstream calls)."""
        finish = body.get("to") or {}
        city_id = finish.get("city_id")
        if not city_id or self.list_page is None:
            return None
        radius = BACKHAUL_DEFAULT_RADIUS_KM if radius_km is None else radius_km
        first = today
        unloading = (finish.get("from") or finish.get("to") or "")[:10]
        try:
            first = max(today, dt.date.fromisoformat(unloading))
        except ValueError:
            pass
        days = [first + dt.timedelta(days=n) for n in range(BACKHAUL_DAYS)]
        seen: dict[str, dict] = {}
        more = False
        try:
            for day in days:
                query = parse_filters({"from": str(city_id), "from_radius": str(radius), "date": day.isoformat()}, today=today)
                page = json.loads((await self.list_page(query)).text)
                more = more or page.get("meta", {}).get("next_offset") is not None
                for item in page.get("items", []):
                    if item.get("id") != body.get("id"):
                        seen.setdefault(item["id"], item)
        except UpstreamError as exc:
            log.warning("insights: backhaul unavailable: %s", exc.message)
            return {"city": finish.get("city"), "available": False, "count": None, "best": [], "query": None,
                    "text": "Обратные грузы сейчас недоступны"}
        best = sorted((c for c in seen.values() if c.get("rate_kopecks_per_km")),
                      key=lambda c: -c["rate_kopecks_per_km"])[:BACKHAUL_BEST]
        count = len(seen)
        word = _plural(count, "груз", "груза", "грузов")
        return {
            "city": finish.get("city"), "city_id": city_id, "radius_km": radius, "available": True,
            "dates": [d.isoformat() for d in days], "count": count, "count_is_lower_bound": more,
            "best": [{"id": c["id"], "display": c.get("display"), "rate_rub_per_km": c.get("rate_rub_per_km"),
                      "price_rub": c.get("price_rub"), "to": (c.get("to") or {}).get("city")} for c in best],
            "query": {"from": city_id, "from_radius": radius, "date": days[0].isoformat()},
            "text": f"Обратно из {finish.get('city')}: {'от ' if more else ''}{count} {word} за {BACKHAUL_DAYS} дня",
        }


def sort_cards(cards: list[dict], sort: str) -> list[dict]:
    """Best first; cards without the figure keep their order after the others."""
    if sort == "rate_with_deadhead":
        key = (lambda c: c.get("rate_with_deadhead_kopecks_per_km"))
    else:
        key = (lambda c: (c.get("market") or {}).get("delta_percent"))
    ranked = [c for c in cards if key(c) is not None]
    rest = [c for c in cards if key(c) is None]
    return sorted(ranked, key=lambda c: -key(c)) + rest


def build_insights(database: Database, redis, keys: Keys) -> Insights:
    gazetteer = default_gazetteer()
    profiles = Profiles(database, redis, keys, gazetteer)
    return Insights(LaneBook(database, gazetteer), profiles, PositionReader(profiles), PointNames(redis, keys), gazetteer)
