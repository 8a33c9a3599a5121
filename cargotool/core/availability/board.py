"""The free trucks for dispatchers (`GET /api/admin/free-trucks`, `/free` in the dispatcher chat): who, where, from
when, the body type the driver gave with their availability, and the truck class of their profile (over 12 t or
not, core/insights — read through its `Profiles.truck_classes`, passed in as `TruckClasses`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from peewee import JOIN

from ..storage.db import Database
from ..storage.models import DriverRecord
from ..words import counted
from .days import day_text, live_since
from .models import DriverAvailability

MAX_TRUCKS = 200
TruckClasses = Callable[[list[int]], Awaitable[dict[int, bool]]]  # driver ids → over 12 t, of those who said


@dataclass(frozen=True)
class FreeTruck:
    driver_id: int
    driver: str
    city: str
    point_id: int
    day: dt.date
    radius_km: int
    over_12t: bool | None
    body: str | None = None  # the body type's name («Тент»), when the driver gave it

    def public(self) -> dict[str, Any]:
        return {"driver_id": self.driver_id, "driver": self.driver, "city": self.city, "point_id": self.point_id,
                "date": self.day.isoformat(), "radius_km": self.radius_km, "body": self.body, "truck": self.truck,
                "text": self.line}

    @property
    def truck(self) -> str | None:
        return None if self.over_12t is None else ("свыше 12 т" if self.over_12t else "до 12 т")

    @property
    def line(self) -> str:
        where = f"{self.city} (±{self.radius_km} км)" if self.radius_km else self.city
        truck = ", ".join(part for part in (self.body, self.truck) if part)
        return f"{self.driver} — {where}, с {day_text(self.day)}" + (f", {truck}" if truck else "")


async def free_trucks(database: Database, today: dt.date, truck_classes: TruckClasses) -> list[FreeTruck]:
    """Drivers with a live availability, by day then name."""
    def work() -> list[dict[str, Any]]:
        return list(DriverAvailability
                    .select(DriverAvailability, DriverRecord.first_name, DriverRecord.last_name, DriverRecord.username)
                    .join(DriverRecord, JOIN.LEFT_OUTER, on=(DriverRecord.telegram_id == DriverAvailability.driver_id))
                    .where(DriverAvailability.day >= live_since(today))
                    .order_by(DriverAvailability.day, DriverAvailability.driver_id).limit(MAX_TRUCKS).dicts())

    rows = await database.run(work)
    classes = await truck_classes([row["driver_id"] for row in rows])
    trucks = [FreeTruck(row["driver_id"], _who(row), row["name"], row["point_id"], row["day"], row["radius_km"],
                        classes.get(row["driver_id"]), row["body_name"]) for row in rows]
    return sorted(trucks, key=lambda t: (t.day, t.driver.lower()))


def _who(row: dict[str, Any]) -> str:
    name = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or f"Водитель {row['driver_id']}"
    return f"{name} (@{row['username']})" if row.get("username") else name


def board_text(trucks: list[FreeTruck], limit: int | None = None) -> str:
    """«Свободные машины: 1. …»; within `limit` characters (a Telegram message), whole lines only, the rest
    counted: «…и ещё 3 машины — в приложении»."""
    if not trucks:
        return "Свободных машин нет"
    lines = ["Свободные машины:"] + [f"{n}. {truck.line}" for n, truck in enumerate(trucks, 1)]
    text = "\n".join(lines)
    if limit is None or len(text) <= limit:
        return text
    shown = len(lines)
    while shown > 1:
        shown -= 1
        rest = len(lines) - shown
        tail = f"…и ещё {counted(rest, 'машина', 'машины', 'машин')} — в приложении"
        text = "\n".join(lines[:shown] + [tail])
        if len(text) <= limit:
            return text
    return text[:limit]
