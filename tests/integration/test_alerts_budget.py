"""The alert watcher's CargoTech budget: never more than ALERTS_MAX_UPSTREAM_PER_MINUTE calls in any
60 s, also across a minute boundary (the calendar-minute counter it replaces let twice the budget through
there), and the whole budget when the last 60 s have room for it. Time is the budget's argument (the
watcher's clock): nothing here waits."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from cargotool.core.alerts.watcher import Watcher
from cargotool.core.storage.redis import Keys
from cargotool.core.storage.rolling_budget import RollingBudget
from tests.conftest import TEST_REDIS_URL

BUDGET = 30
MINUTE = 1_800_000_000.0  # a calendar minute starts here


def most_in_any_minute(times: list[float]) -> int:
    """The most calls in a 60 s window (t - 60, t] ending at any call."""
    return max((sum(1 for u in times if t - 60 < u <= t) for t in times), default=0)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def watcher_with(services, settings, redis, clock) -> Watcher:
    """A watcher on the test's Redis whose budget tells time by `clock` (only the budget is used here)."""
    return Watcher(marketplace=services.marketplace, cargos=services.cargos, searches=services.searches,
                   alerter=services.alerter, auto=None, redis=redis, keys=Keys(settings.redis_key_prefix),
                   lease=services.watcher.lease, poll_seconds=20, max_per_minute=BUDGET, clock=clock)


async def spend_at(watcher: Watcher, clock: Clock, times: list[float]) -> list[float]:
    spent = []
    for t in times:
        clock.now = t
        if await watcher._spend():
            spent.append(t)
    return spent


async def test_greedy_looks_each_side_of_a_minute_boundary_spend_the_budget_once(services, settings, redis):
    clock = Clock(MINUTE)
    watcher = watcher_with(services, settings, redis, clock)
    before = [MINUTE - 0.5] * (BUDGET + 5)  # half a second before the minute turns, more than the budget
    after = [MINUTE + 0.5] * (BUDGET + 5)  # and half a second after
    spent = await spend_at(watcher, clock, before + after)
    assert len(spent) == BUDGET and spent == [MINUTE - 0.5] * BUDGET, "the whole budget at once, then nothing"
    assert (await watcher.status())["cargotech_calls_last_60s"] == BUDGET
    later = await spend_at(watcher, clock, [MINUTE + 59.4, MINUTE + 59.5, MINUTE + 59.6])
    assert later == [MINUTE + 59.5, MINUTE + 59.6], "room again once the first calls are 60 s old, not before"
    assert most_in_any_minute(spent + later) == BUDGET
    assert watcher.calls == BUDGET + 2


async def test_asking_all_the_time_for_five_minutes_spends_the_budget_each_minute(services, settings, redis):
    clock = Clock(MINUTE - 17)
    watcher = watcher_with(services, settings, redis, clock)
    spent = await spend_at(watcher, clock, [MINUTE - 17 + i * 0.25 for i in range(5 * 240)])
    assert most_in_any_minute(spent) == BUDGET
    assert len(spent) == 5 * BUDGET, "nothing of the budget is lost"


async def test_the_budget_is_shared_by_whoever_holds_the_lease(services, settings, redis):
    clock = Clock(MINUTE)
    first, second = watcher_with(services, settings, redis, clock), watcher_with(services, settings, redis, clock)
    spent = await spend_at(first, clock, [MINUTE] * 20) + await spend_at(second, clock, [MINUTE + 1] * 20)
    assert len(spent) == BUDGET


@hypothesis_settings(max_examples=60, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
@given(limit=st.integers(min_value=1, max_value=60),
       gaps=st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), min_size=1, max_size=250))
def test_no_60_second_window_holds_more_than_the_budget_and_a_refusal_says_when_there_is_room(limit, gaps):
    async def run() -> tuple[list[float], list[tuple[float, float]]]:
        client = aioredis.from_url(TEST_REDIS_URL, decode_responses=True)
        key = f"cargotool-test:{uuid.uuid4().hex[:12]}:budget"
        budget = RollingBudget(client, key, limit=limit)
        spent, refused, now = [], [], MINUTE - 45
        try:
            for gap in gaps:
                now = round(now + gap, 6)
                taken, wait = await budget.take(now)
                if taken:
                    spent.append(now)
                else:
                    refused.append((now, wait))
        finally:
            await client.delete(key)
            await client.aclose()
        return spent, refused

    spent, refused = asyncio.run(run())
    assert spent and most_in_any_minute(spent) <= limit
    for at, wait in refused:  # refused only when the last 60 s are full, and the wait is until the oldest leaves
        window = [t for t in spent if at - 60 < t <= at]
        assert len(window) == limit and abs(wait - (min(window) + 60 - at)) < 1e-3


async def test_room_in_says_when_so_many_units_are_free(redis, key_prefix):
    """What the watcher's pacing waits for: the seconds until `units` of the budget are free again."""
    budget = RollingBudget(redis, f"{key_prefix}budget", limit=5)
    for t in range(5):
        assert (await budget.take(MINUTE + t))[0]
    assert await budget.room_in(1, MINUTE + 10) == 50.0  # the oldest leaves at +60
    assert await budget.room_in(2, MINUTE + 10) == 51.0
    assert await budget.room_in(9, MINUTE + 10) == 54.0, "never more than the whole budget"
    assert await budget.room_in(1, MINUTE + 60) == 0.0
    assert await budget.room_in(3, MINUTE + 61.5) == 0.5
