"""The watcher's adaptive pacing against real Redis with a fake clock: it looks at the freshest loads as often
as the budget allows, less often when CargoTech is slow, failing or its circuit open, or when the budget is
short; it never spends more than the budget in any 60 s; and what it finds is queued, and the outbox woken,
within the look that found it. Nothing here waits on time: the clock is pinned and advanced by hand."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from cargotool.core.alerts.lease import Lease
from cargotool.core.alerts.watcher import Watcher
from cargotool.core.errors import UpstreamUnavailable
from cargotool.core.loads.models import Load, Page
from cargotool.core.loads.query import NEWEST
from cargotool.core.storage.redis import Keys
from tests.conftest import TEST_REDIS_URL
from tests.integration.test_alerts import DRIVER, alerts_to, deliver, load
from tests.integration.test_alerts import make_services, svc, telegram  # noqa: F401 (fixtures)
from tests.integration.test_alerts_budget import Clock, most_in_any_minute

START = 1_800_000_000.0
OK, ERROR, OPEN = "ok", "error", "open"  # what CargoTech does at a look: answers, fails (429/5xx), circuit open


def a_load(number: int, at: float) -> Load:
    return Load(id=str(number), origin=None, destination=None, weight_kg=None, volume_m3=None, distance_km=None,
                price_kopecks=None, price_source=None, rate_kopecks_per_km=None, body_types=(), load_types=(),
                company=None, updated_at=dt.datetime.fromtimestamp(at, dt.timezone.utc))


@dataclass
class FakeMarketplace:
    """The freshest-loads feed on a fake clock: each call takes `latency` (the clock moves) and answers or fails
    as scripted; `calls` are the times the calls were made."""

    clock: Clock
    latency: float = 0.15
    outcome: str = OK
    calls: list[float] = field(default_factory=list)
    board: list[Load] = field(default_factory=list)

    def publish(self) -> None:
        self.board.insert(0, a_load(len(self.board) + 1, self.clock.now))

    async def loads(self, query) -> Page:
        self.calls.append(self.clock.now)
        self.clock.now += self.latency
        if self.outcome == ERROR:
            raise UpstreamUnavailable("CargoTech is rate limiting us (HTTP 429); gave up after 1 attempt(s)")
        items = self.board if query.order == NEWEST else list(reversed(self.board))
        return Page(tuple(items[query.offset:query.offset + query.limit]), query.limit, query.offset, len(self.board))


class NoSearches:
    async def all(self):
        return []

    async def record_hits(self, pairs):
        return None


class QuietAlerter:
    held = 0

    async def offer(self, hits):
        return 0

    async def release_held(self, still_there):
        return 0


@dataclass
class Rig:
    watcher: Watcher
    market: FakeMarketplace
    clock: Clock
    circuit: dict

    async def look(self) -> float:
        """One look, then the clock moves to the next one; returns the interval the watcher chose."""
        await self.watcher.tick()
        interval = await self.watcher.next_interval()
        self.clock.now += interval
        return interval


def rig(client: aioredis.Redis, prefix: str, limit: int = 20, ceiling: float = 20.0) -> Rig:
    clock = Clock(START)
    market = FakeMarketplace(clock)
    for _ in range(3):
        market.publish()
        clock.now += 1
    circuit = {"open": False}

    async def circuit_open() -> bool:
        return circuit["open"]

    keys = Keys(prefix)
    watcher = Watcher(marketplace=market, cargos=None, searches=NoSearches(), alerter=QuietAlerter(), auto=None,
                      redis=client, keys=keys, lease=Lease(client, keys("alerts:watcher:lease"), 10),
                      poll_seconds=ceiling, min_poll_seconds=2.0, max_per_minute=limit, clock=clock,
                      circuit_open=circuit_open)
    return Rig(watcher, market, clock, circuit)


async def test_interval_is_short_when_fast_and_lengthens_on_slow_answers_failures_and_an_open_circuit(redis, key_prefix):
    r = rig(redis, key_prefix)
    first = await r.look()  # detection: newest- and oldest-first
    assert r.watcher.mode == "fresh" and len(r.market.calls) == 2
    fast = [await r.look() for _ in range(5)]
    assert all(i == pytest.approx(3.75 - 0.15) for i in fast), "every 3.75 s from the start of a look"
    assert first <= 3.75

    r.market.latency = 2.0
    slow = [await r.look() for _ in range(15)]
    assert slow == sorted(slow) and slow[-1] > 5.5, "CargoTech slowing down: the watcher backs off"
    assert r.watcher.pacer.interval() > 7.5, "to ~4 answer times (8 s) from the start of a look"
    r.market.latency = 0.15
    for _ in range(20):
        await r.look()
    assert await r.look() == pytest.approx(3.75 - 0.15), "and speeds up again"

    r.market.outcome = ERROR
    failing = [await r.look() for _ in range(4)]
    assert failing[0] > 7.0 and failing[1] > 14.0 and failing[-1] == pytest.approx(20.0 - 0.15), "doubling, up to the ceiling"
    r.market.outcome = OK
    assert await r.look() == pytest.approx(3.75 - 0.15)

    r.circuit["open"] = True
    before = len(r.market.calls)
    assert await r.look() == pytest.approx(7.5) and await r.look() == pytest.approx(15.0)
    assert len(r.market.calls) == before, "no call while the circuit is open"


async def test_a_short_budget_postpones_the_next_look_until_there_is_room(redis, key_prefix):
    r = rig(redis, key_prefix)
    await r.look()
    # Someone spent most of the last minute's budget (e.g. a previous lease holder): 18 of 20, 10 s ago.
    for n in range(18):
        await redis.zadd(key_prefix + "alerts:upstream:spent", {f"other-{n}": r.clock.now - 10})
    await r.watcher.tick()
    interval = await r.watcher.next_interval()
    assert interval == pytest.approx(50.0, abs=0.2), "until the 60 s old calls leave, the headroom is kept"
    assert interval > r.watcher.poll_seconds, "the budget is a hard limit, above the ceiling"


@hypothesis_settings(max_examples=40, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
@given(limit=st.integers(min_value=2, max_value=40), ceiling=st.floats(min_value=3.0, max_value=30.0),
       looks=st.lists(st.tuples(st.floats(min_value=0.0, max_value=6.0), st.sampled_from([OK, OK, OK, ERROR, OPEN]),
                                st.booleans()), min_size=1, max_size=120))
def test_no_60_seconds_hold_more_calls_than_the_budget_and_pacing_alone_keeps_it(limit, ceiling, looks):
    """Whatever CargoTech does (answer times, errors, the circuit opening) and whatever is published."""
    async def run() -> tuple[list[float], Watcher]:
        client = aioredis.from_url(TEST_REDIS_URL, decode_responses=True)
        prefix = f"cargotool-test:{uuid.uuid4().hex[:12]}:"
        r = rig(client, prefix, limit=limit, ceiling=ceiling)
        try:
            for latency, outcome, published in looks:
                r.market.latency, r.market.outcome, r.circuit["open"] = latency, outcome, outcome == OPEN
                if published:
                    r.market.publish()
                await r.look()
        finally:
            keys = [k async for k in client.scan_iter(match=prefix + "*")]
            if keys:
                await client.delete(*keys)
            await client.aclose()
        return r.market.calls, r.watcher

    calls, watcher = asyncio.run(run())
    assert most_in_any_minute(calls) <= limit
    assert watcher.calls == len(calls) and watcher.refused == 0, "the pacing alone keeps within the budget"


async def test_a_match_is_queued_and_sent_within_the_look_that_found_it(svc, standin, telegram):  # noqa: F811
    """The outbox loop idles for an hour: only the wake from queuing the alert can make it send."""
    await svc.searches.create(DRIVER, {"filters": {"from": "1"}})
    await svc.watcher.tick()  # the baseline
    stop = asyncio.Event()
    outbox = asyncio.ensure_future(svc.outbox.run(stop, idle=3600))
    try:
        await asyncio.sleep(0)  # the outbox's first (empty) pass; it now waits for a wake
        cargo = load(standin)
        result = await svc.watcher.tick()
        assert result["alerts"] == 1
        for _ in range(600):  # a condition, not a margin: the loop would otherwise sleep for an hour
            if alerts_to(telegram, DRIVER):
                break
            await asyncio.sleep(0.05)
        [alert] = alerts_to(telegram, DRIVER)
        assert str(cargo["id"]) in alert.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"]
    finally:
        stop.set()
        await outbox


async def test_the_feeds_alerts_are_queued_before_the_searches_own_queries_are_polled(svc, standin, monkeypatch):  # noqa: F811
    await svc.searches.create(DRIVER, {"filters": {"from": "1"}})  # decided by the matcher from the feed
    await svc.searches.create(DRIVER + 1, {"filters": {"from": "2", "mode": "my"}})  # undecidable: its own query
    await svc.watcher.tick()
    offered: list[tuple[int, int]] = []
    offer = svc.alerter.offer

    async def noting(hits):
        offered.append((len(hits), standin.calls["GET /v2/cargos/views"]))
        return await offer(hits)

    monkeypatch.setattr(svc.alerter, "offer", noting)
    standin.reset_counters()
    svc.watcher._query_allowance = 1.0  # a query poll is due at this look
    load(standin)
    await svc.watcher.tick()
    assert offered[0] == (1, 1), "the feed's match offered after the one feed call, before any query poll"
    assert standin.calls["GET /v2/cargos/views"] == 2, "then the undecidable search's own query"


async def test_fast_looks_still_alert_a_driver_once_per_load(svc, standin, telegram):  # noqa: F811
    await svc.searches.create(DRIVER, {"name": "A", "filters": {"from": "1"}})
    await svc.searches.create(DRIVER, {"name": "B", "filters": {"to": "3"}})
    await svc.watcher.tick()
    cargo = load(standin)
    for _ in range(3):
        await svc.watcher.tick()
    standin.withdraw(cargo["id"])  # reposted with a new update time: seen again as the first item of the feed
    standin.publish({**cargo, "updated_at": dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")})
    await svc.redis.delete(svc.keys("alerts:seen"))  # and the watcher forgot it had seen it
    await svc.watcher.tick()
    load(standin)
    await svc.watcher.tick()
    await deliver(svc)
    assert len(alerts_to(telegram, DRIVER)) == 2, "two loads, one alert each, whatever the number of looks"


async def test_the_watchers_calls_are_tried_once_a_429_is_one_request_and_one_failure(svc, standin):  # noqa: F811
    await svc.watcher.tick()
    assert (await svc.watcher.status())["poll_interval_seconds"] == 3.75  # what `cargotool alerts status` shows
    standin.reset_counters()
    standin.fail_next("/v2/cargos/views", 429, times=5, headers={"Retry-After": "0"})
    await svc.watcher.tick()
    assert standin.calls["GET /v2/cargos/views"] == 1, "no client retries: each request spends the budget"
    assert svc.watcher.pacer.failures == 1
    assert await svc.watcher.next_interval() > 7.0
    assert (await svc.watcher.status())["poll_interval_seconds"] == 7.5


async def test_a_failed_redetection_still_reads_the_newest_page_it_paid_for(redis, key_prefix):
    """Hourly, the watcher asks again whether sorting works (newest- then oldest-first). When the second call fails,
    a watcher already on the feed still reads the newest page: a load published just before is seen in that look."""
    r = rig(redis, key_prefix)
    await r.look()  # detection, and the baseline of the feed
    assert r.watcher.mode == "fresh"
    r.market.publish()
    fresh = r.market.board[0].id
    real_loads = r.market.loads

    async def oldest_fails(query):
        if query.order != NEWEST:
            r.market.calls.append(r.clock.now)
            raise UpstreamUnavailable("CargoTech did not answer (timeout)")
        return await real_loads(query)

    r.market.loads = oldest_fails
    r.watcher._detected_at = 0.0  # an hour has passed: the next look detects again
    await r.look()
    assert r.watcher.mode == "fresh"
    seen = await redis.zscore(Keys(key_prefix)("alerts:seen"), fresh)
    assert seen is not None, "the newest page of the failed re-detection was read"
