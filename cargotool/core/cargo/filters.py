"""A driver's (or operator's) search filters: validate every field, then normalise into one `LoadQuery`.

Input is a flat mapping of strings (HTTP query parameters or CLI options). Every bad field is reported
at once, in Russian (drivers read these), under the field's own name. Normalisation (defaults, sorted
ids) makes equal searches produce equal queries, whose `Marketplace.query_key` the shared cache keys on.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Mapping

from ..loads.query import LoadQuery, PlaceFilter, Span
from ..errors import InvalidInput

WV_PATTERN = re.compile(r"^(\d+(?:[.,]\d+)?)-(\d+(?:[.,]\d+)?)$")
MAX_RADIUS_KM = 500
MAX_PRICE_RUB = 100_000_000
MAX_RATE_RUB_PER_KM = 10_000
MAX_DISTANCE_KM = 20_000
MAX_OFFSET = 10_000

class InvalidFilter(InvalidInput):
    code = "invalid_filter"


KNOWN_FIELDS = frozenset({
    "from", "to", "from_radius", "to_radius", "from_type", "to_type", "date", "wv", "truck_types",
    "load_types", "price_min", "price_max", "rate_min", "distance_min", "distance_max", "mode", "limit",
    "offset",
})


class _Reader:
    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = {k: v.strip() for k, v in raw.items() if v is not None and str(v).strip() != ""}
        self.errors: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.raw

    def integer(self, name: str, low: int, high: int, message: str) -> int | None:
        text = self.raw.get(name)
        if text is None:
            return None
        if not re.fullmatch(r"\d+", text):
            self.errors[name] = message
            return None
        if not low <= int(text) <= high:  # the real problem is the range, not the format
            self.errors[name] = f"Допустимо от {low:,} до {high:,}".replace(",", "\u00a0")
            return None
        return int(text)

    def ids(self, name: str) -> tuple[int, ...]:
        text = self.raw.get(name)
        if text is None:
            return ()
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts or not all(re.fullmatch(r"\d{1,9}", p) for p in parts):
            self.errors[name] = "Укажите номера через запятую, например 1,2,6"
            return ()
        return tuple(sorted({int(p) for p in parts}))


def parse_filters(raw: Mapping[str, str], *, max_limit: int = 50, today: dt.date | None = None) -> LoadQuery:
    """Validate `raw` and build the query; raise InvalidFilter naming every bad field."""
    r = _Reader(raw)
    unknown = sorted(set(r.raw) - KNOWN_FIELDS)
    for name in unknown:
        r.errors[name] = "Неизвестный параметр"

    start = _point(r, "from")
    finish = _point(r, "to")
    start_date = _date(r, today)
    wv = _wv(r)
    price = _range(r, "price_min", "price_max", MAX_PRICE_RUB, "Цена — целое число рублей")
    rate_min = r.integer("rate_min", 0, MAX_RATE_RUB_PER_KM, "Ставка за км — целое число рублей")
    distance = _range(r, "distance_min", "distance_max", MAX_DISTANCE_KM, "Расстояние — целое число км")
    mode = r.raw.get("mode", "all").lower()
    if mode not in ("all", "my"):
        r.errors["mode"] = "Допустимо: all (все грузы) или my (свои)"
    limit = r.integer("limit", 1, max_limit, f"Количество — от 1 до {max_limit}")
    offset = r.integer("offset", 0, MAX_OFFSET, f"Смещение — от 0 до {MAX_OFFSET}")
    truck_types = r.ids("truck_types")
    load_types = r.ids("load_types")

    if r.errors:
        raise InvalidFilter("Проверьте фильтры", fields=r.errors)
    return LoadQuery(
        origin=start,
        destination=finish,
        loading_date=start_date,
        weight_t=wv[0] if wv else None,
        volume_m3=wv[1] if wv else None,
        body_types=truck_types,
        load_types=load_types,
        distance_km=distance,
        price_rub=price,
        rate_rub_per_km=Span(rate_min, None) if rate_min else Span(),
        mine=mode == "my",
        limit=limit or 20,
        offset=offset or 0,
    )


def _point(r: _Reader, side: str) -> PlaceFilter | None:
    point_id = r.integer(side, 1, 10**12, "Выберите город из списка")
    radius = r.integer(f"{side}_radius", 0, MAX_RADIUS_KM, f"Радиус — от 0 до {MAX_RADIUS_KM} км")
    point_type = r.integer(f"{side}_type", 1, 99, "Неверный тип пункта")
    if point_id is None:
        if not r.has(side) and (r.has(f"{side}_radius") or r.has(f"{side}_type")):
            r.errors.setdefault(side, "Сначала выберите город")
        return None
    return PlaceFilter(id=point_id, kind=point_type, radius_km=radius)


def _date(r: _Reader, today: dt.date | None) -> dt.date | None:
    text = r.raw.get("date")
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        r.errors["date"] = "Дата в формате ГГГГ-ММ-ДД, например 2026-11-24"
        return None
    if today is not None and day < today - dt.timedelta(days=1):
        r.errors["date"] = "Дата погрузки уже прошла"
        return None
    return day


def _wv(r: _Reader) -> tuple[float, float] | None:
    """(tonnes, m³) of "<tonnes>-<m³>", e.g. 15-65 or 1,5-9."""
    text = r.raw.get("wv")
    if text is None:
        return None
    match = WV_PATTERN.match(text)
    if not match:
        r.errors["wv"] = "Тоннаж и объём через дефис, например 15-65 или 1.5-9"
        return None
    # to the 6 significant digits the marketplace is sent ("%g"), so the alerts matcher compares what the list shows
    tonnes, cubic = (float(f'{float(x.replace(",", ".")):g}') for x in match.groups())
    if not (0.1 <= tonnes <= 1000 and 0.1 <= cubic <= 200):  # bounds another integration validates [CODE]
        r.errors["wv"] = "Тоннаж от 0,1 до 1000 т, объём от 0,1 до 200 м³"
        return None
    return tonnes, cubic


def _range(r: _Reader, low_name: str, high_name: str, high: int, message: str) -> Span:
    low = r.integer(low_name, 0, high, message)
    top = r.integer(high_name, 0, high, message)
    if low is not None and top is not None and low > top:
        r.errors[high_name] = "Максимум меньше минимума"
        return Span()
    return Span(low, top)
