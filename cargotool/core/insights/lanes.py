"""The market rate of a lane, from the loads the server has seen.

A lane is (loading region → unloading region, body type, weight class). Regions are GeoNames
first-level divisions (`RU-13` for the Chelyabinsk oblast) found through the gazetteer; a city the
gazetteer does not know is its own region (`город:<name>`). Each load seen in a list or a detail
keeps one row (its latest sighting), so a load listed on many pages counts once. Rows older than
`MAX_AGE_DAYS` are ignored and deleted. A lane shows a market only with `MIN_POINTS` loads or more in
that window; the range is the middle half of the posted ₽/km (25th–75th percentile), and a load's
difference is against the median.
"""

from __future__ import annotations

import datetime as dt
import operator
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import reduce
from typing import Iterable, Sequence


from ..loads.models import Load, Stop
from ..storage.db import Database
from ..storage.models import utcnow
from ..words import counted
from .gazetteer import Gazetteer, normalise
from .models import LaneRate

MAX_AGE_DAYS = 60
MIN_POINTS = 10
WEIGHT_CLASSES = ((1500, "до 1,5 т"), (3000, "до 3 т"), (5000, "до 5 т"), (10000, "до 10 т"), (20000, "до 20 т"))


def weight_class(weight_kg: int | None) -> str:
    if weight_kg is None:
        return "?"
    for limit, label in WEIGHT_CLASSES:
        if weight_kg <= limit:
            return label
    return "свыше 20 т"


@dataclass(frozen=True)
class Lane:
    from_region: str
    to_region: str
    body: str
    weight_class: str


@dataclass(frozen=True)
class Market:
    low: int  # kopecks per km, 25th percentile
    median: int
    high: int  # 75th percentile
    points: int
    days: int  # the window the points come from

    def for_rate(self, rate: int | None) -> dict:
        delta = round((rate / self.median - 1) * 100) if rate and self.median else None
        text = f"рынок {self.low // 100}–{self.high // 100} ₽/км"
        if delta is not None:
            text += f" · эта ставка {delta:+d} %".replace("+0 %", "±0 %")
        return {"low_rub_km": self.low / 100, "median_rub_km": self.median / 100, "high_rub_km": self.high / 100,
                "points": self.points, "days": self.days, "delta_percent": delta, "text": text,
                "basis_text": f"По {counted(self.points, 'грузу', 'грузам', 'грузам')} за {counted(self.days, 'день', 'дня', 'дней')}"}


def market_of(rates: Sequence[int], window_days: int = MAX_AGE_DAYS, min_points: int = MIN_POINTS) -> Market | None:
    if len(rates) < min_points:
        return None
    q1, median, q3 = statistics.quantiles(sorted(rates), n=4, method="inclusive")
    return Market(round(q1), round(median), round(q3), len(rates), window_days)


class LaneBook:
    def __init__(self, database: Database, gazetteer: Gazetteer, min_points: int = MIN_POINTS,
                 max_age_days: int = MAX_AGE_DAYS) -> None:
        self._db = database
        self._gazetteer = gazetteer
        self.min_points = min_points
        self.max_age_days = max_age_days

    def region(self, city: str | None) -> str:
        place = self._gazetteer.find(city)
        if place is not None:
            return place.region
        return f"город:{normalise(city)}" if city else "?"

    def lane(self, cargo: Load) -> Lane:
        body = cargo.body_types[0].name if cargo.body_types else "любой"
        return Lane(self.region(_place_name(cargo.origin)), self.region(_place_name(cargo.destination)),
                    body[:64], weight_class(cargo.weight_kg))

    async def record(self, seen: Iterable[tuple[Load, int | None]], now: dt.datetime | None = None) -> int:
        """Store (or refresh) each load with a posted rate; return how many were stored."""
        now = now or utcnow()
        rows = {}
        for cargo, rate in seen:
            if not rate or rate <= 0:
                continue
            lane = self.lane(cargo)
            rows[cargo.id] = {"cargo_id": cargo.id, "from_region": lane.from_region, "to_region": lane.to_region,
                              "body": lane.body, "weight_class": lane.weight_class,
                              "from_city": _city(cargo.origin), "to_city": _city(cargo.destination),
                              "rate_kopecks_per_km": rate, "seen_at": now}
        if not rows:
            return 0

        def work() -> None:
            with self._db.write_transaction():
                (LaneRate.insert_many(list(rows.values()))
                 .on_conflict(conflict_target=[LaneRate.cargo_id],
                              preserve=[LaneRate.rate_kopecks_per_km, LaneRate.seen_at, LaneRate.from_region,
                                        LaneRate.to_region, LaneRate.body, LaneRate.weight_class])
                 .execute())

        await self._db.run(work)
        return len(rows)

    async def markets(self, lanes: Iterable[Lane], now: dt.datetime | None = None) -> dict[Lane, Market]:
        lanes = list(lanes)
        return await self._db.run(lambda: self.markets_now(lanes, now))

    def markets_now(self, lanes: Iterable[Lane], now: dt.datetime | None = None) -> dict[Lane, Market]:
        """The market of each lane that has one. Runs in a database thread."""
        wanted = set(lanes)
        if not wanted:
            return {}
        cutoff = (now or utcnow()) - dt.timedelta(days=self.max_age_days)
        match = reduce(operator.or_, [
            (LaneRate.from_region == lane.from_region) & (LaneRate.to_region == lane.to_region)
            & (LaneRate.body == lane.body) & (LaneRate.weight_class == lane.weight_class) for lane in wanted])
        found: dict[Lane, list[int]] = defaultdict(list)
        query = (LaneRate.select(LaneRate.from_region, LaneRate.to_region, LaneRate.body, LaneRate.weight_class,
                                 LaneRate.rate_kopecks_per_km)
                 .where((LaneRate.seen_at >= cutoff) & match).tuples())
        for from_region, to_region, body, wclass, rate in query:
            found[Lane(from_region, to_region, body, wclass)].append(rate)
        result = {}
        for lane, rates in found.items():
            market = market_of(rates, self.max_age_days, self.min_points)
            if market is not None:
                result[lane] = market
        return result

    async def age_out(self, now: dt.datetime | None = None) -> int:
        cutoff = (now or utcnow()) - dt.timedelta(days=self.max_age_days)
        return await self._db.run(lambda: LaneRate.delete().where(LaneRate.seen_at < cutoff).execute())

    async def table(self, now: dt.datetime | None = None) -> list[dict]:
        """Every lane with points in the window, busiest first (for operators: `cargotool insights lanes`)."""
        cutoff = (now or utcnow()) - dt.timedelta(days=self.max_age_days)

        def work() -> list[tuple]:
            return list(LaneRate.select(LaneRate.from_region, LaneRate.to_region, LaneRate.body, LaneRate.weight_class,
                                        LaneRate.from_city, LaneRate.to_city, LaneRate.rate_kopecks_per_km,
                                        LaneRate.seen_at)
                        .where(LaneRate.seen_at >= cutoff).tuples())

        groups: dict[Lane, list[tuple]] = defaultdict(list)
        for row in await self._db.run(work):
            groups[Lane(*row[:4])].append(row[4:])
        table = []
        for lane, rows in groups.items():
            rates = [r[2] for r in rows]
            market = market_of(rates, self.max_age_days, self.min_points)
            table.append({
                "from_region": lane.from_region, "to_region": lane.to_region, "body": lane.body,
                "weight_class": lane.weight_class, "points": len(rows),
                "from_cities": [c for c, _ in Counter(r[0] for r in rows if r[0]).most_common(3)],
                "to_cities": [c for c, _ in Counter(r[1] for r in rows if r[1]).most_common(3)],
                "first_seen": min(r[3] for r in rows).isoformat(), "last_seen": max(r[3] for r in rows).isoformat(),
                "min_rub_km": min(rates) / 100, "max_rub_km": max(rates) / 100,
                "market": market.for_rate(None) if market else None,
            })
        table.sort(key=lambda row: (-row["points"], row["from_region"], row["to_region"]))
        return table


def _place_name(stop: Stop | None) -> str | None:
    return stop.place.name if stop is not None and stop.place is not None else None


def _city(stop: Stop | None) -> str | None:
    name = _place_name(stop)
    return name[:128] if name is not None else None
