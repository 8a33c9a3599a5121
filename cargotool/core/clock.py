"""Moscow time and ISO timestamps: the one zone and the one family of `iso` helpers every module uses.

It imports nothing from the project, so any package (cargo, insights, alerts, billing, server, cli) may
use it. Moscow is where CargoTech's dates are and where the drivers are.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")


def moscow_today() -> dt.date:
    """Today's date in Moscow, where CargoTech's dates are (filters reject days already past)."""
    return dt.datetime.now(MOSCOW).date()


def to_moscow(moment: dt.date | dt.datetime | None) -> dt.date | dt.datetime | None:
    if isinstance(moment, dt.datetime):
        return moment.astimezone(MOSCOW)
    return moment


def moscow_datetime(day: dt.date, at: dt.time) -> dt.datetime:
    """`day` at `at` o'clock Moscow time (an admin's or operator's date means a Moscow one)."""
    return dt.datetime.combine(day, at, MOSCOW)


def iso(moment: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601 as the value holds it (no zone conversion); None stays None."""
    return moment.isoformat() if moment else None


def iso_moscow(moment: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601 in Moscow time (a date stays a date); None stays None."""
    local = to_moscow(moment)
    return local.isoformat() if local is not None else None


def iso_utc(timestamp: float) -> str:
    """A Unix timestamp as `2026-11-24T09:00:00Z` (whole seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
