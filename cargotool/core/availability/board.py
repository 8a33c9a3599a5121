"""The free trucks for dispatchers (`GET /api/admin/free-trucks`, `/free` in the dispatcher chat).

A driver's profile holds the truck class only (over 12 t or not, core/insights `truck_over_12t`); no body type
is known of a driver, so none is shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from peewee import JOIN

from ..insights.models import DriverInsightProfile
from ..storage.db import Database
from ..storage.models import DriverRecord
from .days import day_text
from .models import DriverAvailability
from .service import live_since

MAX_TRUCKS = 200


@dataclass(frozen=True)
class FreeTruck:
    driver_id: int
    driver: str
    city: str
    point_id: int
    day: dt.date
    radius_km: int
    over_12t: bool | None

    def public(self) -> dict[str, Any]:
        return {"driver_id": self.driver_id, "driver": self.driver, "city": self.city, "point_id": self.point_id,
                "date": self.day.isoformat(), "radius_km": self.radius_km, "truck": self.truck,
                "text": self.line}

    @property
    def truck(self) -> str | None:
        return None if self.over_12t is None else ("свыше 12 т" if self.over_12t else "до 12 т")

    @property
    def line(self) -> str:
        where = f"{self.city} (±{self.radius_km} км)" if self.radius_km else self.city
        truck = f", {self.truck}" if self.truck else ""
        return f"{self.driver} — {where}, с {day_text(self.day)}{truck}"


async def free_trucks(database: Database, today: dt.date) -> list[FreeTruck]:
    """Drivers with a live availability, by day then name."""
    def work() -> list[FreeTruck]:
        rows = (DriverAvailability
                .select(DriverAvailability, DriverRecord.first_name, DriverRecord.last_name, DriverRecord.username,
                        DriverInsightProfile.truck_over_12t)
                .join(DriverRecord, JOIN.LEFT_OUTER, on=(DriverRecord.telegram_id == DriverAvailability.driver_id))
                .switch(DriverAvailability)
                .join(DriverInsightProfile, JOIN.LEFT_OUTER,
                      on=(DriverInsightProfile.driver_id == DriverAvailability.driver_id))
                .where(DriverAvailability.day >= live_since(today))
                .order_by(DriverAvailability.day, DriverAvailability.driver_id).limit(MAX_TRUCKS).dicts())
        return [FreeTruck(row["driver_id"], _who(row), row["name"], row["point_id"], row["day"], row["radius_km"],
                          row["truck_over_12t"]) for row in rows]

    return sorted(await database.run(work), key=lambda t: (t.day, t.driver.lower()))


def _who(row: dict[str, Any]) -> str:
    name = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or f"Водитель {row['driver_id']}"
    return f"{name} (@{row['username']})" if row.get("username") else name


def board_text(trucks: list[FreeTruck]) -> str:
    if not trucks:
        return "Свободных машин нет"
    return "Свободные машины:\n" + "\n".join(f"{n}. {truck.line}" for n, truck in enumerate(trucks, 1))
