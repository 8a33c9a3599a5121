"""`company_check` on cards and on the detail (issue 21 §3).

- **The list never waits for the register.** When the shared cache fetches a page (the `observer` hook of
  `CargoService`), each card gets what our database already holds for its poster and shipper (one query per
  page); an INN not checked within a day is shown as «проверяется» and put in a Redis set, which the background
  job (`fill`, wiring/jobs.py) works off within the daily budget. The cached page shows the new answers from its
  next fetch on (at most `CACHE_LIST_TTL` later).
- **The detail asks at once, briefly.** A driver who opened a load is waiting for exactly this answer, and one
  lookup is two small requests: an INN not yet checked is looked up while the detail is built, for at most
  `detail_wait` seconds; past that (or with the budget spent or DaData paused) the detail says «проверяется» and
  the lookup carries on in the background, so the next look shows it.
- Errors of DaData (a refused key, quotas, timeouts, 5xx) never reach the driver: the INN stays «проверяется»,
  the budget pauses the next requests (budget.py), and the line logged names the status, never the key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, Callable, Iterable, Sequence

import redis.asyncio as aioredis

from ..clock import MOSCOW, iso
from ..loads.models import Load
from ..shortlist.inn import is_valid_inn
from ..storage.db import Database
from ..storage.redis import Keys
from . import store
from .budget import Budget
from .register import DadataRegister, ForwarderError, Registration, RegisterError
from .wording import INVALID_INN_TEXT, forwarder_text, is_young, status_text

log = logging.getLogger(__name__)

FRESH_FOR = dt.timedelta(days=1)
BATCH = 40  # lookups per run of the background job (a run a minute: up to ~57 000 a day, the cap decides)


class CompanyChecks:
    def __init__(self, register: DadataRegister, database: Database, redis: aioredis.Redis, keys: Keys, *,
                 daily_limit: int, detail_wait: float = 2.0, batch: int = BATCH,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self.register = register
        self._db = database
        self._redis = redis
        self._queue = keys("company:queue")
        self.budget = Budget(redis, keys, daily_limit, clock)
        self.detail_wait = detail_wait
        self.batch = batch
        self._clock = clock
        self._lookups: dict[str, asyncio.Task] = {}  # one lookup per INN in this process

    async def aclose(self) -> None:
        for task in list(self._lookups.values()):
            task.cancel()
        await asyncio.gather(*self._lookups.values(), return_exceptions=True)
        await self.register.aclose()

    # ---- cards and the detail ----------------------------------------------------------------------

    async def on_cargos(self, loads: Sequence[Load], cards: Sequence[dict[str, Any]]) -> None:
        """The shared cache's observer: `company_check` from what is cached; the rest queued for `fill`."""
        pairs = [_parties(load.company.inn if load.company else None, load.shipper.inn if load.shipper else None)
                 for load in loads]
        known = await self._known(inn for pair in pairs for inn in pair if inn)
        if known is None:
            return  # our database is failing: the cards go without the section rather than not at all
        today = self._today()
        for card, (poster, shipper) in zip(cards, pairs, strict=True):
            card["company_check"] = {"poster": _view(poster, known, today) if poster else None,
                                     "shipper": _view(shipper, known, today) if shipper else None}
        off = await self._forwarder_off()
        await self.enqueue(inn for pair in pairs for inn in pair
                           if inn and is_valid_inn(inn) and not _done(inn, known, off))

    async def attach_detail(self, body: dict[str, Any]) -> None:
        """The detail's `company_check`, looked up now (briefly) for an INN not checked within a day."""
        poster, shipper = _parties((body.get("company") or {}).get("inn"), (body.get("shipper") or {}).get("inn"))
        inns = [inn for inn in (poster, shipper) if inn]
        known = await self._known(inns)
        if known is None:
            body.pop("company_check", None)
            return
        off = await self._forwarder_off()
        missing = [inn for inn in inns if not _done(inn, known, off) and is_valid_inn(inn)]
        if missing:
            # `wait` cancels nothing: a lookup still running at the timeout carries on and saves its answer
            done, _ = await asyncio.wait([self._lookup(inn) for inn in missing], timeout=self.detail_wait)
            known.update({r.inn: r for r in (t.result() for t in done if not t.cancelled()) if r is not None})
        today = self._today()
        body["company_check"] = {"poster": _view(poster, known, today, detail=True) if poster else None,
                                 "shipper": _view(shipper, known, today, detail=True) if shipper else None}

    # ---- the background job ------------------------------------------------------------------------

    async def fill(self) -> int:
        """Look up queued INNs (at most `batch`), within the budget; returns how many were answered."""
        answered = 0
        for _ in range(self.batch):
            inn = await self._redis.spop(self._queue)
            if inn is None:
                break
            if _done(inn, await self._known([inn]) or {}, await self._forwarder_off()):
                continue  # the detail (or another worker) got to it first
            registration = await self._lookup(inn)
            if registration is None:  # paused or out of budget: back in the queue for a later run
                await self._redis.sadd(self._queue, inn)
                break
            answered += 1
        return answered

    async def queued(self) -> int:
        return int(await self._redis.scard(self._queue))

    # ---- lookups -----------------------------------------------------------------------------------

    def _lookup(self, inn: str) -> asyncio.Task:
        task = self._lookups.get(inn)
        if task is None or task.done():
            task = asyncio.ensure_future(self._ask(inn))
            self._lookups[inn] = task
            task.add_done_callback(lambda t, inn=inn: self._lookups.pop(inn, None) if self._lookups.get(inn) is t
                                   else None)
        return task

    async def _ask(self, inn: str) -> Registration | None:
        """One lookup through the budget; the answer is saved. None when it could not be made or failed."""
        try:
            if not await self.budget.take():
                await self.enqueue([inn])
                return None
            try:
                registration = await self.register.lookup(inn, forwarder=not await self.budget.forwarder_off())
            except ForwarderError as exc:  # the company register answered: its status stands and it goes on
                partial = exc.registration
                await self._db.run(lambda: store.save(partial, self._clock()))
                await self.budget.succeeded()
                await self.budget.forwarder_failed(exc)  # the forwarder line is asked again when that register is back
                return partial
            except RegisterError as exc:
                await self.budget.failed(exc)
                await self.enqueue([inn])
                return None
            await self._db.run(lambda: store.save(registration, self._clock()))
            await self.budget.succeeded()
            return registration
        except Exception:  # Redis or the database failing: the card stays «проверяется»; never the driver's error
            log.warning("company register: could not record the check of an INN", exc_info=True)
            return None

    async def _forwarder_off(self) -> bool:
        try:
            return await self.budget.forwarder_off()
        except Exception:  # Redis failing: ask for both registers, as if it were on
            return False

    async def _known(self, inns: Iterable[str]) -> dict[str, Registration] | None:
        wanted = {inn for inn in inns}
        if not wanted:
            return {}
        since = self._clock() - FRESH_FOR
        try:
            return await self._db.run(lambda: store.fresh(wanted, since))
        except Exception:
            log.warning("company register: the cached checks could not be read", exc_info=True)
            return None

    async def enqueue(self, inns: Iterable[str]) -> None:
        """Queue INNs for the background job (a Redis set: each once however many cards show it)."""
        wanted = sorted(set(inns))
        if not wanted:
            return
        try:
            await self._redis.sadd(self._queue, *wanted)
        except Exception:
            log.warning("company register: could not queue %d INNs", len(wanted), exc_info=True)

    def _today(self) -> dt.date:
        return self._clock().astimezone(MOSCOW).date()


def _done(inn: str, known: dict[str, Registration], forwarder_off: bool) -> bool:
    """Checked within a day, both registers answering (a failed forwarders' check is not kept as an answer) —
    or only the company register while the forwarders' register refuses us."""
    registration = known.get(inn)
    return registration is not None and (registration.complete or forwarder_off)


def _parties(poster: str | None, shipper: str | None) -> tuple[str | None, str | None]:
    """The poster's INN, and the shipper's when it is another company."""
    poster = poster or None
    return poster, (shipper if shipper and shipper != poster else None)


def _view(inn: str, known: dict[str, Registration], today: dt.date, detail: bool = False) -> dict[str, Any]:
    registration = known.get(inn)
    if registration is None and not is_valid_inn(inn):  # a number no register can hold: not worth a request
        view = {"inn": inn, "name": None, "status": "not_found", "registered": None, "text": INVALID_INN_TEXT,
                "young": False}
        return {**view, "forwarder": None} if detail else view
    if registration is None:
        view: dict[str, Any] = {"inn": inn, "name": None, "status": "pending", "registered": None,
                                "text": status_text("pending", None, today), "young": False}
        if detail:
            view["forwarder"] = None
        return view
    view = {"inn": inn, "name": registration.name, "status": registration.status,
            "registered": iso(registration.registered),
            "text": status_text(registration.status, registration.registered, today, registration.individual),
            "young": registration.status != "not_found" and is_young(registration.registered, today)}
    if detail:
        view["forwarder"] = _forwarder(registration)
    return view


def _forwarder(registration: Registration) -> dict[str, Any] | None:
    if not registration.forwarder_checked or registration.status == "not_found":
        return None
    return {"listed": registration.forwarder_number is not None, "number": registration.forwarder_number,
            "since": iso(registration.forwarder_since),
            "text": forwarder_text(registration.forwarder_number, registration.forwarder_since)}
