"""Insights on cards and details.

Two moments:
- `on_cargos` runs when the shared cache fetches a list page or a detail from the marketplace (a hook in
  core/cargo/service.py): every load seen becomes a lane data point, the cards get coordinates, the
  lane's `market` and the company's short `trust` and `waits`, cached for everyone like the rest of the card;
- `personalise_list` / `personalise_detail` run per request, for what depends on the driver: the empty
  run from their position, ₽/km including it, the fuel estimate, and the trip back;
- `ordered_list` applies a driver's order and filters of ours to the freshest loads (core/insights/window.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any, Awaitable, Callable, Sequence

from ..audit import AuditLog
from ..cargo.card_types import Card, CardDetail, writable
from ..cargo.cards import card as card_of
from ..cargo.filters import parse_filters
from ..cargo.formatting import format_rub, group_digits
from ..cargo.listing import ListView
from ..cargo.service import Answer
from ..errors import UpstreamError
from ..loads.models import Load, Stop
from ..loads.priced import has_price
from ..loads.query import LoadQuery
from ..storage.db import Database
from ..storage.redis import Keys
from ..words import counted, from_city, plural
from .economics import deadhead_km, fuel_estimate, rate_with_deadhead
from .gazetteer import Gazetteer, default_gazetteer
from .lanes import LaneBook
from ..netcost import PLATON_2026, PlatonTariff
from ..observability.metrics import count_list_hidden
from .positions import PointNames, Position, PositionReader, PositionSource, Profiles
from .reach import Reach, by_arrival, reachable_only
from .roadcost import add_net, keep_payment_terms
from .trust import Reports, TripBook, address_key
from .waits import NO_DATA, WaitBook
from .window import page_of, read_window, window_text

log = logging.getLogger(__name__)

BACKHAUL_DAYS = 3  # the unloading day and the two after it
BACKHAUL_DEFAULT_RADIUS_KM = 50
BACKHAUL_BEST = 3
CONTEXT_SECONDS = 30.0

ListPage = Callable[[LoadQuery], Awaitable[Any]]


class Insights:
    def __init__(self, lanes: LaneBook, profiles: Profiles, positions: PositionReader, point_names: PointNames,
                 gazetteer: Gazetteer, trips: TripBook, reports: Reports, waits: WaitBook, database: Database,
                 list_page: ListPage | None = None, platon: PlatonTariff = PLATON_2026) -> None:
        """`list_page(query)`: a page of the list through the shared cache (ordered lists and backhauls read it);
        `platon`: the road toll the net after the road counts (issue 21 §2, settings)."""
        self.lanes = lanes
        self.waits = waits
        self.trips = trips
        self.reports = reports
        self.profiles = profiles
        self.positions = positions
        self.point_names = point_names
        self._gazetteer = gazetteer
        self._db = database
        self._contexts: dict[tuple, tuple[float, tuple]] = {}
        self.list_page = list_page
        self.reach: Reach | None = None  # «успеваю?» (core/insights/reach.py), set by build_insights
        self.platon = platon

    # ---- when the shared cache fetches from the marketplace -----------------------------------------

    async def on_cargos(self, cargos: Sequence[Load], cards: Sequence[Card | CardDetail]) -> None:
        """Record the loads and enrich their cards in place. A failure here never loses the page."""
        for cargo, card in zip(cargos, cards, strict=True):
            for stop, key in ((cargo.origin, "from"), (cargo.destination, "to")):
                if card.get(key) is not None:
                    card[key].update(self._coordinates(stop, card[key].get("city")))
            card["market"] = None
            card["trust"] = None
            card["waits"] = dict(NO_DATA)
        try:
            names = {s.place.id: s.place.name for c in cargos for s in (c.origin, c.destination)
                     if s is not None and s.place is not None and s.place.id is not None}
            await self.point_names.learn(names)
            await self.lanes.record((cargo, card.get("rate_kopecks_per_km")) for cargo, card in zip(cargos, cards, strict=True))
            lanes = [self.lanes.lane(c) for c in cargos]
            inns = [(card.get("company") or {}).get("inn") for card in cards]
            markets, trust, waits = await self._db.run(lambda: (
                self.lanes.markets_now(lanes), self.reports.summaries_now(inns), self.waits.by_company_now(inns)))
        except Exception as exc:  # the database may be down; the loads are still worth showing
            log.warning("insights: statistics unavailable for this page: %s", type(exc).__name__)
            return
        for cargo, card in zip(cargos, cards, strict=True):
            market = markets.get(self.lanes.lane(cargo))
            card["market"] = market.for_rate(card.get("rate_kopecks_per_km")) if market else None
            card["trust"] = short_trust(card.get("company"), trust)
            card["waits"] = waits.get((card.get("company") or {}).get("inn")) or dict(NO_DATA)

    def _coordinates(self, stop: Stop | None, city: str | None) -> dict:
        found = stop.coordinates if stop is not None else None
        if found is not None:  # the marketplace's own; the card has always called them "cargotech"
            return {"lat": found.lat, "lon": found.lon, "coords_source": "cargotech"}
        place = self._gazetteer.find(city)
        if place is not None:
            return {"lat": place.lat, "lon": place.lon, "coords_source": "gazetteer"}
        return {"lat": None, "lon": None, "coords_source": None}

    # ---- per driver ------------------------------------------------------------------------------------

    async def set_position(self, driver_id: int, body: object) -> dict:
        await self.profiles.set_position(driver_id, body, self.point_names)
        self.positions.forget(driver_id)
        await self.positions.gained()
        return await self.profile_view(driver_id)

    async def forget_position(self, driver_id: int) -> dict:
        """Forget every position of the driver: the Mini App's (device or home city) and the bot's live one."""
        await self.profiles.forget_position(driver_id)
        await self.positions.erase(driver_id)
        return await self.profile_view(driver_id)

    async def clear_app_position(self, driver_id: int) -> None:
        """Erase the Mini App's position (device or home city) only: consent to it was withdrawn."""
        await self.profiles.clear_position(driver_id)
        self.positions.forget(driver_id)

    async def profile_view(self, driver_id: int) -> dict:
        """The driver's figures with the position in effect (the freshest source's, e.g. live location)."""
        view = (await self.profiles.get(driver_id)).public()
        position = await self.positions.position(driver_id)
        view["position"] = position.public() if position else None
        return view

    async def personalise_list(self, driver_id: int, page: Answer) -> str | None:
        """The page for this driver, or None when nothing depends on the driver (the shared bytes are served,
        and the page is not even parsed)."""
        position = await self.positions.position(driver_id)
        if position is None:  # most drivers: the shared bytes, with no read of theirs (see positions.py)
            return None
        profile = await self.profiles.get(driver_id)
        body = {**page.data, "items": [writable(card) for card in page.data.get("items", [])]}
        for card in body["items"]:
            self._economics(card, position, profile.fuel)
            add_net(card, profile, self.platon)
        await self._reach(driver_id, body["items"])
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    async def ordered_list(self, driver_id: int, query: LoadQuery, view: ListView) -> str:
        """The driver's page of the list in their order and without what they filter out, applied to the
        freshest `WINDOW` loads (core/insights/window.py), not to one page."""
        if self.list_page is None:
            raise RuntimeError("Insights.list_page is not set (see the composition root)")
        cards, window_meta = await read_window(self.list_page, query)
        position = await self.positions.position(driver_id)
        if position is not None or view.sort == "net":  # most drivers have none: then no read of their profile either
            profile = await self.profiles.get(driver_id)
            for card in cards:
                self._economics(card, position, profile.fuel)
                add_net(card, profile, self.platon)
            await self._reach(driver_id, cards)
        scanned = window_meta["postings"]  # in the marketplace's count, as `total` (reposts fold into one card)
        hidden = dict(window_meta.get("hidden", {}))
        if view.reachable or view.sort == "arrival":  # «успеваю» / «по прибытию» need the driver's position
            hidden["reach_known"] = position is not None
        if view.reachable:
            kept = reachable_only(cards)
            hidden["hidden_unreachable"], cards = len(cards) - len(kept), kept
        if view.no_long_waits:
            kept = [card for card in cards if not (card.get("waits") or {}).get("long")]
            hidden["hidden_long_waits"], cards = len(cards) - len(kept), kept
        if view.with_price:
            kept = [card for card in cards if has_price(card.get("price_kopecks"))]
            hidden["hidden_without_price"], cards = len(cards) - len(kept), kept
        cards, hidden_by_terms = keep_payment_terms(cards, view)
        hidden.update(hidden_by_terms)
        if view.sort is not None:
            cards = sort_cards(cards, view.sort)
        order = {"by": view.sort, "scope": "window", "window": scanned, "more_upstream": window_meta["more_upstream"],
                 "partial": window_meta["partial"], "text": window_text(scanned, window_meta)}
        body = page_of(cards, window_meta, query, order)
        body["meta"].update(hidden)
        if query.offset == 0:  # once per list: every page repeats its window's counts
            count_list_hidden(hidden)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    async def personalise_detail(self, driver_id: int, body: dict, radius_km: int | None, today: dt.date) -> dict:
        profile = await self.profiles.get(driver_id)
        self._economics(body, await self.positions.position(driver_id), profile.fuel)
        await self._reach(driver_id, [body])
        add_net(body, profile, self.platon)
        body["backhaul"] = await self.backhaul(body, radius_km, today)
        company = body.get("company") or {}
        shipper = body.get("shipper") or {}
        if not shipper.get("inn") or shipper.get("inn") == company.get("inn"):
            shipper = {}
        summaries, loading, unloading, waits = await self._context(
            company.get("inn"), shipper.get("inn"), address_key((body.get("from") or {}).get("address")),
            address_key((body.get("to") or {}).get("address")))
        body["trust"] = _trust_strip(company, summaries.get(company.get("inn")))
        # the cargo's owner when it is not the company that posted it (a broker): its own strip
        body["trust"]["shipper"] = _trust_strip(shipper, summaries.get(shipper["inn"])) if shipper else None
        body["waits"] = {"loading": loading, "unloading": unloading, "company": waits,
                         "min_answers": self.waits.min_answers}
        return body

    async def _context(self, inn: str | None, shipper_inn: str | None, loading_key: str | None,
                       unloading_key: str | None) -> tuple:
        """Trust and waits of a detail: one database round trip, kept `CONTEXT_SECONDS` in the process
        (dropped here at once when a report changes; another worker shows it up to that much later)."""
        key = (inn, shipper_inn, loading_key, unloading_key)
        cached = self._contexts.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]

        def work() -> tuple:
            inns = [i for i in (inn, shipper_inn) if i]
            summaries = self.reports.summaries_now(inns)
            whose = inn or shipper_inn  # the poster's dock-wait figure; the shipper's when the poster has no INN
            company = self.waits.by_company_now([whose]).get(whose) if whose else None
            return (summaries, self.waits.at_address_now(loading_key), self.waits.at_address_now(unloading_key),
                    company or dict(NO_DATA))

        context = await self._db.run(work)
        if len(self._contexts) >= 4096:
            self._contexts.clear()
        self._contexts[key] = (time.monotonic() + CONTEXT_SECONDS, context)
        return context

    async def _reach(self, driver_id: int, cards: list[dict]) -> None:
        """`reach` on the cards that have an empty run (core/insights/reach.py)."""
        if self.reach is not None:
            await self.reach.add(driver_id, cards)

    async def for_alerts(self, driver_id: int, loads: list[Load]) -> dict[str, dict[str, Any]]:
        """What the driver's cards would add to each load, for an alert (core/alerts/delivery.py): `reach`
        (the loading point placed by the gazetteer too) and `net`, by load id. Like the list, nothing
        without a known position — and then no read of the driver's profile either."""
        position = await self.positions.position(driver_id)
        if position is None:
            return {}
        verdicts = await self.reach.verdicts(driver_id, position, loads) if self.reach is not None else {}
        profile = await self.profiles.get(driver_id)
        found: dict[str, dict[str, Any]] = {}
        for load in loads:
            parts: dict[str, Any] = {"reach": verdicts[load.id].as_api()} if load.id in verdicts else {}
            if profile.fuel is not None:
                view = card_of(load)
                self._economics(view, position, profile.fuel)
                add_net(view, profile, self.platon)
                if "net" in view:
                    parts["net"] = view["net"]
            if parts:
                found[load.id] = parts
        return found

    def forget_contexts(self) -> None:
        self._contexts.clear()

    def _economics(self, card: Card | CardDetail, position: Position | None, fuel) -> None:
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
            line += f" · {format_rub(round(rate, -2))}/км с порожним"  # whole roubles, as the Mini App shows rates
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
        """Loads leaving the unloading city on the unloading day + 0–2 days. CargoTech filters one exact
        loading date only, so the dates are not asked upstream: one date-less sort window per (city, radius)
        (core/insights/window.py, the shared cache's keys, shared by every detail ending there and every
        driver) is filtered here by loading date. Beyond the window the count is a lower bound."""
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
        where = from_city(finish.get("city"))  # «из Краснодара»; the Mini App names a saved search with it
        query = parse_filters({"from": str(city_id), "from_radius": str(radius)}, today=today)
        try:
            cards, window_meta = await read_window(self.list_page, query)
        except UpstreamError as exc:
            log.warning("insights: backhaul unavailable: %s", exc.message)
            return {"city": finish.get("city"), "from_text": where, "available": False,
                    "count": None, "best": [], "query": None, "text": "Обратные грузы сейчас недоступны"}
        found = [c for c in cards if c.get("id") != body.get("id") and loads_within(c, days[0], days[-1])]
        best = sorted((c for c in found if c.get("rate_kopecks_per_km")),
                      key=lambda c: -c["rate_kopecks_per_km"])[:BACKHAUL_BEST]
        more = bool(window_meta["more_upstream"] or window_meta["partial"])
        return {
            "city": finish.get("city"), "from_text": where, "city_id": city_id, "radius_km": radius, "available": True,
            "dates": [d.isoformat() for d in days], "count": len(found), "count_is_lower_bound": more,
            "best": [{"id": c["id"], "display": c.get("display"), "rate_rub_per_km": c.get("rate_rub_per_km"),
                      "price_rub": c.get("price_rub"), "to": (c.get("to") or {}).get("city")} for c in best],
            "query": {"from": city_id, "from_radius": radius, "date": days[0].isoformat()},
            "text": backhaul_text(where, len(found), more),
        }


def loads_within(card: dict, first: dt.date, last: dt.date) -> bool:
    """Whether the card's loading window (`from.from`…`from.to`, Moscow dates) meets the days first…last —
    what CargoTech's exact `date` filter, asked day by day, would have shown. A card without a loading date
    is left out: nothing says it loads on those days."""
    start = card.get("from") or {}
    try:
        opens = dt.date.fromisoformat((start.get("from") or "")[:10])
    except ValueError:
        return False
    try:
        closes = dt.date.fromisoformat((start.get("to") or "")[:10])
    except ValueError:
        closes = opens
    return opens <= last and max(opens, closes) >= first


def backhaul_text(where: str, count: int, lower_bound: bool) -> str:
    """«Обратно из Краснодара: 3 груза за 3 дня»; beyond the window «от 21 груза» / «от 5 грузов» (genitive),
    and none in it is not «от 0»: more may exist beyond the freshest loads read."""
    days = counted(BACKHAUL_DAYS, "день", "дня", "дней")
    if not lower_bound:
        return f"Обратно {where}: {count} {plural(count, 'груз', 'груза', 'грузов')} за {days}"
    if count == 0:
        return f"Обратно {where}: среди самых свежих грузов — ни одного за {days}"
    return f"Обратно {where}: от {count} {plural(count, 'груза', 'грузов', 'грузов')} за {days}"


def _trust_strip(company: dict, summary: dict | None) -> dict:
    return {
        "name": company.get("name"), "inn": company.get("inn"),
        # [?] CargoTech's `security_status` is passed through as a number: its meaning is not documented
        # (0 is the only value seen), so no label is claimed for it.
        "security_status": company.get("security_status"), "security_status_label": None,
        **(summary or {"drivers_worked": None, "drivers_worked_text": None, "reports": [], "reports_total": 0,
                       "flagged": False}),
    }


def short_trust(company: dict | None, summaries: dict[str, dict]) -> dict | None:
    if not company or not company.get("inn"):
        return None
    summary = summaries.get(company["inn"]) or {}
    return {"name": company.get("name"), "inn": company["inn"], "flagged": bool(summary.get("flagged")),
            "reports_total": summary.get("reports_total", 0), "drivers_worked": summary.get("drivers_worked")}


def sort_cards(cards: list[dict], sort: str) -> list[dict]:
    """Best first (the highest figure, or the earliest loading); cards without the figure keep their order
    after the others."""
    if sort == "arrival":
        return by_arrival(cards)
    if sort == "loading":
        dated = [c for c in cards if (c.get("from") or {}).get("from")]
        return sorted(dated, key=lambda c: c["from"]["from"]) + [c for c in cards if not (c.get("from") or {}).get("from")]
    key = {
        "rate_with_deadhead": lambda c: c.get("rate_with_deadhead_kopecks_per_km"),
        "above_market": lambda c: (c.get("market") or {}).get("delta_percent"),
        "rate": lambda c: c.get("rate_kopecks_per_km"),
        "price": lambda c: c.get("price_kopecks"),
        "net": lambda c: (c.get("net") or {}).get("rub"),
    }[sort]
    ranked = [c for c in cards if key(c) is not None]
    rest = [c for c in cards if key(c) is None]
    return sorted(ranked, key=lambda c: -key(c)) + rest


def build_insights(database: Database, redis, keys: Keys, audit: AuditLog, *, list_page: ListPage | None = None,
                   position_sources: Sequence[PositionSource] = (), platon: PlatonTariff = PLATON_2026,
                   avg_speed_kmh: float | None = None) -> Insights:
    """`position_sources`: where positions come from besides the Mini App's (the bot's live location)."""
    gazetteer = default_gazetteer()
    profiles = Profiles(database, redis, keys, gazetteer)
    trips = TripBook(database)
    positions = PositionReader(profiles, *position_sources, redis=redis, keys=keys)
    reports = Reports(database, trips, audit, on_change=lambda: insights.forget_contexts())  # built just below
    insights = Insights(LaneBook(database, gazetteer), profiles, positions, PointNames(redis, keys),
                        gazetteer, trips, reports, WaitBook(database), database, list_page, platon)
    insights.reach = Reach(redis, keys, gazetteer, **({"avg_speed_kmh": avg_speed_kmh} if avg_speed_kmh else {}))
    return insights
