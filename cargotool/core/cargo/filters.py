"""A driver's (or operator's) search filters: validate every field, then normalise into one `LoadQuery`.

Input is a flat mapping of strings (HTTP query parameters or CLI options). Every bad field is reported
at once, in Russian (drivers read these), under the field's own name. Normalisation (defaults, sorted
ids) makes equal searches produce equal queries, whose `Marketplace.query_key` the shared cache keys on.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Mapping

from ..loads.query import Corridor, LoadQuery, PlaceFilter, Span
from ..errors import InvalidInput
from ..regions import MAX_REGIONS, region

WV_PATTERN = re.compile(r"^(\d+(?:[.,]\d+)?)-(\d+(?:[.,]\d+)?)$")
MAX_RADIUS_KM = 500
MAX_PRICE_RUB = 100_000_000
MAX_RATE_RUB_PER_KM = 10_000
MAX_DISTANCE_KM = 20_000
MAX_OFFSET = 10_000
MAX_PLACES = 5  # ids per side (`from=1,77`): each is one more marketplace query (core/cargo/alongway.py)
MAX_CORRIDOR_KM = 300

class InvalidFilter(InvalidInput):
    code = "invalid_filter"


KNOWN_FIELDS = frozenset({
    "from", "to", "from_radius", "to_radius", "from_type", "to_type", "date", "wv", "truck_types",
    "load_types", "price_min", "price_max", "rate_min", "distance_min", "distance_max", "mode", "limit",
    "offset", "route_from", "route_to", "corridor_km", "from_region", "to_region",
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

    start_regions, finish_regions = _regions(r, "from"), _regions(r, "to")
    starts = _points(r, "from", bool(start_regions))
    finishes = _points(r, "to", bool(finish_regions))
    corridor = _corridor(r, bool(starts))
    if start_regions and (corridor is not None or r.has("route_from")):
        r.errors["from_region"] = "Либо область погрузки, либо «по пути»"
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

    _compound_limits(r, starts or start_regions, finishes or finish_regions, corridor, mode)
    if r.errors:
        raise InvalidFilter("Проверьте фильтры", fields=r.errors)
    return LoadQuery(
        origin=starts[0] if len(starts) == 1 else None,
        destination=finishes[0] if len(finishes) == 1 else None,
        origins=starts if len(starts) > 1 else (),
        destinations=finishes if len(finishes) > 1 else (),
        corridor=corridor,
        origin_regions=start_regions,
        destination_regions=finish_regions,
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


def _points(r: _Reader, side: str, region: bool = False) -> tuple[PlaceFilter, ...]:
    """One place or several (`from=1,77`, up to MAX_PLACES), each with the side's radius and type; not with a
    region on the same side (`region`)."""
    point_ids = _place_ids(r, side)
    radius = r.integer(f"{side}_radius", 0, MAX_RADIUS_KM, f"Радиус — от 0 до {MAX_RADIUS_KM} км")
    point_type = r.integer(f"{side}_type", 1, 99, "Неверный тип пункта")
    if region:
        if point_ids:
            r.errors[side] = "Либо города, либо вся область"
        for name in (f"{side}_radius", f"{side}_type"):
            if r.has(name):
                r.errors.setdefault(name, "Для всей области радиус и тип пункта не задаются")
        return ()
    if not point_ids:
        if not r.has(side) and (r.has(f"{side}_radius") or r.has(f"{side}_type")):
            r.errors.setdefault(side, "Сначала выберите город")
        return ()
    return tuple(PlaceFilter(id=point_id, kind=point_type, radius_km=radius) for point_id in point_ids)


def _place_ids(r: _Reader, side: str) -> tuple[int, ...]:
    text = r.raw.get(side)
    if text is None or "," not in text:
        point_id = r.integer(side, 1, 10**12, "Выберите город из списка")
        return (point_id,) if point_id is not None else ()
    parts = [part.strip() for part in text.split(",")]
    if not all(re.fullmatch(r"\d{1,12}", part) and int(part) >= 1 for part in parts):
        r.errors[side] = "Выберите город из списка"
        return ()
    ids = tuple(dict.fromkeys(int(part) for part in parts))
    if len(ids) > MAX_PLACES:
        r.errors[side] = f"Не больше {MAX_PLACES} городов"
        return ()
    return ids


def _regions(r: _Reader, side: str) -> tuple[str, ...]:
    """`from_region=61,38`: up to MAX_REGIONS region codes (core/regions), sorted."""
    name = f"{side}_region"
    text = r.raw.get(name)
    if text is None:
        return ()
    codes = tuple(sorted({part.strip() for part in text.split(",") if part.strip()}))
    if not codes or not all(re.fullmatch(r"\d{2}", code) and region(code) for code in codes):
        r.errors[name] = "Выберите область из списка"
        return ()
    if len(codes) > MAX_REGIONS:
        r.errors[name] = f"Не больше {MAX_REGIONS} областей"
        return ()
    return codes


def _compound_limits(r: _Reader, starts: tuple, finishes: tuple, corridor: Corridor | None, mode: str) -> None:
    """Several places per side or «по пути» mean several marketplace queries (one per pair of places):
    at most MAX_PLACES of them, and no «Свои» (its meaning upstream is unknown, so no alert could match it)."""
    if len(starts) * len(finishes) > MAX_PLACES:
        r.errors["to"] = f"Не больше {MAX_PLACES} сочетаний «откуда — куда»: уберите часть городов"
    regions = any(isinstance(place, str) for place in (*starts, *finishes))
    compound = len(starts) > 1 or len(finishes) > 1 or corridor is not None or regions
    if compound and mode == "my":
        r.errors["mode"] = "«Свои» — только с одним городом погрузки и выгрузки"


def _corridor(r: _Reader, has_starts: bool) -> Corridor | None:
    """«По пути»: both ends and the width, or none of them; not together with loading cities."""
    names = ("route_from", "route_to", "corridor_km")
    given = [name for name in names if r.has(name)]
    if not given:
        return None
    start = r.integer("route_from", 1, 10**12, "Выберите город из списка")
    end = r.integer("route_to", 1, 10**12, "Выберите город из списка")
    width = r.integer("corridor_km", 1, MAX_CORRIDOR_KM, f"Ширина — от 1 до {MAX_CORRIDOR_KM} км")
    for name, message in (("route_from", "Укажите, откуда едете"), ("route_to", "Укажите, куда едете"),
                          ("corridor_km", "Укажите, на сколько км можно отклониться")):
        if not r.has(name):
            r.errors[name] = message
    if has_starts:
        r.errors["from"] = "Либо города погрузки, либо «по пути»"
    if start is None or end is None or width is None or has_starts:
        return None
    if start == end:
        r.errors["route_to"] = "Конец пути совпадает с началом"
        return None
    return Corridor(start, end, width)


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
