"""Pure rules of alert delivery: quiet hours (Moscow time, across midnight) and `/mute` durations."""

from __future__ import annotations

import datetime as dt
import re

from ..clock import MOSCOW

MAX_MUTE_HOURS = 72


def parse_quiet_hours(raw: str) -> tuple[int, int] | None:
    """`HH:MM-HH:MM` (Moscow time, may cross midnight) → minutes of the day (start, end); `off` → None.
    ALERTS_QUIET_HOURS (config.py) and a driver's own window are both read with it."""
    value = raw.strip().lower()
    if value == "off":
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", value)
    if not match:
        raise ValueError(f"expected HH:MM-HH:MM or off, got {raw!r}")
    h1, m1, h2, m2 = map(int, match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise ValueError(f"expected two different times of day, got {raw!r}")
    return h1 * 60 + m1, h2 * 60 + m2


def in_quiet_hours(window: tuple[int, int] | None, moment: dt.datetime) -> bool:
    """`window` = (start, end) minutes of the Moscow day; end < start means it crosses midnight."""
    if window is None:
        return False
    local = moment.astimezone(MOSCOW)
    minute = local.hour * 60 + local.minute
    start, end = window
    return start <= minute < end if start < end else minute >= start or minute < end


def quiet_window(text: str | None, default: str) -> tuple[int, int] | None:
    return parse_quiet_hours(text or default)


def mute_seconds(argument: str) -> int | None:
    """`2h`, `30m`, `1ч`, `90мин`, or a bare number of hours → seconds (≤ 72 h); None when unreadable."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*(h|ч|час|часа|часов|m|м|мин|min)?\s*", argument.lower())
    if not match:
        return None
    number, unit = int(match.group(1)), match.group(2) or "h"
    seconds = number * (60 if unit in ("m", "м", "мин", "min") else 3600)
    if not 0 < seconds <= MAX_MUTE_HOURS * 3600:
        return None
    return seconds
