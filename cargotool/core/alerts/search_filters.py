"""What a saved search's `filters` may hold and how they are read: the list's own filter parser for what
CargoTech knows, and our local filters (`LOCAL_FILTERS`) kept beside them and applied to found loads
(`Search.accepts`, core/alerts/searches.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..cargo.filters import InvalidFilter, parse_filters
from ..cargo.formatting import moscow_today
from ..cargo.listing import REACHABLE, VAT_VALUES
from ..errors import InvalidInput
from ..loads.priced import WITH_PRICE
from ..loads.query import LoadQuery

PAGING = ("limit", "offset")
FREE_FROM = "free_from"  # system searches of core/availability: loads still loadable on or after this day
# «только с ценой», «успеваю», the payment terms (issue 21 §1) and `free_from`: kept beside the query, not sent
LOCAL_FILTERS = (WITH_PRICE, REACHABLE, "vat", "no_deferral", FREE_FROM)
LOCAL_FLAGS = (WITH_PRICE, "no_deferral", REACHABLE)
TRUE_FLAGS, FLAGS = ("1", "true"), ("0", "1", "true", "false")


def upstream_query(filters: dict[str, str], today: dt.date | None = None) -> LoadQuery:
    """The normalised query of saved filters (first page, fixed size: the watcher's poll)."""
    upstream = {k: v for k, v in filters.items() if k not in LOCAL_FILTERS}
    return parse_filters({**upstream, "limit": "50"}, today=today)


def read_filters(raw: Any) -> tuple[dict[str, str], LoadQuery]:
    """Validate a `filters` object as the list would (same field errors); paging is not part of a search."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput("Проверьте фильтры", fields={"filters": "Ожидается объект с параметрами списка"})
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        if name in PAGING or value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float, list)):
            errors[str(name)] = "Неверное значение"
        elif isinstance(value, list):
            values[str(name)] = ",".join(str(v) for v in value)
        else:
            values[str(name)] = str(value).strip()
    if FREE_FROM in values and not _is_day(values[FREE_FROM]):
        errors[FREE_FROM] = "Дата в формате ГГГГ-ММ-ДД"
    if "vat" in values and values["vat"] not in VAT_VALUES:
        errors["vat"] = "Допустимо: with (с НДС) или without (без НДС)"
    for name in LOCAL_FLAGS:
        if name in values and values[name] not in FLAGS:
            errors[name] = "Допустимо: 1 или 0"
        elif values.get(name) in ("0", "false"):
            del values[name]  # off is the same as absent: one spelling for the duplicate check
        elif name in values:
            values[name] = "1"
    try:
        query = upstream_query(values, today=moscow_today())
    except InvalidFilter as exc:
        errors = {**exc.fields, **errors}
        raise InvalidFilter("Проверьте фильтры", fields=errors) from None
    if errors:
        raise InvalidFilter("Проверьте фильтры", fields=errors)
    return values, query


def _is_day(text: str) -> bool:
    try:
        return len(text) == 10 and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False
