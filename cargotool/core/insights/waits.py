"""Waiting at the dock: the drivers' answers and their aggregates.

After an accepted response's loading and unloading windows have passed, the bot asks the driver once
how long they waited at loading, then at unloading (core/insights/wait_questions.py sends and reads the
buttons). Answers aggregate per normalised address and per company INN; a median shows only from
`MIN_ANSWERS` answers (the answers are ordered buckets, so the median is a bucket), else «нет данных».
«не грузился» counts as an answer but not towards the median.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from ..storage.db import Database
from ..storage.models import utcnow
from .models import Trip, companies_of

WAIT_ANSWERS = {"lt1": "до 1 ч", "1_3": "1–3 ч", "3_6": "3–6 ч", "6_12": "6–12 ч", "gt24": "больше суток",
                "none": "не грузился"}
ORDER = ["lt1", "1_3", "3_6", "6_12", "gt24"]  # waiting times, shortest first ("none" is not a time)
LONG_FROM = "6_12"  # «долгий простой»: a median of 6 hours or more
MIN_ANSWERS = 3
ASK_WITHIN_DAYS = 14  # trips that ended longer ago are not asked about (e.g. right after deploying)
NO_DATA = {"median": None, "median_label": None, "answers": None, "long": False, "text": "нет данных"}


def median_of(codes: Iterable[str], min_answers: int = MIN_ANSWERS) -> dict:
    codes = [c for c in codes if c in WAIT_ANSWERS]
    timed = sorted((c for c in codes if c != "none"), key=ORDER.index)
    if len(codes) < min_answers or not timed:
        return dict(NO_DATA)
    median = timed[(len(timed) - 1) // 2]  # the lower median: never claims a longer wait than half said
    long = ORDER.index(median) >= ORDER.index(LONG_FROM)
    return {"median": median, "median_label": WAIT_ANSWERS[median], "answers": len(codes), "long": long,
            "text": f"простой {WAIT_ANSWERS[median]} (медиана, ответов: {len(codes)})"}


@dataclass(frozen=True)
class Question:
    trip_id: int
    driver_id: int
    cargo_id: str
    route: str
    side: str  # "l" loading | "u" unloading


class WaitBook:
    def __init__(self, database: Database, min_answers: int = MIN_ANSWERS) -> None:
        self._db = database
        self.min_answers = min_answers

    async def due(self, now: dt.datetime | None = None) -> list[Question]:
        """Trips whose unloading window has passed (and loading before it), not asked yet; marked asked."""
        now = now or utcnow()

        def work() -> list[Question]:
            with self._db.write_transaction():
                rows = list(Trip.select().where(
                    Trip.wait_asked_at.is_null() & (Trip.unloading_until < now)
                    & (Trip.unloading_until > now - dt.timedelta(days=ASK_WITHIN_DAYS))).limit(100))
                if rows:
                    Trip.update(wait_asked_at=now).where(Trip.id.in_([r.id for r in rows])).execute()
            return [Question(r.id, r.driver_id, r.cargo_id, f"{r.from_city or '?'} → {r.to_city or '?'}", "l") for r in rows]

        return await self._db.run(work)

    async def answer(self, trip_id: int, driver_id: int, side: str, code: str) -> Trip | None:
        """Store an answer of the trip's own driver; None when the trip is not theirs."""
        if code not in WAIT_ANSWERS or side not in ("l", "u"):
            return None
        field = "load_wait" if side == "l" else "unload_wait"

        def work() -> Trip | None:
            trip = Trip.get_or_none((Trip.id == trip_id) & (Trip.driver_id == driver_id))
            if trip is None:
                return None
            Trip.update({field: code}).where(Trip.id == trip_id).execute()
            return Trip.get_by_id(trip_id)

        return await self._db.run(work)

    async def by_company(self, inns: Iterable[str]) -> dict[str, dict]:
        inns = list(inns)
        return await self._db.run(lambda: self.by_company_now(inns))

    def by_company_now(self, inns: Iterable[str]) -> dict[str, dict]:
        """Per INN, every answer about its trips. Runs in a database thread."""
        wanted = sorted({i for i in inns if i})
        if not wanted:
            return {}
        found: dict[str, list[str]] = defaultdict(list)
        trips = (Trip.select(Trip.inn, Trip.shipper_inn, Trip.load_wait, Trip.unload_wait)
                 .where(Trip.inn.in_(wanted) | Trip.shipper_inn.in_(wanted)).tuples())
        for inn, shipper_inn, load, unload in trips:  # the poster's figure and the shipper's
            for side in companies_of(inn, shipper_inn):
                found[side] += [c for c in (load, unload) if c]
        return {inn: median_of(found[inn], self.min_answers) for inn in wanted}

    def at_address_now(self, key: str | None) -> dict:
        """Waits at one address. A dock is a dock: answers about loading and unloading there both count.
        Runs in a database thread."""
        if not key:
            return median_of([], self.min_answers)
        loads = Trip.select(Trip.load_wait).where((Trip.from_address_key == key) & Trip.load_wait.is_null(False))
        unloads = Trip.select(Trip.unload_wait).where((Trip.to_address_key == key) & Trip.unload_wait.is_null(False))
        return median_of([code for (code,) in loads.tuples()] + [code for (code,) in unloads.tuples()], self.min_answers)
