"""The new-load watcher: one instance at a time (a Redis lease) looks for new loads and matches them.

Discovery costs a bounded number of CargoTech calls: at most `max_per_minute` in any 60 s (a rolling
budget in Redis, storage/rolling_budget.py), whatever the number of saved searches:

- **Freshest loads** (`sort=-updated_at`): documented for the partner API only, unverified for
  `/v2/cargos/views` [?]. The watcher asks once (and again every hour) and uses it only if the page
  comes back ordered by `updated_at`, newest first. Then one call sees every new load, and the matcher
  index finds its searches. As that call covers every search, it is made as often as the budget allows
  and less often when CargoTech answers slowly or fails (pacing.py: every 3.75 s with 20 calls a minute,
  at most every ALERTS_POLL_SECONDS while healthy). When a whole page is new, the next pages follow
  (up to FEED_MAX_PAGES). The loads found are matched and their alerts queued at once, before anything
  else of the look; queuing wakes the outbox of this process (`Outbox.send`), so an alert leaves within
  the look that found it.
- **Otherwise**, and for searches the index cannot decide (see matcher.py), the watcher polls the
  distinct normalised queries of the saved searches — one call per query shared by every search that
  has it — oldest-polled first, within the budget: without the feed, a look every ALERTS_POLL_SECONDS
  spending the whole budget's pace on them; with it, the share pacing.py leaves them.

The watcher's calls are not retried by the client (the composition root hands it a single-attempt
marketplace): each request is one unit of the budget, and the pacing is its retry.

A load is new when it was not seen before (in the feed, or in that query's results); the first look at
the feed or at a query only records what is there (a baseline), so saving a search never alerts the
loads that were already on the board.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections import defaultdict
from dataclasses import replace
from typing import Any, Awaitable, Callable, Iterable

import redis.asyncio as aioredis

from ..cargo.service import CargoService
from ..errors import CargotoolError, NotFound
from ..loads.marketplace import Marketplace
from ..loads.models import Load, Page
from ..loads.query import NEWEST, OLDEST, LoadQuery
from ..storage.rolling_budget import RollingBudget
from ..storage.redis import Keys
from ..waiting import wait_any
from .auto import AutoResponder
from .delivery import Alerter, Hit
from .lease import Lease
from ..loads.geo import Geo
from .matcher import Ceilings, Facts, MatcherIndex, RegionOf
from .pacing import Pacer
from .searches import Search, SearchStore

log = logging.getLogger(__name__)

FEED_PAGE = 100
FEED_MAX_PAGES = 3
QUERY_PAGE = 50
SEEN_DAYS = 7
REDETECT_SECONDS = 3600
SEARCHES_VERSION = "alerts:searches:version"  # bumped by every change of a saved search


class Watcher:
    def __init__(self, *, marketplace: Marketplace, cargos: CargoService, searches: SearchStore, alerter: Alerter,
                 auto: AutoResponder | None, redis: aioredis.Redis, keys: Keys, lease: Lease, poll_seconds: float,
                 max_per_minute: int, min_poll_seconds: float | None = None, geo: Geo | None = None,
                 locate: Callable[[str], tuple[float, float] | None] | None = None,
                 clock: Callable[[], float] = time.time, ceilings: Ceilings | None = None,
                 circuit_open: Callable[[], Awaitable[bool]] | None = None, region_of: RegionOf | None = None) -> None:
        """`poll_seconds`: the longest interval between looks while CargoTech is healthy, and the interval
        without the freshest-loads feed; `min_poll_seconds` the shortest (pacing.py). `geo`: city id →
        (lat, lon) known up front; `locate(name)` finds more by the names loads carry (the gazetteer), so
        radius searches become decidable here as their cities are seen. `clock` (seconds, wall time)
        dates the budget's tokens and times CargoTech's answers. `ceilings`: what an open upper end of a
        range means upstream (matcher.py). `circuit_open()`: is the circuit towards CargoTech open (then
        no call is made, and the watcher looks less often; half-open, its call may be the probe). `region_of(name)`:
        a city's region (core/regions), for searches of a whole region."""
        self._marketplace = marketplace
        self._cargos = cargos
        self._searches = searches
        self.alerter = alerter
        self._auto = auto
        self._redis = redis
        self._keys = keys
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.max_per_minute = max_per_minute
        self._budget = RollingBudget(redis, keys("alerts:upstream:spent"), limit=max_per_minute, period=60.0)
        self.pacer = Pacer(limit=max_per_minute, floor=min_poll_seconds or poll_seconds, ceiling=poll_seconds)
        self._circuit_open = circuit_open
        self._query_allowance = 1.0  # per-query polls due (fractions carry over from look to look)
        self._looked_at = 0.0  # when the last look started (`clock`)
        self._clock = clock
        self._geo: Geo = dict(geo or {})
        self._ceilings = ceilings
        self._locate = locate
        self._region_of = region_of
        self._unplaceable: set[int] = set()
        self._geo_grew = False
        self.mode = "unknown"  # "fresh" | "queries"
        self._detected_at = 0.0
        self._index: MatcherIndex | None = None
        self._version: Any = None
        self._by_id: dict[int, Search] = {}
        self._by_key: dict[str, list[Search]] = {}
        self._polled: dict[str, float] = {}
        self.calls = 0
        self.refused = 0  # calls the budget refused (pacing aims at none)
        self.match_seconds: list[float] = []  # per new load, for the benchmark

    # ---- the loop ---------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Hold (or wait for) the lease and look for new loads while holding it, as often as `next_interval`
        says."""
        renew_every = max(0.2, self.lease.ttl / 3)
        next_tick = time.monotonic() + self.pacer.interval()  # the first look one interval after start
        try:
            while not stop.is_set():
                try:
                    if await self.lease.hold() and time.monotonic() >= next_tick:
                        next_tick = time.monotonic() + self.poll_seconds  # should the look fail before it is paced
                        await self._tick_renewing()
                        next_tick = time.monotonic() + await self.next_interval()
                except Exception as exc:  # one failed look must not end the loop
                    log.warning("alerts watcher: %s", type(exc).__name__, exc_info=True)
                await wait_any(stop, timeout=min(renew_every, max(0.05, next_tick - time.monotonic())))
        finally:
            try:
                await self.lease.release()  # let another instance take over at once
            except Exception as exc:
                log.info("alerts watcher: could not release the lease (%s); it expires by itself", type(exc).__name__)

    async def _tick_renewing(self) -> None:
        """A look at CargoTech may outlast the lease: renew it meanwhile."""
        tick = asyncio.ensure_future(self.tick())
        while not tick.done():
            await asyncio.wait([tick], timeout=max(0.2, self.lease.ttl / 3))
            if not tick.done():
                await self.lease.hold()
        tick.result()

    async def tick(self) -> dict[str, int]:
        """One look: discover new loads and alert them (the feed's at once, then the polled queries'),
        release digests, send due automatic responses."""
        self._looked_at = self._clock()
        await self._refresh()
        found: list[Hit] = []
        if self.mode == "unknown" or time.time() - self._detected_at > REDETECT_SECONDS:
            found = await self._detect()
        elif self.mode == "fresh":
            found = await self._poll_feed()
        hits, queued = await self._alert(found)  # before the per-query polls: they must not delay these
        polled_keys = [k for k in self._by_key if (self.mode != "fresh" or self._needs_query(k)) and self._pollable(k)]
        more, queued_more = await self._alert(await self._poll_queries(polled_keys))
        digests = await self.alerter.release_held(self._still_there)
        auto = await self._auto.send_due() if self._auto is not None else 0
        await self._redis.hset(self._keys("alerts:status"), mapping={
            "mode": self.mode, "holder": self.lease.holder, "looked_at": time.time(), "searches": len(self._by_id),
            "distinct_queries": len(self._by_key), "polled_queries": len(polled_keys),
            "interval_seconds": round(self.pacer.interval(), 2)})
        return {"hits": hits + more, "alerts": queued + queued_more, "digests": digests, "auto": auto}

    async def _alert(self, hits: list[Hit]) -> tuple[int, int]:
        """Record and offer matches now (the alerter queues them; queuing wakes the outbox): (hits, queued)."""
        hits = [hit for hit in hits if hit.search.accepts(hit.cargo)]  # «только с ценой» is ours, not CargoTech's
        if not hits:
            return 0, 0
        await self._searches.record_hits(sorted({(h.search.id, h.cargo.id) for h in hits}))
        return len(hits), await self.alerter.offer(hits)

    async def next_interval(self) -> float:
        """Seconds from now until the next look (pacing.py): without the feed, `poll_seconds`; with it (or
        before knowing whether it works), the pacer's interval counted from the start of the last look (a
        slow look is not followed by a whole interval more), never sooner than the budget has room for a
        look and the other calls' headroom."""
        if self.mode == "queries":
            return self.poll_seconds
        now = self._clock()
        elapsed = max(0.0, now - self._looked_at)
        wait = await self._budget.room_in(max(2, self.pacer.headroom + 1), now)  # a detection takes two
        return max(0.0, self.pacer.interval(wait + elapsed) - elapsed)

    async def status(self) -> dict[str, Any]:
        """What the last look saw (written by whichever instance held the lease) — for operators."""
        stored = await self._redis.hgetall(self._keys("alerts:status"))
        calls = await self._budget.spent(self._clock())
        return {
            "lease_holder": await self.lease.holder_now(), "mode": stored.get("mode", "unknown"),
            "last_look_at": float(stored["looked_at"]) if stored.get("looked_at") else None,
            "poll_interval_seconds": float(stored["interval_seconds"]) if stored.get("interval_seconds") else None,
            "searches": int(stored.get("searches", 0)), "distinct_queries": int(stored.get("distinct_queries", 0)),
            "polled_queries": int(stored.get("polled_queries", 0)),
            "cargotech_calls_last_60s": calls, "budget_per_minute": self.max_per_minute,
            "drivers_with_held_alerts": await self._redis.scard(self._keys("alerts:held-drivers")),
        }

    # ---- the searches -----------------------------------------------------------------------------

    async def _refresh(self) -> None:
        """Rebuild the index when the searches changed (or new city coordinates were learnt). The build
        runs in a thread: with tens of thousands of searches it takes a noticeable fraction of a second."""
        version = await self._redis.get(self._keys(SEARCHES_VERSION))
        if self._index is not None and version == self._version and not self._geo_grew:
            return
        if self._index is None or version != self._version:
            searches = await self._searches.all()
            self._version = version
            self._by_id = {s.id: s for s in searches}
            by_key: dict[str, list[Search]] = defaultdict(list)
            for search in searches:
                by_key[search.key].append(search)
            self._by_key = dict(by_key)
        self._geo_grew = False
        entries = [(s.id, s.query) for s in self._by_id.values()]
        self._index = await asyncio.to_thread(MatcherIndex.build, entries, dict(self._geo), self._ceilings)

    def _learn(self, items: Iterable[Load]) -> None:
        """Coordinates of cities seen in loads, by name (CargoTech gives `{id, name}` only [?])."""
        if self._locate is None:
            return
        for cargo in items:
            for stop in (cargo.origin, cargo.destination):
                city = stop.place if stop else None
                if city is None or city.id is None or city.id in self._geo or city.id in self._unplaceable:
                    continue
                where = self._locate(city.name)
                if where is None:
                    self._unplaceable.add(city.id)
                else:
                    self._geo[city.id] = where
                    self._geo_grew = True

    def _pollable(self, key: str) -> bool:
        """Several places, a corridor or a region is no single marketplace call: such a search is matched from the
        freshest-loads feed only (without the feed it gets no alerts; polling it would fail the whole look)."""
        return not self._by_key[key][0].query.compound

    def _needs_query(self, key: str) -> bool:
        assert self._index is not None
        return any(s.id in self._index.undecidable for s in self._by_key[key])

    # ---- upstream, within the budget --------------------------------------------------------------

    async def _spend(self) -> bool:
        """One CargoTech call from the budget: at most `max_per_minute` in any 60 s, shared by whoever
        holds the lease (storage/rolling_budget.py)."""
        taken, _ = await self._budget.take(self._clock())
        if taken:
            self.calls += 1
        else:
            self.refused += 1
        return taken

    async def _list(self, query: LoadQuery) -> Page | None:
        """One list call, timed for the pacer; none while the circuit is open (that counts as a failure)."""
        if self._circuit_open is not None and await self._circuit_open():
            self.pacer.failed()
            return None
        if not await self._spend():
            return None
        started = self._clock()
        try:
            page = await self._marketplace.loads(query)
        except CargotoolError as exc:
            self.pacer.failed(self._clock() - started)
            log.warning("alerts watcher: CargoTech list failed: %s", exc.message)
            return None
        self.pacer.answered(self._clock() - started)
        return page

    # ---- freshest loads ---------------------------------------------------------------------------

    async def _detect(self) -> list[Hit]:
        """Does the list honour `sort`? Newest-first must come back descending and oldest-first ascending
        (a server that ignores the parameter cannot pass both); two calls an hour."""
        page = await self._list(LoadQuery(limit=FEED_PAGE, order=NEWEST))
        if page is None:
            return []
        works = _ordered(page.items, descending=True)
        if works:
            oldest = await self._list(LoadQuery(limit=20, order=OLDEST))
            if oldest is None:  # failed or no budget: that tells nothing, ask again at the next look — but a
                # watcher already on the feed still reads the newest page it paid for
                return await self._feed_hits(list(page.items)) if self.mode == "fresh" else []
            works = _ordered(oldest.items, descending=False)
        self._detected_at = time.time()
        previous, self.mode = self.mode, "fresh" if works else "queries"
        if previous != self.mode:
            log.info("alerts watcher: %s", "sort=-updated_at works: watching the freshest loads" if works
                     else "sort=-updated_at does not work here: polling the saved searches' queries")
        return await self._feed_hits(list(page.items)) if works else []

    async def _poll_feed(self) -> list[Hit]:
        items: list[Load] = []
        for number in range(FEED_MAX_PAGES):
            page = await self._list(LoadQuery(limit=FEED_PAGE, offset=number * FEED_PAGE, order=NEWEST))
            if page is None:
                break
            items += page.items
            if len(page.items) < FEED_PAGE or not await self._all_unseen("alerts:seen", page.items):
                break
        return await self._feed_hits(items)

    async def _feed_hits(self, items: list[Load]) -> list[Hit]:
        new = await self._new("alerts:seen", items)
        self._learn(items)
        if self._geo_grew:
            await self._refresh()  # a city just placed may lie within a search's radius
        assert self._index is not None
        hits = []
        for cargo in new:
            started = time.perf_counter()
            ids = self._index.match(Facts.of(cargo, self._region_of))
            self.match_seconds.append(time.perf_counter() - started)
            hits += [Hit(self._by_id[i], cargo) for i in ids]
        return hits

    # ---- the saved searches' own queries ----------------------------------------------------------

    def _queries_due(self) -> int:
        """How many queries this look polls: without the feed, the budget's pace over `poll_seconds`; with
        it, the pacer's spare share over the feed's interval (fractions carry over to the next look)."""
        if self.mode != "fresh":
            return max(1, math.ceil(self.max_per_minute * self.poll_seconds / 60))
        per_look = self.pacer.spare_per_minute * self.pacer.interval() / 60
        self._query_allowance = min(self._query_allowance + per_look, max(1.0, 2 * per_look))
        due = int(self._query_allowance)
        self._query_allowance -= due
        return due

    async def _poll_queries(self, keys: list[str]) -> list[Hit]:
        if not keys:
            return []
        hits: list[Hit] = []
        for key in sorted(keys, key=lambda k: self._polled.get(k, 0.0))[:self._queries_due()]:
            searches = self._by_key[key]
            page = await self._list(replace(searches[0].query, limit=QUERY_PAGE, offset=0))
            if page is None:
                break
            self._polled[key] = time.time()
            self._learn(page.items)
            digest = hashlib.sha1(key.encode()).hexdigest()[:16]
            for cargo in await self._new(f"alerts:seen:q:{digest}", list(page.items)):
                hits += [Hit(search, cargo) for search in searches]
        return hits

    # ---- what was seen ----------------------------------------------------------------------------

    async def _new(self, name: str, items: list[Load]) -> list[Load]:
        """The loads of `items` not seen under `name` before; the first look at `name` is a baseline."""
        key = self._keys(name)
        now = time.time()
        pipe = self._redis.pipeline(transaction=True)
        pipe.exists(key)
        for cargo in items:
            pipe.zadd(key, {cargo.id: now}, nx=True)
        pipe.zadd(key, {"·baseline": now})  # keeps the set alive, even after a look at an empty page
        pipe.zremrangebyscore(key, "-inf", now - SEEN_DAYS * 86400)
        pipe.expire(key, SEEN_DAYS * 86400)
        results = await pipe.execute()
        existed, added = results[0], results[1:1 + len(items)]
        if not existed:
            return []
        return [cargo for cargo, fresh in zip(items, added, strict=True) if fresh]

    async def _all_unseen(self, name: str, items: tuple[Load, ...]) -> bool:
        scores = await self._redis.zmscore(self._keys(name), [c.id for c in items])
        return all(score is None for score in scores)

    async def _still_there(self, cargo_id: str) -> bool:
        """Is a held load still on the board? Unknown (no budget, CargoTech failing) counts as yes."""
        if not await self._spend():
            return True
        try:
            await self._cargos.detail(cargo_id)
        except NotFound:
            return False
        except CargotoolError:
            return True
        return True


def _ordered(items: tuple[Load, ...], descending: bool) -> bool:
    """Every item has `updated_at`, at least two differ, and they run in the asked direction."""
    stamps = [c.updated_at for c in items]
    if len(stamps) < 2 or any(s is None for s in stamps) or len(set(stamps)) < 2:
        return False
    pairs = zip(stamps, stamps[1:], strict=False)
    return all(a >= b for a, b in pairs) if descending else all(a <= b for a, b in pairs)


def searches_changed(redis: aioredis.Redis, keys: Keys) -> Callable[[], Awaitable[None]]:
    """`SearchStore`'s `on_change`: a new version makes every watcher rebuild its index."""

    async def changed() -> None:
        await redis.incr(keys(SEARCHES_VERSION))

    return changed
