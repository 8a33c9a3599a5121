"""A driver's availability: `GET/PUT/DELETE /api/me/availability`, its feed, the proposal, expiry, forget-me.

See the package note for the design (storage, expiry, alerts through a system saved search, the feed)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from ..alerts.searches import FREE_FROM, SearchStore
from ..clock import moscow_today
from ..errors import InvalidInput
from ..insights.gazetteer import Gazetteer
from ..insights.positions import PointNames
from ..loads.query import LoadQuery, PlaceFilter
from ..storage.db import Database
from ..storage.models import utcnow
from ..words import in_city
from .days import day_text
from .models import DriverAvailability
from .proposal import Accepted, Proposal, propose
from .request import parse_wish

EXPIRE_DAYS = 3  # an availability is kept this many days after its day, then it is gone (read-time and a job)
FEED_PAGE = 50  # one page of the shared cache (the chains' start-area page when the radius is theirs, 50 km)
KIND = "availability"  # its system saved search's kind (core/alerts/searches.py)

ListPage = Callable[[LoadQuery], Awaitable[Any]]  # CargoService.list: an Answer with .text / .stale
Hidden = Callable[[int, str, "str | None"], Awaitable[bool]]  # core/shortlist `excluded(driver, cargo id, inn)`


@dataclass(frozen=True)
class Availability:
    driver_id: int
    point_id: int
    name: str
    day: dt.date
    radius_km: int

    @property
    def text(self) -> str:
        return f"Свободен {in_city(self.name)} с {day_text(self.day)}"

    def public(self) -> dict[str, Any]:
        return {"point_id": self.point_id, "name": self.name, "date": self.day.isoformat(),
                "radius_km": self.radius_km, "text": self.text,
                "expires_on": (self.day + dt.timedelta(days=EXPIRE_DAYS)).isoformat()}

    def query(self) -> LoadQuery:
        return LoadQuery(origin=PlaceFilter(self.point_id, None, self.radius_km), limit=FEED_PAGE)

    @classmethod
    def of(cls, row: DriverAvailability) -> "Availability":
        return cls(row.driver_id, row.point_id, row.name, row.day, row.radius_km)


def live_since(today: dt.date) -> dt.date:
    """The earliest day of an availability not expired yet."""
    return today - dt.timedelta(days=EXPIRE_DAYS)


class Availabilities:
    def __init__(self, database: Database, gazetteer: Gazetteer, point_names: PointNames, searches: SearchStore,
                 accepted: Accepted, list_page: ListPage, hidden: Hidden) -> None:
        """`accepted(driver_id)`: the driver's responses (core/responses `ResponseService.mine`) for the proposal;
        `list_page`: the shared list cache (`CargoService.list`); `hidden`: what the driver hid (left out of the
        feed, as the list leaves it out)."""
        self._db = database
        self._gazetteer = gazetteer
        self._names = point_names
        self._searches = searches
        self._accepted = accepted
        self._list_page = list_page
        self._hidden = hidden

    async def get(self, driver_id: int, today: dt.date) -> Availability | None:
        row = await self._db.run(lambda: DriverAvailability.get_or_none(
            (DriverAvailability.driver_id == driver_id) & (DriverAvailability.day >= live_since(today))))
        return Availability.of(row) if row is not None else None

    async def mine(self, driver_id: int, today: dt.date) -> dict[str, Any]:
        """`GET /api/me/availability`: mine (or null) and the app's proposal (or null)."""
        current = await self.get(driver_id, today)
        proposal = await propose(await self._accepted(driver_id), today, self._gazetteer)
        if proposal is not None and current is not None and (current.point_id, current.day) == (
                proposal.point_id, proposal.day):
            proposal = None  # already what the driver said
        return {"availability": current.public() if current else None,
                "proposal": proposal.public() if proposal else None}

    async def set(self, driver_id: int, body: object, today: dt.date) -> Availability:
        wish = parse_wish(body, today)
        name = wish.name or await self._names.name(wish.point_id)
        if not name:
            raise InvalidInput("Не знаем этот город — выберите его из подсказок",
                               fields={"point_id": "Город не выбран из подсказок"})
        if self._gazetteer.find(name) is None:
            raise InvalidInput("Не знаем, где этот город — выберите ближайший крупный",
                               fields={"point_id": "Город не найден в справочнике"})
        found = Availability(driver_id, wish.point_id, name[:128], wish.day, wish.radius_km)
        search_id = await self._searches.put_system(driver_id, KIND, found.text, {
            "from": str(found.point_id), "from_radius": str(found.radius_km), FREE_FROM: found.day.isoformat()})
        await self._db.run(lambda: self._save(found, search_id))
        return found

    @staticmethod
    def _save(found: Availability, search_id: int) -> None:
        now = utcnow()
        values = {"point_id": found.point_id, "name": found.name, "day": found.day, "radius_km": found.radius_km,
                  "search_id": search_id, "updated_at": now}
        (DriverAvailability.insert(driver_id=found.driver_id, created_at=now, **values)
         .on_conflict(conflict_target=[DriverAvailability.driver_id], update=values).execute())

    async def clear(self, driver_id: int) -> int:
        """The driver's «Больше не свободен» (and forget-me): the row and its saved search; returns rows deleted."""
        count = await self._db.run(
            lambda: DriverAvailability.delete().where(DriverAvailability.driver_id == driver_id).execute())
        await self._searches.drop_system([driver_id], KIND)
        return count

    forget = clear  # «Удалить мои данные» (core/privacy)

    async def expire(self, today: dt.date | None = None) -> int:
        """The hourly job: delete availabilities `EXPIRE_DAYS` past their day, with their saved searches."""
        today = today or moscow_today()
        def work() -> list[int]:
            old = DriverAvailability.day < live_since(today)
            ids = [row.driver_id for row in DriverAvailability.select(DriverAvailability.driver_id).where(old)]
            if ids:
                DriverAvailability.delete().where(DriverAvailability.driver_id.in_(ids)).execute()
            return ids

        ids = await self._db.run(work)
        await self._searches.drop_system(ids, KIND)
        return len(ids)

    async def feed(self, driver_id: int, today: dt.date) -> dict[str, Any]:
        """Loads from there, from then, within the radius: one page of the shared cache (no per-driver call)."""
        current = await self.get(driver_id, today)
        if current is None:
            return {"availability": None, "items": [], "meta": {"stale": False, "total": 0}}
        answer = await self._list_page(current.query())
        cards = [card for card in json.loads(answer.text).get("items", [])
                 if isinstance(card, dict) and card.get("id") and _loadable_from(card, current.day)
                 and not await self._hidden(driver_id, str(card["id"]), (card.get("company") or {}).get("inn"))]
        return {"availability": current.public(), "items": cards,
                "meta": {"stale": bool(getattr(answer, "stale", False)), "total": len(cards)}}


def _loadable_from(card: dict[str, Any], day: dt.date) -> bool:
    """The card's loading window (Moscow ISO times) ends on or after `day`; a card without dates may still be."""
    start = card.get("from") or {}
    last = start.get("to") or start.get("from")
    if not isinstance(last, str) or len(last) < 10:
        return True
    try:
        return dt.date.fromisoformat(last[:10]) >= day
    except ValueError:
        return True


__all__ = ["Availabilities", "Availability", "Proposal", "EXPIRE_DAYS", "KIND"]
