"""When a truck driver can get somewhere without breaking the Russian driving-time rules.

The rules are those of «Особенности режима рабочего времени и времени отдыха, условий труда водителей
автомобилей», approved by Минтранс order № 424 of 16.10.2020:
- driving between two daily rests («ежедневное время управления») ≤ 9 h; it may be 10 h at most twice a
  calendar week;
- after 4.5 h of driving, a break of ≥ 45 min (it may be split 15 + 30 min — the same 45 min, so the split
  changes no arrival and is not modelled);
- daily rest ≥ 11 h; it may be cut to 9 h at most three times between weekly rests (a rest split 3 + 9 h is
  longer, so it is not modelled).
`STANDARD` plans with 9 h days and 11 h rests — what a driver can always count on. `WITH_EXTENSIONS` lets
the first two days be 10 h and the first three rests 9 h: the best the driver can legally do, when they
have not yet used the week's extensions; the verdict uses it only to tell «впритык» from «не успеть».
The 24 h within which a daily rest must follow the previous one is kept from the first rest on (a day of
9 h 45 min plus 11 h fits); for the day already under way we do not know when it began, so it is not
checked. Weekly limits (56 h a week, 90 h in two weeks) and the shift's working time are not modelled: they bind on
trips of many days, and the run to a loading point is rarely more than two.

The plan is simple: drive while allowed, stop for the break when it is due, rest when the day's driving is
used up. The driver's hours already driven today count towards the first day; since we do not know when
they last stopped, we assume no break in those hours (up to 4.5 h), so a driver who has driven 4.5 h or
more stops for 45 min first (unless resting at once is earlier). That is the cautious reading, and under
`STANDARD` it keeps arrival monotone in those hours (a 9 h day never holds a second break). A 10 h day of
`WITH_EXTENSIONS` may: the simple plan then sometimes takes a 45-min break for a last short stretch where
resting would be earlier, so a driver with more hours behind them can be planned up to 45 min earlier.
It only decides «впритык» against «не успеть», so the plan stays simple.

Average speed. `DEFAULT_SPEED_KMH` = 60 km/h is the moving average used for planning. Its bounds: ПДД РФ
п. 10.3 caps trucks over 3.5 t at 70 km/h on roads outside towns and 90 km/h on motorways (the cap, not an
average; towns, climbs and repairs bring the average down); freight-industry planning figures of
600–800 km per driving day of 9–10 h give 60–80 km/h (e.g. gruzchika.ru, «Сколько можно проехать за сутки
на фуре»; yablochniiguru.ru, «Сколько проезжает дальнобойщик в день»). We take the low end, which errs
towards «впритык» rather than a promise the driver cannot keep. No better source was found (README, «Can I
make it?»). It is a parameter: the setting `DRIVETIME_AVG_SPEED_KMH` (config.py) gives it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

DEFAULT_SPEED_KMH = 60.0
MAX_DISTANCE_KM = 20_000  # further than any road in Russia (Калининград–Владивосток is ~ 10 000 km)
_HOUR = 3600


@dataclass(frozen=True)
class Rules:
    """Limits in hours. `long_days` days may have `long_day_h` of driving, `short_rests` rests may be
    `short_rest_h`; the rest are `daily_driving_h` and `daily_rest_h`."""

    daily_driving_h: float = 9.0
    daily_rest_h: float = 11.0
    stretch_h: float = 4.5  # driving before a break is due
    break_h: float = 0.75
    long_days: int = 0
    long_day_h: float = 10.0
    short_rests: int = 0
    short_rest_h: float = 9.0


STANDARD = Rules()
WITH_EXTENSIONS = Rules(long_days=2, short_rests=3)


@dataclass(frozen=True)
class Segment:
    kind: Literal["drive", "break", "rest"]
    start: dt.datetime
    end: dt.datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / _HOUR


@dataclass(frozen=True)
class Schedule:
    start: dt.datetime
    segments: tuple[Segment, ...]

    @property
    def arrival(self) -> dt.datetime:
        return self.segments[-1].end if self.segments else self.start


def plan(distance_km: float, start: dt.datetime, driven_today_h: float = 0, avg_speed_kmh: float = DEFAULT_SPEED_KMH,
         rules: Rules = STANDARD) -> Schedule:
    """The legal plan from `start` (an aware time) over `distance_km`: drives, breaks and daily rests.
    A driver who has driven today may do better by resting at once than by a 45-min break for the day's
    last short stretch; the earlier of the two plans is taken."""
    _check(distance_km, start, driven_today_h, avg_speed_kmh)
    left = round(distance_km / avg_speed_kmh * _HOUR)  # seconds of driving still to do
    limit = _seconds(rules.long_day_h if rules.long_days > 0 else rules.daily_driving_h)
    driven = min(_seconds(driven_today_h), limit)
    schedule = _greedy(start, left, driven, limit, rules)
    if 0 < driven < limit:
        rest_first = _greedy(start, left, limit, limit, rules)
        if rest_first.arrival < schedule.arrival:
            return rest_first
    return schedule


def _greedy(start: dt.datetime, left: int, driven: int, limit: int, rules: Rules) -> Schedule:
    """Drive while allowed, break when due, rest when the day's driving is used up (all in seconds)."""
    days_done = rests_done = 0
    stretch = _seconds(rules.stretch_h)
    since_break = min(driven, stretch)
    segments: list[Segment] = []
    now = start
    while left > 0:
        if driven >= limit:
            short = rests_done < rules.short_rests
            now = _add(segments, "rest", now, _seconds(rules.short_rest_h if short else rules.daily_rest_h))
            rests_done, days_done = rests_done + 1, days_done + 1
            limit = _seconds(rules.long_day_h if days_done < rules.long_days else rules.daily_driving_h)
            driven = since_break = 0
        elif since_break >= stretch:
            now = _add(segments, "break", now, _seconds(rules.break_h))
            since_break = 0
        else:
            step = min(left, limit - driven, stretch - since_break)
            now = _add(segments, "drive", now, step)
            left, driven, since_break = left - step, driven + step, since_break + step
    return Schedule(start, tuple(segments))


def earliest_arrival(distance_km: float, start: dt.datetime, driven_today_h: float = 0,
                     avg_speed_kmh: float = DEFAULT_SPEED_KMH, rules: Rules = STANDARD) -> dt.datetime:
    """When the driver gets there under `rules` (see the module's docstring for the plan's assumptions)."""
    return plan(distance_km, start, driven_today_h, avg_speed_kmh, rules).arrival


def _check(distance_km: float, start: dt.datetime, driven_today_h: float, avg_speed_kmh: float) -> None:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be an aware datetime")
    if not (math.isfinite(distance_km) and 0 <= distance_km <= MAX_DISTANCE_KM):
        raise ValueError(f"distance_km must be between 0 and {MAX_DISTANCE_KM}")
    if not (math.isfinite(avg_speed_kmh) and avg_speed_kmh > 0):
        raise ValueError("avg_speed_kmh must be > 0")
    if not (math.isfinite(driven_today_h) and driven_today_h >= 0):
        raise ValueError("driven_today_h must be ≥ 0")


def _seconds(hours: float) -> int:
    return round(hours * _HOUR)


def _add(segments: list[Segment], kind: Literal["drive", "break", "rest"], start: dt.datetime, seconds: int) -> dt.datetime:
    end = start + dt.timedelta(seconds=seconds)
    segments.append(Segment(kind, start, end))
    return end
