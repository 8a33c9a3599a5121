"""The app's proposal: free where and when the driver's accepted load unloads («Свободен в Краснодаре с чт 10 дек.?»)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable

from ..insights.gazetteer import Gazetteer
from ..words import in_city
from .days import day_text

Accepted = Callable[[int], Awaitable[Iterable[Any]]]  # driver id → their responses (ResponseView: .status, .cargo)


@dataclass(frozen=True)
class Proposal:
    point_id: int
    name: str
    day: dt.date
    cargo_id: str

    def public(self) -> dict[str, Any]:
        return {"point_id": self.point_id, "name": self.name, "date": self.day.isoformat(), "cargo_id": self.cargo_id,
                "text": f"Свободен {in_city(self.name)} с {day_text(self.day)}?"}


async def propose(responses: Iterable[Any], today: dt.date, gazetteer: Gazetteer) -> Proposal | None:
    """Of the accepted responses whose unloading day is today or later and whose unloading city the gazetteer
    knows, the one unloading last (after it the driver is free)."""
    found = [p for p in (_of(r, gazetteer) for r in responses if r.status == "accepted") if p and p.day >= today]
    return max(found, key=lambda p: p.day, default=None)


def _of(response: Any, gazetteer: Gazetteer) -> Proposal | None:
    finish = (response.cargo or {}).get("to") or {}
    city, city_id = finish.get("city"), finish.get("city_id")
    when = finish.get("to") or finish.get("from")
    if not isinstance(city, str) or isinstance(city_id, bool) or not isinstance(city_id, int) or city_id <= 0:
        return None
    if not isinstance(when, str) or gazetteer.find(city) is None:
        return None
    try:
        day = dt.date.fromisoformat(when[:10])
    except ValueError:
        return None
    return Proposal(city_id, city, day, str(response.cargo_id))
