"""A driver's saved searches: validated by the list's own filter parser, at most N per driver.

The filters are kept as the list's query parameters (strings), exactly what `GET /api/cargos` takes,
so the Mini App can run a saved search as it is. A search's `key` (`saved_searches.query_key`) says
which searches are the same: the marketplace's `query_key` without paging, given by the composition root
(CargoTech: the request's parameters without paging, so e.g. the default point type spelt out or not is
one search, and a search and the list agree). Equal searches of different drivers share it, and the watcher polls
each key once. A filter of ours that CargoTech does not know (`LOCAL_FILTERS` in search_filters.py: «только с ценой», «с НДС» / «без НДС», «без отсрочки») is
kept with the filters and applied to the loads a search finds (`Search.accepts`), outside the query.
«Успеваю» (`reachable`) is kept the same way, but depends on the driver's position: it is applied where
alerts are delivered to a driver (core/alerts/delivery.py), not to the loads every search shares.

A feature may keep a *system* search of a driver (`kind`, e.g. "availability": «Свободен с…», core/availability):
the watcher and delivery treat it like any other (quiet hours, the hourly cap, hidden companies), but it is not
among the driver's own («Мои поиски», their cap and duplicate check), and the driver's update and delete do not
reach it (404, as another driver's) — only the alert's pause button does. Its owner writes and removes it
(`write_system` / `delete_system`) inside its own write transaction, with its own rows; a unique index keeps one
per driver and kind. «Удалить мои данные» removes it with the others. Its `free_from` (a date, local like
«только с ценой») keeps only loads that can still be loaded on or after that day (`core/loads/loadable.py`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import peewee

from ..cargo.listing import REACHABLE
from ..loads.loadable import loadable_from
from ..loads.priced import WITH_PRICE, has_price
from ..loads.query import LoadQuery
from ..payterms import matches as payment_terms_match
from ..payterms import of_load as payment_terms_of
from ..errors import InvalidInput, NotFound
from ..storage.db import Database
from ..storage.models import AlertDelivery, SavedSearch, SearchHit, utcnow
from ..words import counted
from .search_filters import FREE_FROM, LOCAL_FILTERS, TRUE_FLAGS, read_filters, upstream_query

NAME_MAX = 120


class TooManySearches(InvalidInput):
    code = "too_many_searches"


class DuplicateSearch(InvalidInput):
    """The driver already has a search with the same upstream query (it would find and alert the same loads)."""

    code = "duplicate_search"


@dataclass(frozen=True)
class AutoRule:
    """Respond automatically when the rate is at least `rate_min` ₽/km and/or the price at least `price_min` ₽."""

    rate_min: int | None = None
    price_min: int | None = None

    def accepts(self, price_kopecks: int | None, rate_kopecks: int | None) -> bool:
        if not has_price(price_kopecks):  # nothing to respond to without a price
            return False
        if self.rate_min is not None and (rate_kopecks is None or rate_kopecks < self.rate_min * 100):
            return False
        return self.price_min is None or price_kopecks >= self.price_min * 100

    def public(self) -> dict[str, int | None]:
        return {"rate_min": self.rate_min, "price_min": self.price_min}




@dataclass(frozen=True)
class Search:
    id: int
    driver_id: int
    name: str
    filters: dict[str, str]
    query: LoadQuery
    key: str
    alerts: bool
    auto_rule: AutoRule | None
    created_at: dt.datetime
    last_opened_at: dt.datetime
    kind: str | None = None  # a system search's feature (see the module note); None: the driver's own

    @property
    def with_price(self) -> bool:
        return self.filters.get(WITH_PRICE) in TRUE_FLAGS

    @property
    def reachable(self) -> bool:
        """«Только успеваю»: decided per driver where alerts are delivered (core/alerts/delivery.py)."""
        return self.filters.get(REACHABLE) in TRUE_FLAGS

    def accepts(self, cargo: Any) -> bool:
        """The filters of ours a found load must pass too (CargoTech's filters were applied upstream)."""
        if self.with_price and not has_price(cargo.price_kopecks):
            return False
        start = cargo.origin
        if FREE_FROM in self.filters and not loadable_from(start and (start.latest or start.earliest),
                                                           dt.date.fromisoformat(self.filters[FREE_FROM])):
            return False
        vat, no_deferral = self.filters.get("vat"), self.filters.get("no_deferral") in TRUE_FLAGS
        if vat is None and not no_deferral:
            return True
        return payment_terms_match(payment_terms_of(cargo), vat, no_deferral)  # type: ignore[arg-type]

    def public(self, new_count: int = 0) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "filters": self.filters, "alerts": self.alerts,
                "auto_response": self.auto_rule.public() if self.auto_rule else None, "new_count": new_count,
                "created_at": self.created_at.isoformat(), "last_opened_at": self.last_opened_at.isoformat()}

    @classmethod
    def of(cls, row: SavedSearch) -> "Search":
        filters = json.loads(row.filters)
        rule = json.loads(row.auto_rule) if row.auto_rule else None
        return cls(id=row.id, driver_id=row.driver_id, name=row.name, filters=filters,
                   query=upstream_query(filters), key=row.query_key, alerts=row.alerts, auto_rule=AutoRule(**rule) if rule else None,
                   created_at=row.created_at, last_opened_at=row.last_opened_at, kind=row.kind)


def _rule(raw: Any) -> AutoRule | None:
    if raw is None or raw is False:
        return None
    if not isinstance(raw, dict):
        raise InvalidInput("Проверьте правило автоотклика", fields={"auto_response": "Ожидается объект"})
    errors: dict[str, str] = {}
    values: dict[str, int | None] = {}
    for name, high in (("rate_min", 10_000), ("price_min", 100_000_000)):
        value = raw.get(name)
        if value is None or value == "":
            values[name] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            errors[f"auto_response.{name}"] = f"Целое число рублей от 1 до {high}"
        else:
            values[name] = value
    unknown = set(raw) - {"rate_min", "price_min"}
    for name in sorted(unknown):
        errors[f"auto_response.{name}"] = "Неизвестный параметр"
    if not errors and values["rate_min"] is None and values["price_min"] is None:
        errors["auto_response"] = "Укажите ставку за км или цену"
    if errors:
        raise InvalidInput("Проверьте правило автоотклика", fields=errors)
    return AutoRule(**values)


def _name(raw: Any, default: str) -> str:
    if raw is None:
        return default
    if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > NAME_MAX:
        raise InvalidInput("Проверьте название", fields={"name": f"От 1 до {NAME_MAX} символов"})
    return raw.strip()


def _alerts(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise InvalidInput("Проверьте поиск", fields={"alerts": "true или false"})
    return raw


class SearchStore:
    def __init__(self, database: Database, max_per_driver: int, on_change: Callable[[], Awaitable[None]] | None = None,
                 *, key_of: Callable[[LoadQuery], str]) -> None:
        """`on_change()` is awaited after every change (the watcher rebuilds its index when told); `key_of`
        gives a search's key (see the module note)."""
        self._db = database
        self.max_per_driver = max_per_driver
        self._on_change = on_change
        self._key_of = key_of

    async def _changed(self) -> None:
        if self._on_change is not None:
            await self._on_change()

    async def create(self, driver_id: int, body: Any) -> Search:
        if not isinstance(body, dict):
            raise InvalidInput("Нужен объект поиска", fields={"body": "Ожидается JSON-объект"})
        filters, query = read_filters(body.get("filters"))
        alerts = _alerts(body.get("alerts", True))
        rule = _rule(body.get("auto_response"))

        def work() -> SavedSearch:
            with self._db.write_transaction():
                key = self._key_of(query)
                local = {k: filters.get(k) for k in LOCAL_FILTERS}
                same = next((row for row in SavedSearch.select().where((SavedSearch.driver_id == driver_id)
                                                                        & (SavedSearch.query_key == key)
                                                                        & SavedSearch.kind.is_null())
                             if {k: json.loads(row.filters).get(k) for k in LOCAL_FILTERS} == local), None)
                if same is not None:
                    raise DuplicateSearch(f"Такой поиск уже сохранён: «{same.name}»")
                count = SavedSearch.select().where((SavedSearch.driver_id == driver_id)
                                                   & SavedSearch.kind.is_null()).count()
                if count >= self.max_per_driver:
                    cap = f"не больше {counted(self.max_per_driver, 'поиска', 'поисков', 'поисков')}"
                    raise TooManySearches(f"Можно сохранить {cap} — удалите ненужный", fields={"filters": cap})
                now = utcnow()
                return SavedSearch.create(driver_id=driver_id, name=_name(body.get("name"), f"Поиск {count + 1}"),
                                          filters=json.dumps(filters, ensure_ascii=False), query_key=key,
                                          alerts=alerts, auto_rule=json.dumps(rule.public()) if rule else None,
                                          created_at=now, updated_at=now, last_opened_at=now)

        search = Search.of(await self._db.run(work))
        await self._changed()
        return search

    async def update(self, driver_id: int, search_id: int, body: Any) -> Search:
        if not isinstance(body, dict):
            raise InvalidInput("Нужен объект поиска", fields={"body": "Ожидается JSON-объект"})
        changes: dict[peewee.Field, Any] = {}
        if "filters" in body:
            filters, query = read_filters(body["filters"])
            changes[SavedSearch.filters] = json.dumps(filters, ensure_ascii=False)
            changes[SavedSearch.query_key] = self._key_of(query)
        if "name" in body:
            changes[SavedSearch.name] = _name(body["name"], "")
        if "alerts" in body:
            changes[SavedSearch.alerts] = _alerts(body["alerts"])
        if "auto_response" in body:
            rule = _rule(body["auto_response"])
            changes[SavedSearch.auto_rule] = json.dumps(rule.public()) if rule else None
        if body.get("opened") is True:
            changes[SavedSearch.last_opened_at] = utcnow()
        unknown = set(body) - {"filters", "name", "alerts", "auto_response", "opened"}
        if unknown:
            raise InvalidInput("Проверьте поиск", fields={name: "Неизвестный параметр" for name in sorted(unknown)})

        def work() -> SavedSearch:
            row = self._own(driver_id, search_id)
            if changes:
                SavedSearch.update({**changes, SavedSearch.updated_at: utcnow()}).where(SavedSearch.id == row.id).execute()
                row = SavedSearch.get_by_id(row.id)
            return row

        search = Search.of(await self._db.run(work))
        if set(body) - {"opened"}:
            await self._changed()
        return search

    async def delete(self, driver_id: int, search_id: int) -> None:
        def work() -> None:
            row = self._own(driver_id, search_id)
            with self._db.write_transaction():
                SearchHit.delete().where(SearchHit.search_id == row.id).execute()
                row.delete_instance()

        await self._db.run(work)
        await self._changed()

    async def forget_driver(self, driver_id: int) -> int:
        """Delete all of the driver's searches, their hits and which loads were alerted to them; returns how many
        searches («Удалить мои данные»)."""
        def work() -> int:
            with self._db.write_transaction():
                ids = [row.id for row in SavedSearch.select(SavedSearch.id).where(SavedSearch.driver_id == driver_id)]
                if ids:
                    SearchHit.delete().where(SearchHit.search_id.in_(ids)).execute()
                    SavedSearch.delete().where(SavedSearch.id.in_(ids)).execute()
                AlertDelivery.delete().where(AlertDelivery.driver_id == driver_id).execute()
                return len(ids)

        count = await self._db.run(work)
        if count:
            await self._changed()
        return count

    def system_filters(self, filters: dict[str, str]) -> tuple[dict[str, str], str]:
        """A system search's filters validated as the list's, with its key (for `write_system`)."""
        values, query = read_filters(filters)
        return values, self._key_of(query)

    @staticmethod
    def write_system(driver_id: int, kind: str, name: str, filters: tuple[dict[str, str], str]) -> int:
        """Create or replace the driver's system search of `kind` (see the module note); returns its id. Runs
        inside the caller's write transaction (its owner's row goes in the same one); one upsert on the unique
        (driver_id, kind) index, so two racing requests leave one search. The caller awaits `changed()` after."""
        values, key = filters
        now = utcnow()
        fields = {"name": name[:NAME_MAX], "filters": json.dumps(values, ensure_ascii=False), "query_key": key,
                  "alerts": True, "updated_at": now}
        (SavedSearch.insert(driver_id=driver_id, kind=kind, created_at=now, last_opened_at=now, **fields)
         .on_conflict(conflict_target=[SavedSearch.driver_id, SavedSearch.kind],
                      conflict_where=SavedSearch.kind.is_null(False),
                      update={getattr(SavedSearch, k): v for k, v in fields.items()}).execute())
        return SavedSearch.get((SavedSearch.driver_id == driver_id) & (SavedSearch.kind == kind)).id

    @staticmethod
    def delete_system(driver_ids: list[int], kind: str) -> int:
        """Delete these drivers' system searches of `kind` with their hits, inside the caller's write
        transaction; returns how many (the caller awaits `changed()` when any)."""
        ids = [row.id for row in SavedSearch.select(SavedSearch.id).where(
            SavedSearch.driver_id.in_(driver_ids) & (SavedSearch.kind == kind))] if driver_ids else []
        if ids:
            SearchHit.delete().where(SearchHit.search_id.in_(ids)).execute()
            SavedSearch.delete().where(SavedSearch.id.in_(ids)).execute()
        return len(ids)

    async def changed(self) -> None:
        """Tell the watcher that searches changed (after `write_system` / `delete_system`)."""
        await self._changed()

    async def get(self, driver_id: int, search_id: int) -> Search:
        return Search.of(await self._db.run(lambda: self._own(driver_id, search_id)))

    async def mine(self, driver_id: int) -> list[tuple[Search, int]]:
        """The driver's searches, oldest first, each with how many loads matched since it was last opened."""
        def work() -> list[tuple[Search, int]]:
            rows = list(SavedSearch.select().where((SavedSearch.driver_id == driver_id) & SavedSearch.kind.is_null())
                        .order_by(SavedSearch.id))
            counts = dict(
                SearchHit.select(SearchHit.search_id, peewee.fn.COUNT(SearchHit.id))
                .join(SavedSearch, on=(SearchHit.search_id == SavedSearch.id))
                .where((SavedSearch.driver_id == driver_id) & (SearchHit.created_at > SavedSearch.last_opened_at))
                .group_by(SearchHit.search_id).tuples())
            return [(Search.of(row), counts.get(row.id, 0)) for row in rows]

        return await self._db.run(work)

    async def all(self) -> list[Search]:
        """Every saved search (the watcher's index; paused ones count new loads but do not alert)."""
        return await self._db.run(lambda: [Search.of(r) for r in SavedSearch.select().order_by(SavedSearch.id)])

    async def pause(self, driver_id: int, search_id: int) -> Search:
        """«Не присылать по этому поиску» from an alert: the one change that reaches a system search too."""
        def work() -> SavedSearch:
            row = self._own(driver_id, search_id, system=True)
            SavedSearch.update({SavedSearch.alerts: False, SavedSearch.updated_at: utcnow()}).where(
                SavedSearch.id == row.id).execute()
            return SavedSearch.get_by_id(row.id)

        search = Search.of(await self._db.run(work))
        await self._changed()
        return search

    async def record_hits(self, pairs: list[tuple[int, str]]) -> None:
        """Remember that loads matched searches (for the «N новых» counts); repeats are ignored."""
        if not pairs:
            return
        now = utcnow()

        def work() -> None:
            with self._db.write_transaction():
                for start in range(0, len(pairs), 500):
                    rows = [{"search_id": s, "cargo_id": c, "created_at": now} for s, c in pairs[start:start + 500]]
                    SearchHit.insert_many(rows).on_conflict_ignore().execute()

        await self._db.run(work)

    @staticmethod
    def _own(driver_id: int, search_id: int, *, system: bool = False) -> SavedSearch:
        """The driver's own search; a system one (its feature owns it) only when `system` — to the user-facing
        update and delete it is not found, as another driver's is."""
        if not 1 <= search_id <= 2**31 - 1:  # beyond the column's range: no such search (not a DB error)
            raise NotFound("Поиск не найден")
        mine = (SavedSearch.id == search_id) & (SavedSearch.driver_id == driver_id)
        row = SavedSearch.get_or_none(mine if system else mine & SavedSearch.kind.is_null())
        if row is None:
            raise NotFound("Поиск не найден")
        return row
