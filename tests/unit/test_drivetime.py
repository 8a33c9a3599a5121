"""Driving and rest time (cargotool.core.drivetime): worked examples computed by hand, the verdict and its
Russian text, and properties of the plan under the rules of Минтранс order № 424."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from cargotool.core.drivetime import (
    MOSCOW, STANDARD, WITH_EXTENSIONS, Rules, Verdict, earliest_arrival, moscow_time, plan, reach, reach_load, verdict,
)
from cargotool.core.loads.models import Load, Place, Stop

TUESDAY_8 = dt.datetime(2026, 12, 8, 8, 0, tzinfo=MOSCOW)  # вт 08.12.2026 08:00 МСК


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=MOSCOW)


# ---- worked examples (60 km/h) --------------------------------------------------------------------------

@pytest.mark.parametrize(("km", "driven", "arrival", "kinds"), [
    (0, 0, _at(8, 8), []),
    (240, 0, _at(8, 12), ["drive"]),  # 4 h: no break due
    (270, 0, _at(8, 12, 30), ["drive"]),  # exactly 4.5 h: the break would be due only to go on
    # 300 km = 5 h: 4.5 h, 45 min break, 30 min
    (300, 0, _at(8, 13, 45), ["drive", "break", "drive"]),
    # 500 km = 8 h 20 min: 4.5 h, break, 3 h 50 min → 17:05
    (500, 0, _at(8, 17, 5), ["drive", "break", "drive"]),
    # 900 km = 15 h: 4.5 + 0.75 + 4.5 (→ 17:45), 11 h rest (→ 04:45), 4.5 + 0.75 + 1.5 → 11:30 next day
    (900, 0, _at(9, 11, 30), ["drive", "break", "drive", "rest", "drive", "break", "drive"]),
    # driven 8 h already (no break assumed in the last 4.5 h): 45 min break, 1 h, 11 h rest (→ 20:45), 4 h
    (300, 8, _at(9, 0, 45), ["break", "drive", "rest", "drive"]),
    # driven 9 h: the day is used up, rest first
    (60, 9, _at(8, 20), ["rest", "drive"]),
    # driven 3 h: 1.5 h until the break, then 3.5 h
    (300, 3, _at(8, 13, 45), ["drive", "break", "drive"]),
])
def test_worked_examples(km, driven, arrival, kinds):
    schedule = plan(km, TUESDAY_8, driven_today_h=driven)
    assert schedule.arrival == arrival
    assert [segment.kind for segment in schedule.segments] == kinds
    assert earliest_arrival(km, TUESDAY_8, driven_today_h=driven) == arrival


def test_speed_is_a_parameter():
    assert earliest_arrival(280, TUESDAY_8, avg_speed_kmh=70) == _at(8, 12)


def test_the_extensions_make_a_longer_day_and_a_shorter_rest():
    # 10 h day: 4.5 + 0.75 + 4.5 + 0.75 + 1 (→ 19:30), 9 h rest (→ 04:30), 1 h → 05:30
    assert earliest_arrival(660, TUESDAY_8, rules=WITH_EXTENSIONS) == _at(9, 5, 30)
    # 9 h day: 4.5 + 0.75 + 4.5 (→ 17:45), 11 h rest (→ 04:45), 2 h → 06:45
    assert earliest_arrival(660, TUESDAY_8, rules=STANDARD) == _at(9, 6, 45)


@pytest.mark.parametrize("kwargs", [
    {"distance_km": -1}, {"distance_km": float("nan")}, {"distance_km": 1e9}, {"avg_speed_kmh": 0},
    {"driven_today_h": -0.5}, {"start": dt.datetime(2026, 12, 8, 8)},
])
def test_nonsense_is_refused(kwargs):
    arguments = {"distance_km": 100, "start": TUESDAY_8, **kwargs}
    with pytest.raises(ValueError):
        earliest_arrival(**arguments)


# ---- verdict --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("arrival", "earliest", "latest", "expected", "text"), [
    (_at(8, 14), _at(8, 16), _at(8, 20), "ok", "успеваете к погрузке (≈ вт 14:00)"),
    (_at(8, 18), _at(8, 9), _at(8, 20), "ok", "успеваете к погрузке (≈ вт 18:00)"),  # exactly the margin
    (_at(8, 18, 1), _at(8, 9), _at(8, 20), "tight", "впритык (≈ вт 18:05)"),
    (_at(8, 20), _at(8, 9), _at(8, 20), "tight", "впритык (≈ вт 20:00)"),
    (_at(8, 20, 1), _at(8, 9), _at(8, 20), "no", "не успеть без нарушения режима труда и отдыха (≈ вт 20:05)"),
    (_at(9, 11, 30), dt.date(2026, 12, 10), None, "ok", "успеваете к погрузке (≈ ср 11:30)"),
    (_at(10, 11, 30), dt.date(2026, 12, 10), None, "tight", "впритык (≈ чт 11:30)"),
    (_at(10, 11, 30), None, dt.date(2026, 12, 10), "tight", "впритык (≈ чт 11:30)"),
    (_at(11, 0, 0), dt.date(2026, 12, 10), dt.date(2026, 12, 10), "no",
     "не успеть без нарушения режима труда и отдыха (≈ пт 00:00)"),
    (_at(13, 23, 58), None, None, "ok", "успеваете к погрузке (≈ пн 00:00)"),  # rounded up across midnight
    # a naive window time is Moscow time
    (_at(8, 14), None, dt.datetime(2026, 12, 8, 15), "tight", "впритык (≈ вт 14:00)"),
])
def test_verdict(arrival, earliest, latest, expected, text):
    result = verdict(arrival, earliest, latest)
    assert result == Verdict(expected, arrival.astimezone(MOSCOW).isoformat(timespec="minutes"), text)


def test_the_margin_is_a_parameter():
    assert verdict(_at(8, 19), None, _at(8, 20), margin=dt.timedelta(minutes=30)).verdict == "ok"


def test_the_verdict_reads_an_aware_time_in_any_zone_as_moscow():
    utc = dt.datetime(2026, 12, 8, 11, 0, tzinfo=dt.UTC)  # 14:00 МСК
    result = verdict(utc, None, _at(8, 20))
    assert result.arrival == "2026-12-08T14:00+03:00"
    assert result.text == "успеваете к погрузке (≈ вт 14:00)"
    assert moscow_time(utc) == "вт 14:00"


def test_the_api_shape():
    assert verdict(_at(8, 14), None, _at(8, 20)).as_api() == {
        "verdict": "ok", "arrival": "2026-12-08T14:00+03:00", "text": "успеваете к погрузке (≈ вт 14:00)"}


def test_reach_is_tight_when_only_the_weekly_extensions_make_it():
    # 660 km: standard 06:45 next day, with a 10 h day and a 9 h rest 05:30
    assert reach(660, TUESDAY_8, None, _at(9, 6)).as_api() == {
        "verdict": "tight", "arrival": "2026-12-09T05:30+03:00", "text": "впритык (≈ ср 05:30)"}
    assert reach(660, TUESDAY_8, None, _at(9, 5)).verdict == "no"
    assert reach(660, TUESDAY_8, None, _at(9, 5)).arrival == "2026-12-09T06:45+03:00"
    assert reach(660, TUESDAY_8, None, _at(9, 10)).verdict == "ok"


def test_reach_counts_the_hours_driven_today():
    assert reach(300, TUESDAY_8, None, _at(8, 20)).verdict == "ok"
    assert reach(300, TUESDAY_8, None, _at(8, 20), driven_today_h=8).verdict == "no"


def test_reach_to_a_loads_loading_window():
    def load(origin):
        return Load(id="1", origin=origin, destination=None, weight_kg=None, volume_m3=None, distance_km=None,
                    price_kopecks=None, price_source=None, rate_kopecks_per_km=None, body_types=(), load_types=(),
                    company=None)

    loading = Stop(place=Place(1, "Казань"), address=None, earliest=_at(8, 9), latest=_at(8, 18))
    assert reach_load(load(loading), 480, TUESDAY_8).text == "впритык (≈ вт 16:45)"  # within 2 h of 18:00
    assert reach_load(load(loading), 240, TUESDAY_8).as_api() == {
        "verdict": "ok", "arrival": "2026-12-08T12:00+03:00", "text": "успеваете к погрузке (≈ вт 12:00)"}
    assert reach_load(load(loading), 600, TUESDAY_8).verdict == "no"  # 10 h of driving: 19:30 even with a 10 h day
    assert reach_load(load(None), 100, TUESDAY_8) is None


# ---- properties -----------------------------------------------------------------------------------------

_KM = st.floats(min_value=0, max_value=4000, allow_nan=False)
_DRIVEN = st.floats(min_value=0, max_value=12, allow_nan=False)
_SPEED = st.floats(min_value=20, max_value=90, allow_nan=False)
_RULES = st.sampled_from([STANDARD, WITH_EXTENSIONS])
_START = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(MOSCOW))
_SECOND = dt.timedelta(seconds=1)
_TOLERANCE_H = 1 / 3600  # the plan counts whole seconds


@settings(max_examples=200, deadline=None)
@given(_KM, _KM, _DRIVEN, _SPEED, _START, _RULES)
def test_arrival_is_monotone_in_distance(a, b, driven, speed, start, rules):
    near, far = sorted((a, b))
    assert earliest_arrival(near, start, driven, speed, rules) <= earliest_arrival(far, start, driven, speed, rules)


@settings(max_examples=200, deadline=None)
@given(_KM, _DRIVEN, _DRIVEN, _SPEED, _START)
def test_arrival_is_monotone_in_hours_driven_today(km, a, b, speed, start):
    """Under the standard rules (see `schedule`'s docstring for why not with the extensions)."""
    less, more = sorted((a, b))
    assert earliest_arrival(km, start, less, speed) <= earliest_arrival(km, start, more, speed)


@settings(max_examples=200, deadline=None)
@given(_KM, _DRIVEN, _SPEED, _START, _RULES)
def test_arrival_is_never_before_driving_nonstop(km, driven, speed, start, rules):
    schedule = plan(km, start, driven, speed, rules)
    assert schedule.arrival >= start + dt.timedelta(hours=km / speed) - _SECOND
    driving = sum(s.hours for s in schedule.segments if s.kind == "drive")
    assert abs(driving - km / speed) < 1 / 3600  # to the second


def _days(schedule, rules: Rules):
    """The schedule cut at its daily rests: (segments of the day, the rest that ends it or None)."""
    day: list = []
    for segment in schedule.segments:
        if segment.kind == "rest":
            yield day, segment
            day = []
        else:
            day.append(segment)
    yield day, None


@settings(max_examples=200, deadline=None)
@given(_KM, _DRIVEN, _SPEED, _START, _RULES)
def test_the_plan_keeps_the_rules(km, driven, speed, start, rules):
    """Per day (between daily rests): driving ≤ 9 h (10 h on the extended days), no stretch over 4.5 h
    without a 45-min break (or a daily rest), the rests ≥ 11 h (9 h the reduced ones), and the next daily
    rest over within 24 h of the previous one's end. The first day counts the hours driven before `start`
    (and assumes no break in the last 4.5 of them)."""
    schedule = plan(km, start, driven, speed, rules)
    limit = rules.long_day_h if rules.long_days else rules.daily_driving_h
    carried = min(driven, limit)
    for number, (day, rest) in enumerate(_days(schedule, rules)):
        if number:
            limit = rules.long_day_h if number < rules.long_days else rules.daily_driving_h
        driving = carried + sum(s.hours for s in day if s.kind == "drive")
        assert driving <= limit + _TOLERANCE_H
        stretch = min(carried, rules.stretch_h)
        for segment in day:
            if segment.kind == "break":
                assert segment.hours >= 0.75 - 1e-9
                stretch = 0
            else:
                stretch += segment.hours
                assert stretch <= rules.stretch_h + _TOLERANCE_H
        if rest is not None:
            minimum = rules.short_rest_h if number < rules.short_rests else rules.daily_rest_h
            assert rest.hours >= minimum - 1e-9
            if number:
                assert (rest.end - day[0].start) <= dt.timedelta(hours=24)
        carried = 0
