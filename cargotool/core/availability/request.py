"""`PUT /api/me/availability`'s body: `{"point_id", "date", "radius_km"?, "name"?}`, every bad field at once."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import InvalidInput

DEFAULT_RADIUS_KM = 50
MIN_RADIUS_KM, MAX_RADIUS_KM = 0, 300
MAX_DAYS_AHEAD = 30
KNOWN = ("point_id", "date", "radius_km", "name")


@dataclass(frozen=True)
class Wish:
    point_id: int
    day: dt.date
    radius_km: int
    name: str | None  # the city autocomplete's name, when the client has it


def parse_wish(body: object, today: dt.date) -> Wish:
    if not isinstance(body, dict):
        raise InvalidInput("Нужен объект", fields={"body": "Ожидается JSON-объект"})
    errors: dict[str, str] = {name: "Неизвестный параметр" for name in sorted(set(body) - set(KNOWN))}
    point_id = body.get("point_id")
    if isinstance(point_id, bool) or not isinstance(point_id, int) or not 1 <= point_id <= 10**12:
        errors["point_id"] = "Выберите город из подсказок"
    day = _day(body.get("date"), today, errors)
    radius = body.get("radius_km", DEFAULT_RADIUS_KM)
    if radius is None:
        radius = DEFAULT_RADIUS_KM
    if isinstance(radius, bool) or not isinstance(radius, int) or not MIN_RADIUS_KM <= radius <= MAX_RADIUS_KM:
        errors["radius_km"] = f"Радиус — целое число км от {MIN_RADIUS_KM} до {MAX_RADIUS_KM}"
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name.strip()) > 128):
        errors["name"] = "Название города — от 1 до 128 символов"
    if errors:
        raise InvalidInput("Проверьте город и дату", fields=errors)
    assert day is not None
    return Wish(point_id, day, radius, name.strip() if isinstance(name, str) else None)


def _day(value: object, today: dt.date, errors: dict[str, str]) -> dt.date | None:
    if value is None or value == "":
        errors["date"] = "Укажите, с какого дня вы свободны"
        return None
    day = None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            day = None
    if day is None:
        errors["date"] = "Дата в формате ГГГГ-ММ-ДД, например 2026-12-10"
    elif day < today:
        errors["date"] = "Эта дата уже прошла"
    elif day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["date"] = f"Не дальше чем на {MAX_DAYS_AHEAD} дней вперёд"
    else:
        return day
    return None
