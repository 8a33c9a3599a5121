"""Loads for drivers, through a cache shared by everyone.

Every driver sees CargoTech through the same server account, so an answer is keyed by the normalised
query (`Marketplace.query_key`), never by driver. Each answer is stored as the finished JSON text of the API response,
so a warm request costs one lookup and no serialisation:

- in this process: a small dict, for at most `LOCAL_SECONDS` (never past freshness);
- in Redis: `cache:<kind>:<sha1>` = "<fetched_at>\\n<json>", kept `ttl + stale_max` seconds.

A miss is fetched by exactly one caller across all workers (storage/singleflight.py). An expired copy
(up to `stale_max` seconds past its freshness) is refreshed the same way, but the driver never waits
for a failing CargoTech: while the circuit breaker (storage/circuit.py, shared through Redis) says
CargoTech is failing, the copy is served at once with `"stale": true` and `age_seconds` (while the
circuit is half-open a refresh runs in the background, and one of them across the workers is the probe:
stale-while-revalidate); otherwise the refresh gets `STALE_WAIT_SECONDS`
before the stale copy is served and the refresh carries on. The first successful refresh replaces the
copy, so drivers see fresh data as soon as CargoTech is back. Without any copy, the error goes to the
caller. A failed fetch is remembered for a few seconds so the waiters (and the next requests) don't
each hit a failing upstream.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Awaitable, Callable, Sequence

import redis.asyncio as aioredis

from ..clock import iso_utc
from ..errors import NotFound, UpstreamError, UpstreamUnavailable
from ..loads.marketplace import Marketplace
from ..loads.models import Load
from ..loads.query import LoadQuery
from ..observability.metrics import count_cache
from ..storage.circuit import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from ..storage.redis import Keys
from ..storage.singleflight import SingleFlight
from .card_types import Card, CardDetail
from .cards import card, detail

log = logging.getLogger(__name__)

LOCAL_SECONDS = 2.0
LOCAL_MAX_ENTRIES = 2048
FAILURE_MEMORY_SECONDS = 2  # short: the circuit breaker is what keeps a failing CargoTech unbothered
STALE_WAIT_SECONDS = 1.0  # with a stale copy at hand, a driver waits at most this long for a refresh
MIN_POINT_QUERY = 2


# Sees every load fetched from the marketplace with its card, before the card is cached (core/insights uses it).
Observer = Callable[[Sequence[Load], Sequence[Card | CardDetail]], Awaitable[None]]
# Folds a fetched list page's postings of one trip into one card (core/samefreight), after the observer:
# returns the cards to show and how many postings were folded (`meta.folded` when any). Apart from the observer
# because it drops cards, and an observer reads cards beside their loads.
Fold = Callable[[Sequence[Load], list[Card]], Awaitable[tuple[list[Card], int]]]


def observers(*each: Observer | None) -> Observer | None:
    """One observer telling each of `each` (None ones left out) in turn."""
    chosen = [o for o in each if o is not None]
    if len(chosen) <= 1:
        return chosen[0] if chosen else None

    async def tell(loads: Sequence[Load], cards: Sequence[Card | CardDetail]) -> None:
        for observer in chosen:
            await observer(loads, cards)

    return tell


@dataclass(frozen=True)
class CacheTTL:
    list: int = 300
    detail: int = 900
    dictionary: int = 86400
    stale_max: int = 3600


@dataclass(frozen=True)
class Answer:
    """A finished JSON body and whether it is a stale copy. The plain list serves `body` as it is; readers
    that need the values take `data`, parsed once per cached answer and shared by every reader of this copy:
    never change it (`card_types.writable` copies a card to write a driver's keys to)."""

    text: str
    fetched_at: float
    stale: bool = False

    @cached_property
    def body(self) -> bytes:
        """The encoded body, computed once per cached answer rather than once per response."""
        return self.text.encode()

    @cached_property
    def data(self) -> Any:
        """The body parsed, once per cached answer rather than once per reader. Read only (see above)."""
        return json.loads(self.text)


class CargoService:
    def __init__(
        self,
        marketplace: Marketplace,
        redis: aioredis.Redis,
        keys: Keys,
        ttl: CacheTTL = CacheTTL(),
        lock_timeout: float = 25.0,
        observer: Observer | None = None,
        stale_wait: float = STALE_WAIT_SECONDS,
        circuit: CircuitBreaker | None = None,
        fold: Fold | None = None,
    ) -> None:
        """`circuit`: the breaker the marketplace's calls go through, when it has one (stale copies are
        served at once while it is open)."""
        self._marketplace = marketplace
        self._redis = redis
        self._keys = keys
        self.ttl = ttl
        self._flight: SingleFlight[Answer] = SingleFlight(redis, lock_timeout=lock_timeout, channel=keys("cache:events"))
        self._local: OrderedDict[str, tuple[float, Answer]] = OrderedDict()
        self._breaker = circuit
        self._refreshing: dict[str, asyncio.Future] = {}
        self.stale_wait = stale_wait
        self.observer = observer
        self.fold = fold

    async def aclose(self) -> None:
        for task in list(self._refreshing.values()):
            task.cancel()
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)
        await self._flight.aclose()

    # ---- the four reads -------------------------------------------------------------------------

    async def list(self, query: LoadQuery) -> Answer:
        async def fetch(fetched_at: float) -> dict:
            page = await self._marketplace.loads(query)
            meta = {"limit": page.limit, "offset": page.offset, "total": page.total,
                    "next_offset": page.next_offset, "stale": False, "fetched_at": iso_utc(fetched_at)}
            cards = [card(c) for c in page.items]
            if self.observer is not None:
                await self.observer(page.items, cards)
            if self.fold is not None:
                cards, folded = await self.fold(page.items, cards)
                if folded:  # `total`/`next_offset` count postings; this many are inside another card's `group`
                    meta["folded"] = folded
            return {"items": cards, "meta": meta}

        return await self._cached("list", self._marketplace.query_key(query), self.ttl.list, fetch)

    async def detail(self, cargo_id: str) -> Answer:
        async def fetch(fetched_at: float) -> dict:
            load = await self._marketplace.load(cargo_id)
            body = detail(load)
            if self.observer is not None:
                await self.observer((load,), [body])
            body["meta"] = {"stale": False, "fetched_at": iso_utc(fetched_at)}
            return body

        return await self._cached("detail", cargo_id, self.ttl.detail, fetch)

    async def points(self, text: str) -> Answer:
        name = " ".join(text.split()).lower()

        async def fetch(fetched_at: float) -> dict:
            places = await self._marketplace.places(name, limit=10)
            return {"items": [{"id": p.id, "name": p.name, "type": p.kind} for p in places],
                    "meta": {"stale": False, "fetched_at": iso_utc(fetched_at)}}

        return await self._cached("points", name, self.ttl.dictionary, fetch)

    async def dictionaries(self) -> dict[str, Any]:
        """Truck and load types; a dictionary CargoTech cannot give (failing, or answering 404) is `null`
        (the UI hides its filter)."""
        result: dict[str, Any] = {}
        for name, getter in (("truck_types", self._marketplace.body_types), ("load_types", self._marketplace.load_types)):
            async def fetch(fetched_at: float, getter=getter) -> dict:
                return {"items": [{"id": t.id, "name": t.name, "short_name": t.short_name} for t in await getter()]}

            try:
                answer = await self._cached("dictionary", name, self.ttl.dictionary, fetch)
            except (UpstreamError, NotFound) as exc:
                log.warning("dictionary %s unavailable: %s", name, exc.message)
                result[name] = None
            else:
                result[name] = answer.data["items"]
        return result

    # ---- the cache ------------------------------------------------------------------------------

    async def _cached(self, kind: str, key_text: str, ttl: int, fetch: Callable[[float], Awaitable[dict]]) -> Answer:
        key = self._keys(f"cache:{kind}:{hashlib.sha1(key_text.encode()).hexdigest()}")
        now = time.time()
        local = self._local.get(key)
        if local and local[0] > time.monotonic():
            count_cache(kind, "hit")
            return local[1]
        stored = await self._read(key)
        if stored and now - stored.fetched_at < ttl:
            count_cache(kind, "hit")
            return self._remember(key, stored, ttl)
        if stored and now - stored.fetched_at >= ttl + self.ttl.stale_max:
            stored = None  # too old to show
        count_cache(kind, "miss")

        async def read_fresh() -> Answer | None:
            current = await self._read(key)
            if current and time.time() - current.fetched_at < ttl:
                return current
            failure = await self._redis.get(f"{key}:failure")
            if failure:
                raise UpstreamUnavailable(failure)
            return None

        async def produce() -> Answer:
            fetched_at = time.time()
            try:
                body = await fetch(fetched_at)
            except UpstreamError as exc:
                await self._redis.set(f"{key}:failure", exc.message, ex=FAILURE_MEMORY_SECONDS)
                raise
            answer = Answer(json.dumps(body, ensure_ascii=False, separators=(",", ":")), fetched_at)
            await self._redis.set(key, f"{fetched_at:.3f}\n{answer.text}", ex=ttl + self.ttl.stale_max)
            return answer

        if stored is None:
            return self._remember(key, await self._flight.run(key, read_fresh, produce), ttl)
        # A stale copy exists: refresh it, but never make the driver wait for a failing CargoTech.
        circuit = await self._breaker.state() if self._breaker is not None else CLOSED
        if circuit == OPEN:  # no call may leave: not even a refresh
            return self._serve_stale(key, kind, stored, "circuit open")
        refresh = self._refresh(key, ttl, read_fresh, produce)
        if circuit == HALF_OPEN:  # one refresh across the workers is the probe; the driver does not wait for it
            return self._serve_stale(key, kind, stored, "circuit half-open")
        try:
            return self._remember(key, await asyncio.wait_for(asyncio.shield(refresh), timeout=self.stale_wait), ttl)
        except asyncio.TimeoutError:
            return self._serve_stale(key, kind, stored, "CargoTech is slow")
        except UpstreamError as exc:
            return self._serve_stale(key, kind, stored, exc.message)

    def _refresh(self, key: str, ttl: int, read_fresh, produce) -> asyncio.Future:
        """The refresh of `key` in the background (one per key per process; the single flight makes it one
        across workers). When it succeeds, this worker's local copy becomes the fresh one."""
        task = self._refreshing.get(key)
        if task is None or task.done():
            task = asyncio.ensure_future(self._flight.run(key, read_fresh, produce))
            self._refreshing[key] = task

            def done(t: asyncio.Future, key=key) -> None:
                if self._refreshing.get(key) is t:
                    del self._refreshing[key]
                if not t.cancelled() and t.exception() is None:
                    self._remember(key, t.result(), ttl)

            task.add_done_callback(done)
        return task

    def _serve_stale(self, key: str, kind: str, stored: Answer, why: str) -> Answer:
        log.info("serving a stale %s (%s)", kind, why)
        count_cache(kind, "stale")
        answer = _as_stale(stored)
        self._local[key] = (time.monotonic() + LOCAL_SECONDS, answer)
        self._local.move_to_end(key)
        return answer

    async def _read(self, key: str) -> Answer | None:
        raw = await self._redis.get(key)
        if not raw:
            return None
        stamp, _, text = raw.partition("\n")
        try:
            return Answer(text, float(stamp))
        except ValueError:
            return None

    def _remember(self, key: str, answer: Answer, ttl: int) -> Answer:
        until = time.monotonic() + min(LOCAL_SECONDS, answer.fetched_at + ttl - time.time())
        self._local[key] = (until, answer)
        self._local.move_to_end(key)
        while len(self._local) > LOCAL_MAX_ENTRIES:
            self._local.popitem(last=False)
        return answer


def _as_stale(answer: Answer) -> Answer:
    age = max(0, int(time.time() - answer.fetched_at))  # fetched_at says the same, for a banner
    body = {**answer.data, "meta": {**answer.data.get("meta", {}), "stale": True, "age_seconds": age}}  # data stays whole
    return Answer(json.dumps(body, ensure_ascii=False, separators=(",", ":")), answer.fetched_at, stale=True)
