"""`GET /api/chains`'s query: the target and the date to be there by, and where and when the trip starts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Mapping

from ..errors import InvalidInput

MAX_DAYS_AHEAD = 14


@dataclass(frozen=True)
class ChainRequest:
    to: int
    by: dt.date
    start_day: dt.date
    from_id: int | None = None  # None: from the driver's position
    to_name: str | None = None  # the autocomplete's name, when the client has it
    from_name: str | None = None


def parse_request(args: Mapping[str, str], today: dt.date) -> ChainRequest:
    """Every bad field at once, in Russian."""
    errors: dict[str, str] = {}
    to = _point(args, "to", errors, "Выберите город назначения из списка")
    from_id = _point(args, "from", errors, "Выберите город отправления из списка")
    last = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    start_day = _day(args, "from_date", errors) or today
    if "from_date" not in errors and not today <= start_day <= last:
        errors["from_date"] = f"С сегодняшнего дня и не дальше чем на {MAX_DAYS_AHEAD} дней вперёд"
    by = _day(args, "by", errors)
    if by is None and "by" not in errors:
        errors["by"] = "Укажите, к какому дню быть на месте"
    elif by is not None and by < today:
        errors["by"] = "Эта дата уже прошла"
    elif by is not None and by > last:
        errors["by"] = f"Не дальше чем на {MAX_DAYS_AHEAD} дней вперёд"
    elif by is not None and by < start_day:
        errors["by"] = "Не раньше дня, с которого вы свободны"
    if errors:
        raise InvalidInput("Проверьте город и дату", fields=errors)
    assert to is not None and by is not None
    return ChainRequest(to, by, start_day, from_id, _name(args, "to_name"), _name(args, "from_name"))


def _point(args: Mapping[str, str], name: str, errors: dict[str, str], message: str) -> int | None:
    text = (args.get(name) or "").strip()
    if not text:
        if name == "to":
            errors[name] = message
        return None
    if not re.fullmatch(r"\d{1,12}", text) or int(text) == 0:
        errors[name] = message
        return None
    return int(text)


def _day(args: Mapping[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else _bad(name, errors)
    except ValueError:
        return _bad(name, errors)


def _bad(name: str, errors: dict[str, str]) -> None:
    errors[name] = "Дата в формате ГГГГ-ММ-ДД, например 2026-11-24"
    return None


def _name(args: Mapping[str, str], name: str) -> str | None:
    text = (args.get(name) or "").strip()
    return text[:128] or None
