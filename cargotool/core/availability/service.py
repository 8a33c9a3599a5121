"""A driver's availability: `GET/PUT/DELETE /api/me/availability`, its feed, the proposal, expiry, forget-me.

See the package note for the design (storage, expiry, alerts through a system saved search, the feed)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import peewee

from ..alerts.search_filters import FREE_FROM
from ..alerts.searches import SearchStore
from ..clock import moscow_today
from ..errors import InvalidInput
from ..insights.gazetteer import Gazetteer
from ..insights.positions import PointNames
from ..loads.loadable import loadable_from
from ..loads.query import LoadQuery, PlaceFilter
from ..storage.db import Database
from ..storage.models import utcnow
from ..words import in_city
from .board import FreeTruck, TruckClasses, free_trucks
from .days import EXPIRE_DAYS, day_text, live_since
from .models import DriverAvailability
from .proposal import Accepted, Proposal, propose
from .request import parse_wish

FEED_PAGE = 50  # one page of the shared cache (the chains' start-area page when the radius is theirs, 50 km)
KIND = "availability"  # its system saved search's kind (core/alerts/searches.py)

ListPage = Callable[[LoadQuery], Awaitable[Any]]  # CargoService.list: an Answer with .text / .stale
Points = Callable[[str], Awaitable[Any]]  # CargoService.points: the city autocomplete, an Answer with .text
Dictionaries = Callable[[], Awaitable[dict[str, Any]]]  # CargoService.dictionaries: {"truck_types": [...] | None}
Hidden = Callable[[int, str, "str | None"], Awaitable[bool]]  # core/shortlist `excluded(driver, cargo id, inn)`
Personalise = Callable[[int, Any], Awaitable["str | None"]]  # the list's own `personalise_list(driver, answer)`


@dataclass(frozen=True)
class Availability:
    driver_id: int
    point_id: int
    name: str
    day: dt.date
    radius_km: int
    body_type: int | None = None  # a truck (body) type id of the dictionaries, when the driver said
    body_name: str | None = None

    @property
    def text(self) -> str:
        return f"Свободен {in_city(self.name)} с {day_text(self.day)}"

    def public(self) -> dict[str, Any]:
        return {"point_id": self.point_id, "name": self.name, "date": self.day.isoformat(),
                "radius_km": self.radius_km, "body_type": self.body_type, "body_name": self.body_name,
                "text": self.text, "expires_on": (self.day + dt.timedelta(days=EXPIRE_DAYS)).isoformat()}

    def query(self) -> LoadQuery:
        """The feed's page: loads from there within the radius (for the driver's body type, when said)."""
        body_types = (self.body_type,) if self.body_type else ()
        return LoadQuery(origin=PlaceFilter(self.point_id, None, self.radius_km), body_types=body_types,
                         limit=FEED_PAGE)

    def filters(self) -> dict[str, str]:
        """Its system saved search's filters: the same place, radius and body type as the feed, from the day."""
        filters = {"from": str(self.point_id), "from_radius": str(self.radius_km), FREE_FROM: self.day.isoformat()}
        return {**filters, "truck_types": str(self.body_type)} if self.body_type else filters

    @classmethod
    def of(cls, row: DriverAvailability) -> "Availability":
        return cls(row.driver_id, row.point_id, row.name, row.day, row.radius_km, row.body_type, row.body_name)


class Availabilities:
    def __init__(self, database: Database, gazetteer: Gazetteer, point_names: PointNames, searches: SearchStore,
                 accepted: Accepted, list_page: ListPage, hidden: Hidden, *, points: Points,
                 dictionaries: Dictionaries, truck_classes: TruckClasses, personalise: Personalise | None = None) -> None:
        """`accepted(driver_id)`: the driver's responses (core/responses `ResponseService.mine`) for the proposal;
        `list_page`: the shared list cache (`CargoService.list`); `hidden`: what the driver hid (left out of the
        feed, as the list leaves it out); `points` / `dictionaries`: the city autocomplete and the truck types
        (`CargoService`), to check a city's name and a body type; `truck_classes`: drivers' truck class for the
        free trucks (core/insights `Profiles.truck_classes`); `personalise`: the list's per-driver view (net, reach,
        ☆ — core/shortlist `MarkedViews.personalise_list`), so the feed's cards read like the list's."""
        self._db = database
        self._gazetteer = gazetteer
        self._names = point_names
        self._searches = searches
        self._accepted = accepted
        self._list_page = list_page
        self._hidden = hidden
        self._personalise = personalise
        self._points = points
        self._dictionaries = dictionaries
        self._truck_classes = truck_classes

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
        """Save it and its system saved search in one transaction (one search per driver: a unique index)."""
        wish = parse_wish(body, today)
        name = await self._city(wish.point_id, wish.name)
        found = Availability(driver_id, wish.point_id, name[:128], wish.day, wish.radius_km, wish.body_type,
                             await self._body_name(wish.body_type))
        filters = self._searches.system_filters(found.filters())

        def work() -> None:
            with self._db.write_transaction():
                self._save(found)  # the row first, as `expire` locks it first: no deadlock between the two
                search_id = self._searches.write_system(driver_id, KIND, found.text, filters)
                DriverAvailability.update(search_id=search_id).where(
                    DriverAvailability.driver_id == driver_id).execute()

        await self._db.run(work)
        await self._searches.changed()
        return found

    async def _city(self, point_id: int, said: str | None) -> str:
        """The point's name as the server knows it (from the pages it fetched, or the autocomplete's answer for
        the name the client sent); the client's name alone is not taken."""
        name = await self._names.name(point_id)
        if not name and said:
            items = json.loads((await self._points(said)).text).get("items") or []
            name = next((p["name"] for p in items if p.get("id") == point_id and isinstance(p.get("name"), str)), None)
        if not name:
            raise InvalidInput("Город не найден — выберите его из подсказок", fields={"point_id": "Город не найден"})
        if self._gazetteer.find(name) is None:
            raise InvalidInput("Не знаем, где этот город — выберите ближайший крупный",
                               fields={"point_id": "Город не найден в справочнике"})
        return name

    async def _body_name(self, body_type: int | None) -> str | None:
        """The body type's name in the dictionaries (the list's `truck_types`); 400 when it is not there."""
        if body_type is None:
            return None
        types = (await self._dictionaries()).get("truck_types")
        if types is None:
            raise InvalidInput("Не удалось проверить тип кузова — попробуйте позже или не указывайте его",
                               fields={"body_type": "Список кузовов сейчас недоступен"})
        name = next((t.get("name") for t in types if t.get("id") == body_type), None)
        if not isinstance(name, str):
            raise InvalidInput("Проверьте тип кузова", fields={"body_type": "Выберите тип кузова из списка"})
        return name[:64]

    @staticmethod
    def _save(found: Availability) -> None:
        now = utcnow()
        values = {"point_id": found.point_id, "name": found.name, "day": found.day, "radius_km": found.radius_km,
                  "body_type": found.body_type, "body_name": found.body_name, "updated_at": now}
        (DriverAvailability.insert(driver_id=found.driver_id, created_at=now, **values)
         .on_conflict(conflict_target=[DriverAvailability.driver_id], update=values).execute())

    async def clear(self, driver_id: int) -> int:
        """The driver's «Больше не свободен» (and forget-me): the row and its saved search; returns rows deleted."""
        def work() -> tuple[int, int]:
            with self._db.write_transaction():
                count = DriverAvailability.delete().where(DriverAvailability.driver_id == driver_id).execute()
                return count, self._searches.delete_system([driver_id], KIND)

        count, dropped = await self._db.run(work)
        if dropped:
            await self._searches.changed()
        return count

    forget = clear  # «Удалить мои данные» (core/privacy)

    async def expire(self, today: dt.date | None = None) -> int:
        """The hourly job: delete availabilities `EXPIRE_DAYS` past their day, with their saved searches — in one
        transaction, and only for the rows deleted: one set again meanwhile (a new day) keeps its search."""
        old = DriverAvailability.day < live_since(today or moscow_today())

        def work() -> tuple[int, int]:
            with self._db.write_transaction():  # SQLite: the write lock; PostgreSQL: the rows, locked
                query = DriverAvailability.select(DriverAvailability.driver_id).where(old)
                if not isinstance(self._db.peewee, peewee.SqliteDatabase):
                    query = query.for_update()
                ids = [row.driver_id for row in query]
                if not ids:
                    return 0, 0
                DriverAvailability.delete().where(DriverAvailability.driver_id.in_(ids) & old).execute()
                kept = {row.driver_id for row in DriverAvailability.select(DriverAvailability.driver_id)
                        .where(DriverAvailability.driver_id.in_(ids))}
                gone = [driver_id for driver_id in ids if driver_id not in kept]
                return len(gone), self._searches.delete_system(gone, KIND)

        count, dropped = await self._db.run(work)
        if dropped:
            await self._searches.changed()
        return count

    async def free_trucks(self, today: dt.date) -> list[FreeTruck]:
        """The free trucks for dispatchers (`GET /api/admin/free-trucks`, `/free`)."""
        return await free_trucks(self._db, today, self._truck_classes)

    async def feed(self, driver_id: int, today: dt.date) -> dict[str, Any]:
        """Loads from there, from then, within the radius: one page of the shared cache (no per-driver call)."""
        current = await self.get(driver_id, today)
        if current is None:
            return {"availability": None, "items": [], "meta": {"stale": False, "total": 0}}
        answer = await self._list_page(current.query())
        personal = await self._personalise(driver_id, answer) if self._personalise is not None else None
        cards = [card for card in (json.loads(personal) if personal is not None else answer.data).get("items", [])
                 if isinstance(card, dict) and card.get("id") and _loadable(card, current.day)
                 and not await self._hidden(driver_id, str(card["id"]), (card.get("company") or {}).get("inn"))]
        return {"availability": current.public(), "items": cards,
                "meta": {"stale": bool(getattr(answer, "stale", False)), "total": len(cards)}}


def _loadable(card: dict[str, Any], day: dt.date) -> bool:
    start = card.get("from") or {}
    return loadable_from(start.get("to") or start.get("from"), day)


__all__ = ["Availabilities", "Availability", "Proposal", "EXPIRE_DAYS", "KIND"]
