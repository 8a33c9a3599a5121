"""Formatting for people, done only at the edge: roubles with thin spaces, Moscow dates."""

from __future__ import annotations

import datetime as dt

from ..clock import moscow_today as moscow_today  # still importable from here; it lives in core/clock.py
from ..clock import to_moscow
THIN_SPACE = "\u202f"  # narrow no-break space: groups digits and never wraps


def group_digits(number: int) -> str:
    return f"{number:,}".replace(",", THIN_SPACE)


def format_rub(kopecks: int | None) -> str:
    if kopecks is None:
        return "—"
    roubles, rest = divmod(abs(kopecks), 100)
    sign = "\u2212" if kopecks < 0 else ""  # the minus sign «−», not a hyphen
    text = group_digits(roubles) + (f",{rest:02d}" if rest else "")
    return f"{sign}{text}{THIN_SPACE}₽"


def format_tonnes(kg: int | None) -> str:
    if kg is None:
        return "—"
    return f"{kg / 1000:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def format_number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def format_day(moment: dt.date | dt.datetime | None) -> str:
    """`24.11` for a date, `24.11 09:00` for a datetime (in Moscow time)."""
    local = to_moscow(moment)
    if local is None:
        return "—"
    if isinstance(local, dt.datetime):
        return local.strftime("%d.%m %H:%M")
    return local.strftime("%d.%m")


def format_window(first, last) -> str:
    if first is None:
        return "—"
    if last is None or last == first:
        return format_day(first)
    return f"{format_day(first)}–{format_day(last)}"
