"""The watcher's pacing (core/alerts/pacing.py): how long it waits before its next look at CargoTech. Pure
arithmetic on what it is told — no clock, no waiting."""

from __future__ import annotations

import pytest

from cargotool.core.alerts.pacing import SLOW_FACTOR, Pacer, headroom_of


def pacer(limit: int = 20, floor: float = 2.0, ceiling: float = 20.0) -> Pacer:
    return Pacer(limit=limit, floor=floor, ceiling=ceiling)


def test_fast_answers_and_a_free_budget_give_the_budgets_pace_less_the_headroom():
    fast = pacer()
    for _ in range(5):
        fast.answered(0.15)
    assert fast.headroom == 4 and fast.feed_per_minute == 16
    assert fast.interval() == pytest.approx(60 / 16)  # 3.75 s: 16 looks a minute, 4 calls left for the rest
    assert fast.interval() < 20 / 4, "far more often than the old fixed 20 s"


def test_a_large_budget_is_not_spent_faster_than_the_floor():
    assert pacer(limit=600, floor=2.0).interval() == 2.0


def test_slow_answers_lengthen_the_interval_to_a_multiple_of_the_answer_time():
    slow = pacer()
    for _ in range(30):
        slow.answered(2.0)
    assert slow.latency == pytest.approx(2.0)
    assert slow.interval() == pytest.approx(SLOW_FACTOR * 2.0)  # 8 s rather than 3.75 s


def test_one_slow_answer_among_fast_ones_moves_the_average_not_all_the_way():
    mostly_fast = pacer()
    for _ in range(10):
        mostly_fast.answered(0.1)
    mostly_fast.answered(5.0)
    assert 0.1 < mostly_fast.latency < 5.0
    after_spike = mostly_fast.interval()
    for _ in range(20):
        mostly_fast.answered(0.1)
    assert mostly_fast.interval() == pytest.approx(3.75), "the watcher speeds up again"
    assert after_spike > 3.75


def test_failures_double_the_interval_up_to_the_ceiling_and_an_answer_resets_it():
    p = pacer()
    p.answered(0.15)
    intervals = []
    for _ in range(5):
        p.failed(0.2)  # an error, a 429 or 5xx past the client's retries
        intervals.append(p.interval())
    assert intervals == [pytest.approx(7.5), pytest.approx(15.0), 20.0, 20.0, 20.0]
    p.answered(0.15)
    assert p.interval() == pytest.approx(3.75)


def test_an_open_circuit_counts_as_a_failure_without_an_answer_time():
    p = pacer()
    p.answered(0.15)
    p.failed(None)  # no call made: the circuit is open
    assert p.latency == pytest.approx(0.15) and p.failures == 1
    assert p.interval() == pytest.approx(7.5)


def test_a_short_budget_waits_for_room_even_beyond_the_ceiling():
    p = pacer()
    assert p.interval(budget_wait=0.5) == pytest.approx(3.75), "room soon enough: the pace decides"
    assert p.interval(budget_wait=11.0) == 11.0
    assert p.interval(budget_wait=42.0) == 42.0, "the budget is a hard limit, the ceiling is not"


def test_a_tiny_budget_is_paced_at_the_ceiling_and_the_budget_does_the_rest():
    assert pacer(limit=2).interval() == 20.0  # 1 call a minute for the feed would be 60 s
    assert headroom_of(1) == 0 and headroom_of(2) == 1 and headroom_of(20) == 4 and headroom_of(60) == 12


def test_a_floor_above_the_ceiling_is_the_ceiling():
    assert pacer(limit=600, floor=30.0, ceiling=10.0).interval() == 10.0


@pytest.mark.parametrize("limit, floor, ceiling", [(0, 2.0, 20.0), (20, 0.0, 20.0), (20, 2.0, 0.0)])
def test_nonsense_is_refused(limit, floor, ceiling):
    with pytest.raises(ValueError):
        Pacer(limit=limit, floor=floor, ceiling=ceiling)
