"""The alert watcher's CargoTech budget is a token bucket (storage/bucket.py): never more than
ALERTS_MAX_UPSTREAM_PER_MINUTE calls in any 60 s, also across a minute boundary (a calendar-minute
counter allowed twice the budget there). Time is the bucket's argument: nothing here waits."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from cargotool.core.alerts.watcher import Watcher, budget_bucket
from cargotool.core.storage.bucket import TokenBucket
from cargotool.core.storage.redis import Keys
from tests.conftest import TEST_REDIS_URL

BUDGET, POLL = 30, 20.0


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
    return Watcher(cargotech=services.cargotech, cargos=services.cargos, searches=services.searches,
                   alerter=services.alerter, auto=None, redis=redis, keys=Keys(settings.redis_key_prefix),
                   lease=services.watcher.lease, poll_seconds=POLL, max_per_minute=BUDGET, clock=clock)


async def spend_at(watcher: Watcher, clock: Clock, times: list[float]) -> list[float]:
    spent = []
    for t in times:
        clock.now = t
        if await watcher._spend():
            spent.append(t)
    return spent


async def test_a_look_each_side_of_a_minute_boundary_spends_the_budget_once(services, settings, redis):
    start = 1_800_000_000 - 30.0  # 30 s before a calendar minute starts (1_800_000_000 is one)
    clock = Clock(start)
    watcher = watcher_with(services, settings, redis, clock)
    # a minute of nothing (the bucket is full), then greedy looks 0.5 s before and after the boundary
    burst_before = [start + 29.5] * BUDGET
    burst_after = [start + 30.5] * BUDGET
    steady = [start + 31 + i * 0.5 for i in range(240)]  # then asking twice a second for two minutes
    spent = await spend_at(watcher, clock, burst_before + burst_after + steady)
    assert most_in_any_minute(spent) <= BUDGET
    calendar = sum(1 for t in spent if t < start + 30), sum(1 for t in spent if start + 30 <= t < start + 90)
    assert calendar[0] > 0 and calendar[1] > 0, "both calendar minutes spent some"
    capacity, per_second = budget_bucket(BUDGET, POLL)
    assert len([t for t in spent if t >= start + 90]) >= int((BUDGET - capacity) * (spent[-1] - start - 90) / 60) - 1, \
        "the steady rate is used, not starved"
    assert watcher.calls == len(spent)


async def test_the_budget_is_shared_by_whoever_holds_the_lease(services, settings, redis):
    clock = Clock(1_800_000_000.0)
    first, second = watcher_with(services, settings, redis, clock), watcher_with(services, settings, redis, clock)
    spent = await spend_at(first, clock, [clock.now] * BUDGET) + await spend_at(second, clock, [clock.now] * BUDGET)
    assert len(spent) == budget_bucket(BUDGET, POLL)[0]


@hypothesis_settings(max_examples=60, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
@given(budget=st.integers(min_value=1, max_value=120),
       poll=st.floats(min_value=1, max_value=120, allow_nan=False),
       gaps=st.lists(st.floats(min_value=0, max_value=30, allow_nan=False), min_size=1, max_size=200))
def test_no_60_second_window_holds_more_than_the_budget(budget, poll, gaps):
    capacity, per_second = budget_bucket(budget, poll)
    assert 1 <= capacity <= budget and per_second > 0

    async def run() -> list[float]:
        client = aioredis.from_url(TEST_REDIS_URL, decode_responses=True)
        key = f"cargotool-test:{uuid.uuid4().hex[:12]}:bucket"
        bucket = TokenBucket(client, key, capacity=capacity, per_second=per_second)
        spent, now = [], 1_800_000_000.0 - 45
        try:
            for gap in gaps:
                now = round(now + gap, 3)  # the script keeps milliseconds
                taken, wait = await bucket.take(now)
                if taken:
                    spent.append(now)
                else:
                    assert wait > 0
        finally:
            await client.delete(key)
            await client.aclose()
        return spent

    spent = asyncio.run(run())
    assert most_in_any_minute(spent) <= budget
    assert spent, "the first call is always allowed"
