"""The trip back's words and dates: «от N …» takes the genitive (the count is a lower bound), a plain count
agrees as usual; which loading windows fall on the trip-back days."""

from __future__ import annotations

import datetime as dt

import pytest

from cargotool.core.insights.service import backhaul_text, loads_within

FROM = "из Краснодара"


@pytest.mark.parametrize("count, text", [
    (1, "Обратно из Краснодара: от 1 груза за 3 дня"), (21, "Обратно из Краснодара: от 21 груза за 3 дня"),
    (2, "Обратно из Краснодара: от 2 грузов за 3 дня"), (5, "Обратно из Краснодара: от 5 грузов за 3 дня"),
    (11, "Обратно из Краснодара: от 11 грузов за 3 дня"), (101, "Обратно из Краснодара: от 101 груза за 3 дня"),
])
def test_a_lower_bound_takes_the_genitive(count, text):
    assert backhaul_text(FROM, count, True) == text


@pytest.mark.parametrize("count, text", [
    (1, "Обратно из Краснодара: 1 груз за 3 дня"), (21, "Обратно из Краснодара: 21 груз за 3 дня"),
    (3, "Обратно из Краснодара: 3 груза за 3 дня"), (0, "Обратно из Краснодара: 0 грузов за 3 дня"),
    (12, "Обратно из Краснодара: 12 грузов за 3 дня"),
])
def test_an_exact_count_agrees_as_usual(count, text):
    assert backhaul_text(FROM, count, False) == text


def test_none_in_a_partial_window_is_not_from_zero():
    assert backhaul_text(FROM, 0, True) == "Обратно из Краснодара: среди самых свежих грузов — ни одного за 3 дня"


FIRST, LAST = dt.date(2026, 3, 10), dt.date(2026, 3, 12)


@pytest.mark.parametrize("start, inside", [
    ({"from": "2026-03-10T09:00:00+03:00", "to": "2026-03-10T18:00:00+03:00"}, True),
    ({"from": "2026-03-12", "to": "2026-03-14"}, True),  # opens on the last day
    ({"from": "2026-03-08", "to": "2026-03-10"}, True),  # still open on the first day
    ({"from": "2026-03-12", "to": None}, True),  # no end: the opening day only
    ({"from": "2026-03-13", "to": "2026-03-15"}, False),
    ({"from": "2026-03-07", "to": "2026-03-09"}, False),
    ({"from": None, "to": "2026-03-11"}, False),  # no loading date: not claimed for those days
])
def test_which_loading_windows_fall_on_the_days(start, inside):
    assert loads_within({"id": 1, "from": start}, FIRST, LAST) is inside
