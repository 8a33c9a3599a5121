"""Pure rules of alert delivery: quiet hours (Moscow time, across midnight) and `/mute` durations."""

from __future__ import annotations

import datetime as dt
import re

from ...config import quiet_hours as parse_quiet_hours
from ..cargo.formatting import MOSCOW

MAX_MUTE_HOURS = 72


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
