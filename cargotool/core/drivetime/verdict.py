"""Can the driver reach the loading window? «успеваете к погрузке (≈ вт 14:00)», «впритык», «не успеть …».

Rules of the verdict (the window's end is `window_latest`, or `window_earliest` when only that is known):
- the end is a time: "ok" when the arrival is at least `margin` (default 2 h) before it; "tight" when it is
  within the margin; "no" when after it;
- the end is only a date (the hour of loading unknown): "ok" when the driver arrives before that day
  begins; "tight" when on that day, since the hour may already be past; "no" when after the day;
- no window at all: "ok" — there is nothing to miss.
Dates and naive times are read in Moscow time (the marketplace's own), and the text shows Moscow time with a
Russian weekday, the minutes rounded up to 5 («≈» — never earlier than the plan).
`reach` plans with the standard rules; when that misses the window but the weekly extensions (10 h days,
9 h rests) make it, the answer is "tight": possible, but only by using what the law allows a few times a
week — so "no" means no legal plan reaches the window.

Wired in core/insights/reach.py: the card's `reach` = `Verdict.as_api()`; the filter `reachable=1` leaves
out "no"; the sort `arrival` uses `Verdict.arrival`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from ..clock import MOSCOW
from ..loads.models import Load

from .schedule import DEFAULT_SPEED_KMH, STANDARD, WITH_EXTENSIONS, earliest_arrival

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
DEFAULT_MARGIN = dt.timedelta(hours=2)
_TEXTS = {"ok": "успеваете к погрузке", "tight": "впритык", "no": "не успеть без нарушения режима труда и отдыха"}

Moment = dt.date | dt.datetime
Outcome = Literal["ok", "tight", "no"]


@dataclass(frozen=True)
class Verdict:
    verdict: Outcome
    arrival: str  # ISO 8601, Moscow time
    text: str

    def as_api(self) -> dict[str, str]:
        """The card's `reach`: `{verdict, arrival, text}`."""
        return {"verdict": self.verdict, "arrival": self.arrival, "text": self.text}


def verdict(arrival: dt.datetime, window_earliest: Moment | None, window_latest: Moment | None,
            margin: dt.timedelta = DEFAULT_MARGIN) -> Verdict:
    """How `arrival` (aware) stands against the loading window; the rules are in the module's docstring."""
    return _verdict(_outcome(arrival, window_latest or window_earliest, margin), arrival)


def reach(distance_km: float, start: dt.datetime, window_earliest: Moment | None, window_latest: Moment | None,
          driven_today_h: float = 0, avg_speed_kmh: float = DEFAULT_SPEED_KMH,
          margin: dt.timedelta = DEFAULT_MARGIN) -> Verdict:
    """The verdict for a driver `distance_km` from the loading point at `start`, having driven
    `driven_today_h` hours today."""
    arrival = earliest_arrival(distance_km, start, driven_today_h, avg_speed_kmh, STANDARD)
    result = verdict(arrival, window_earliest, window_latest, margin)
    if result.verdict != "no":
        return result
    stretched = earliest_arrival(distance_km, start, driven_today_h, avg_speed_kmh, WITH_EXTENSIONS)
    if verdict(stretched, window_earliest, window_latest, margin).verdict == "no":
        return result
    return _verdict("tight", stretched)


def reach_load(load: Load, empty_run_km: float, start: dt.datetime, driven_today_h: float = 0,
               avg_speed_kmh: float = DEFAULT_SPEED_KMH, margin: dt.timedelta = DEFAULT_MARGIN) -> Verdict | None:
    """`reach` to the load's loading window, for a driver `empty_run_km` away; None without a loading stop."""
    if load.origin is None:
        return None
    return reach(empty_run_km, start, load.origin.earliest, load.origin.latest, driven_today_h, avg_speed_kmh, margin)


def moscow_time(moment: dt.datetime) -> str:
    """«вт 14:00»: Moscow time, the minutes rounded up to 5."""
    local = moment.astimezone(MOSCOW)
    seconds = local.minute * 60 + local.second + local.microsecond / 1e6
    rounded = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(seconds=math.ceil(seconds / 300) * 300)
    return f"{WEEKDAYS[rounded.weekday()]} {rounded:%H:%M}"


def _outcome(arrival: dt.datetime, end: Moment | None, margin: dt.timedelta) -> Outcome:
    if arrival.tzinfo is None or arrival.utcoffset() is None:
        raise ValueError("arrival must be an aware datetime")
    if end is None:
        return "ok"
    if not isinstance(end, dt.datetime):  # only a date: the hour of loading is unknown
        day_starts = dt.datetime.combine(end, dt.time(), MOSCOW)
        if arrival < day_starts:
            return "ok"
        return "tight" if arrival < day_starts + dt.timedelta(days=1) else "no"
    if end.tzinfo is None or end.utcoffset() is None:
        end = end.replace(tzinfo=MOSCOW)
    if arrival > end:
        return "no"
    return "tight" if arrival > end - margin else "ok"


def _verdict(outcome: Outcome, arrival: dt.datetime) -> Verdict:
    iso = arrival.astimezone(MOSCOW).isoformat(timespec="minutes")
    return Verdict(outcome, iso, f"{_TEXTS[outcome]} (≈ {moscow_time(arrival)})")
