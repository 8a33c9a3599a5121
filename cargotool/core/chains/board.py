"""The shared cache's list pages as loads for the planner, and the intermediate cities worth asking about.

The cache keeps finished cards (core/cargo/cards.py, with the coordinates insights added when the page was
fetched); the planner speaks `Load`, so the few card fields it needs are read back here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from ..insights.economics import great_circle_km
from ..insights.gazetteer import Gazetteer
from ..loads.models import GeoPoint, Load, Moment, Place, Stop
from .planning import Leg

CITY_RADIUS_KM = 50  # "the start area", "towards the target": a city and this radius, as the trip back uses


def page_cards(text: str) -> list[dict[str, Any]]:
    return [card for card in json.loads(text).get("items", []) if isinstance(card, dict) and card.get("id")]


def card_load(card: dict[str, Any]) -> Load:
    kopecks = card.get("price_kopecks")
    return Load(str(card["id"]), _stop(card.get("from")), _stop(card.get("to")), None, card.get("volume_m3"),
                card.get("distance_km"), kopecks if isinstance(kopecks, int) else None, card.get("price_source"),
                card.get("rate_kopecks_per_km"), (), (), None)


def locator(gazetteer: Gazetteer):
    """Where a stop is: the card's coordinates, else the gazetteer's for its city's name."""
    def locate(stop: Stop) -> GeoPoint | None:
        if stop.coordinates is not None:
            return stop.coordinates
        place = gazetteer.find(stop.place.name if stop.place else None)
        return GeoPoint(place.lat, place.lon) if place is not None else None
    return locate


def via_cities(legs: list[Leg], start: GeoPoint, target: GeoPoint, k: int) -> list[Place]:
    """The `k` cities the most first legs unload in (then the most money into them), leaving out the start's
    area (its loads are the first page already) and the target's (a load there is a direct trip)."""
    counts: Counter[int] = Counter()
    money: Counter[int] = Counter()
    places: dict[int, Place] = {}
    for leg in legs:
        place = leg.load.destination.place if leg.load.destination else None
        if place is None or place.id is None or min(
                great_circle_km(leg.end.lat, leg.end.lon, end.lat, end.lon) for end in (start, target)) <= CITY_RADIUS_KM:
            continue
        places[place.id] = place
        counts[place.id] += 1
        money[place.id] += leg.load.price_kopecks or 0
    ranked = sorted(counts, key=lambda pid: (-counts[pid], -money[pid], pid))
    return [places[pid] for pid in ranked[:k]]


def _stop(point: Any) -> Stop | None:
    if not isinstance(point, dict):
        return None
    lat, lon = point.get("lat"), point.get("lon")
    where = GeoPoint(lat, lon) if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) else None
    return Stop(Place(point.get("city_id"), point.get("city") or "?"), point.get("address"),
                _moment(point.get("from")), _moment(point.get("to")), where)


def _moment(text: Any) -> Moment | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        return None
