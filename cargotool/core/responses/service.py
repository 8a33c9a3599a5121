"""A driver's response to a load and its status history.

No CargoTech endpoint for a carrier's bid is known (cargotech-api.md §1.8), so a response goes to the
company's dispatchers (`Dispatch`, one small interface: a real CargoTech bid call can be added beside it
later without touching this flow). Statuses: sent → viewed → accepted | declined; withdrawn by the
driver; expired when nobody answers in time or the load disappears upstream. One response per driver
and load: sending again updates the offer (a double tap changes nothing).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import peewee

from ..audit import AuditLog
from ..billing.paywall import Part, Paywall
from ..cargo.service import CargoService
from ..drivers.directory import has_row
from ..drivers.sessions import Driver
from ..errors import CargotoolError, DriverGone, InvalidInput, NotFound
from ..storage.db import Database
from ..storage.models import DriverRecord, Response, ResponseEvent, utcnow
from .replay import Claim, Earlier, Replays, check_same_offer, offer_digest

log = logging.getLogger(__name__)

_FINISHING: set[asyncio.Task] = set()  # first tries whose request went away, finishing on their own


def _finished(task: asyncio.Task) -> None:
    """Forget a finished first try, reading its outcome: one whose request went away has nobody else to read
    it, and asyncio would log an unread error as "Task exception was never retrieved" with a traceback."""
    _FINISHING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.debug("a keyed response's first try ended with %s", type(task.exception()).__name__)

SENT, VIEWED, ACCEPTED, DECLINED, WITHDRAWN, EXPIRED = "sent", "viewed", "accepted", "declined", "withdrawn", "expired"
ACTIVE = (SENT, VIEWED)
STATUSES = (SENT, VIEWED, ACCEPTED, DECLINED, WITHDRAWN, EXPIRED)
DECISIONS = {"accept": ACCEPTED, "decline": DECLINED, "view": VIEWED}

MIN_RATE_RUB, MAX_RATE_RUB = 100, 50_000_000
MAX_COMMENT = 500


class Conflict(CargotoolError):
    code = "conflict"


@dataclass(frozen=True)
class Offer:
    rate_kopecks: int
    comment: str | None
    phone: str | None


@dataclass(frozen=True)
class ResponseView:
    id: int
    driver_id: int
    cargo_id: str
    rate_kopecks: int
    comment: str | None
    phone: str | None
    status: str
    version: int
    cargo: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    dispatcher_message_id: int | None

    @classmethod
    def of(cls, row: Response) -> "ResponseView":
        return cls(
            id=row.id, driver_id=row.driver_id, cargo_id=row.cargo_id, rate_kopecks=row.rate_kopecks,
            comment=row.comment, phone=row.phone, status=row.status, version=row.version,
            cargo=json.loads(row.cargo or "{}"), created_at=row.created_at, updated_at=row.updated_at,
            decided_by=row.decided_by, decided_at=row.decided_at, dispatcher_message_id=row.dispatcher_message_id,
        )

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id, "cargo_id": self.cargo_id, "rate_rub": self.rate_kopecks // 100, "comment": self.comment,
            "phone": self.phone, "status": self.status, "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(), "cargo": self.cargo,
        }


class Dispatch(Protocol):
    """Where responses go: today the dispatcher chat (core/responses/chat.py)."""

    async def response_changed(self, response: ResponseView, driver: DriverRecord | None, event: str,
                               previous: ResponseView | None = None) -> None: ...


def parse_offer(raw: Any) -> Offer:
    if not isinstance(raw, dict):
        raise InvalidInput("Нужен JSON-объект", fields={"body": "Ожидался объект"})
    errors: dict[str, str] = {}
    rate = raw.get("rate_rub")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or (isinstance(rate, float) and not rate.is_integer()):
        errors["rate_rub"] = "Укажите ставку целым числом рублей"
    elif not MIN_RATE_RUB <= int(rate) <= MAX_RATE_RUB:
        errors["rate_rub"] = f"Ставка от {MIN_RATE_RUB} до {MAX_RATE_RUB:,} ₽".replace(",", " ")
    comment = raw.get("comment")
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = "Комментарий — это текст"
    elif isinstance(comment, str) and len(comment.strip()) > MAX_COMMENT:
        errors["comment"] = f"Не длиннее {MAX_COMMENT} символов"
    phone = raw.get("phone")
    normalised = None
    if phone not in (None, ""):
        normalised = normalise_phone(phone) if isinstance(phone, str) else None
        if normalised is None:
            errors["phone"] = "Телефон в формате +7 900 123-45-67"
    unknown = set(raw) - {"rate_rub", "comment", "phone"}
    for name in sorted(unknown):
        errors[name] = "Неизвестное поле"
    if errors:
        raise InvalidInput("Проверьте отклик", fields=errors)
    return Offer(int(rate) * 100, (comment or "").strip() or None, normalised)


def normalise_phone(text: str) -> str | None:
    """Russian numbers to '+7 XXX XXX-XX-XX'; other E.164 numbers to '+<digits>'; None if not a phone."""
    if not re.fullmatch(r"[\d\s()+\-.]{6,25}", text.strip()):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits[0] in "78":
        d = digits[1:]
        return f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}"
    if len(digits) == 10 and digits[0] == "9":
        return f"+7 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    if text.strip().startswith("+") and 8 <= len(digits) <= 15:
        return "+" + digits
    return None


def _snapshot(detail: dict[str, Any]) -> dict[str, Any]:
    """What the dispatchers and the driver's list need later, even when the load is gone upstream."""
    keep = ("id", "from", "to", "weight_t", "volume_m3", "distance_km", "price_kopecks", "price_rub", "price_source",
            "rate_rub_per_km", "truck_types", "company", "shipper", "source_url", "display")
    return {k: detail.get(k) for k in keep}


class ResponseService:
    def __init__(self, database: Database, cargos: CargoService, audit: AuditLog, dispatch: Dispatch | None = None,
                 expire_hours: int = 24, *, paywall: Paywall,
                 dispatch_for: Callable[["ResponseService"], Dispatch] | None = None,
                 replays: Replays | None = None) -> None:
        """`dispatch_for(self)` builds the dispatch when it needs this service (the dispatcher chat reads
        responses back), instead of a ready `dispatch`. Responding is paid: `paywall` decides. `replays`
        remembers idempotency keys (core/responses/replay.py); without it a key is refused."""
        self._db = database
        self._replays = replays
        self._paywall = paywall
        self._cargos = cargos
        self._audit = audit
        self.dispatch = dispatch_for(self) if dispatch_for is not None else dispatch
        self._expire_hours = expire_hours

    # ---- the driver -------------------------------------------------------------------------------

    async def submit(self, driver: Driver, cargo_id: str, raw: Any, ip: str | None = None,
                     idempotency_key: str | None = None) -> tuple[ResponseView, bool]:
        """Create or update the driver's response; returns it and whether it was created. PaymentRequired
        without access. `raw` is the offer, or a function reading it: read after the paywall, so a driver
        without access hears that (402) before anything about the body (400). With `idempotency_key` a
        repeat answers what the first try did (core/responses/replay.py)."""
        if idempotency_key is None:
            return await self._submit(driver, cargo_id, raw, ip)
        if self._replays is None:
            raise InvalidInput("Повтор отклика по ключу не поддерживается", fields={"Idempotency-Key": "Не поддерживается"})
        claimed = await self._replays.claim(driver.telegram_id, idempotency_key, cargo_id)
        if isinstance(claimed, Earlier):
            return await self._repeat(driver, claimed, idempotency_key, raw)
        # shielded: Sanic cancels a handler whose client went away (the offline case) while the write in its
        # thread commits; the try still finishes and remembers its key, so the app's retry is answered as a repeat
        task = asyncio.ensure_future(self._first_try(claimed, driver, cargo_id, raw, ip))
        _FINISHING.add(task)  # held until done: after a cancelled request nothing else refers to it
        task.add_done_callback(_finished)
        return await asyncio.shield(task)

    async def _repeat(self, driver: Driver, earlier: Earlier, key: str, raw: Any) -> tuple[ResponseView, bool]:
        """What the first try of `key` answered, as it is now; another offer under the key is refused."""
        offer = parse_offer(raw() if callable(raw) else raw)
        check_same_offer(earlier, offer_digest(key, offer.rate_kopecks, offer.comment, offer.phone))
        view = await self.get(earlier.response_id)
        if view is None or view.driver_id != driver.telegram_id:
            raise NotFound("Отклика на этот груз нет")
        return view, earlier.created

    async def _first_try(self, claim: Claim, driver: Driver, cargo_id: str, raw: Any,
                         ip: str | None) -> tuple[ResponseView, bool]:
        try:
            view, created = await self._submit(driver, cargo_id, raw, ip)
        except Exception:  # not on cancellation: the shield lets this run on, and then it remembers
            await self._replays.release(claim)
            raise
        digest = offer_digest(claim.key, view.rate_kopecks, view.comment, view.phone)
        await self._replays.remember(claim, view.id, created, cargo_id, digest)
        return view, created

    async def _submit(self, driver: Driver, cargo_id: str, raw: Any, ip: str | None) -> tuple[ResponseView, bool]:
        await self._paywall.require(driver.telegram_id, Part.RESPOND)
        offer = parse_offer(raw() if callable(raw) else raw)
        detail = (await self._cargos.detail(cargo_id)).data  # NotFound if the load is gone; read only
        snapshot = json.dumps(_snapshot(detail), ensure_ascii=False)
        created, changed, previous, view = await self._db.run(lambda: self._upsert(driver, cargo_id, offer, snapshot))
        if changed:
            await self._audit.record(f"driver:{driver.telegram_id}", "response.created" if created else "response.updated",
                                     target=str(view.id), details={"cargo_id": cargo_id, "rate_rub": offer.rate_kopecks // 100}, ip=ip)
            await self._notify(view, "created" if created else "updated", previous)
        return view, created

    def _upsert(self, driver: Driver, cargo_id: str, offer: Offer, snapshot: str):
        for _ in range(3):  # a concurrent double tap loses the insert race and becomes an update
            try:
                with self._db.write_transaction():
                    row = Response.get_or_none((Response.driver == driver.telegram_id) & (Response.cargo_id == cargo_id))
                    now = utcnow()
                    if row is None:
                        row = Response.create(driver=driver.telegram_id, cargo_id=cargo_id, rate_kopecks=offer.rate_kopecks,
                                              comment=offer.comment, phone=offer.phone, status=SENT, cargo=snapshot,
                                              created_at=now, updated_at=now)
                        ResponseEvent.create(response=row, status=SENT, actor=f"driver:{driver.telegram_id}", created_at=now)
                        return True, True, None, ResponseView.of(row)
                    if row.status == ACCEPTED:
                        raise Conflict("Отклик уже принят диспетчером — изменить его нельзя")
                    previous = ResponseView.of(row)
                    same = (row.rate_kopecks, row.comment, row.phone) == (offer.rate_kopecks, offer.comment, offer.phone)
                    if same and row.status in ACTIVE:
                        return False, False, previous, previous  # a double tap: nothing to do
                    row.rate_kopecks, row.comment, row.phone = offer.rate_kopecks, offer.comment, offer.phone
                    row.status, row.cargo, row.updated_at = SENT, snapshot, now
                    row.version += 1
                    row.decided_by = row.decided_at = None
                    row.save()
                    ResponseEvent.create(response=row, status=SENT, actor=f"driver:{driver.telegram_id}",
                                         note=f"offer v{row.version}", created_at=now)
                    return False, True, previous, ResponseView.of(row)
            except peewee.IntegrityError:
                if not has_row(driver.telegram_id):  # not a race: the driver's row is gone
                    raise DriverGone() from None
                continue
        raise Conflict("Отклик изменился одновременно с другого устройства, повторите")

    async def withdraw(self, driver: Driver, cargo_id: str) -> ResponseView:
        row = await self._db.run(lambda: Response.get_or_none(
            (Response.driver == driver.telegram_id) & (Response.cargo_id == cargo_id)))
        if row is None:
            raise NotFound("Отклика на этот груз нет")
        view, changed = await self._change(row.id, WITHDRAWN, f"driver:{driver.telegram_id}", only_from=ACTIVE)
        if not changed and view.status != WITHDRAWN:
            raise Conflict(f"Отклик уже {status_word(view.status)}, отозвать нельзя")
        return view

    async def mine(self, driver_id: int, cargo_id: str | None = None, limit: int = 50) -> list[ResponseView]:
        def work():
            query = Response.select().where(Response.driver == driver_id)
            if cargo_id:
                query = query.where(Response.cargo_id == cargo_id)
            return [ResponseView.of(r) for r in query.order_by(Response.updated_at.desc(), Response.id.desc()).limit(limit)]

        return await self._db.run(work)

    # ---- the dispatchers --------------------------------------------------------------------------

    async def decide(self, response_id: int, action: str, actor: str) -> tuple[ResponseView, bool]:
        """Apply a dispatcher's button. The first decision wins: returns (response, whether it changed)."""
        status = DECISIONS.get(action)
        if status is None:
            raise InvalidInput("Неизвестное действие", fields={"action": action})
        only_from = (SENT,) if status == VIEWED else ACTIVE
        return await self._change(response_id, status, actor, only_from=only_from, decision=status != VIEWED)

    async def get(self, response_id: int) -> ResponseView | None:
        row = await self._db.run(lambda: Response.get_or_none(Response.id == response_id))
        return ResponseView.of(row) if row else None

    async def history(self, response_id: int) -> list[ResponseEvent]:
        return await self._db.run(lambda: list(
            ResponseEvent.select().where(ResponseEvent.response == response_id).order_by(ResponseEvent.id)))

    async def list(self, status: str | None = None, limit: int = 50) -> list[ResponseView]:
        def work():
            query = Response.select().order_by(Response.updated_at.desc(), Response.id.desc()).limit(limit)
            if status:
                query = query.where(Response.status == status)
            return [ResponseView.of(r) for r in query]

        return await self._db.run(work)

    async def set_dispatcher_message(self, response_id: int, message_id: int) -> None:
        await self._db.run(lambda: Response.update(dispatcher_message_id=message_id)
                           .where(Response.id == response_id).execute())

    async def driver(self, telegram_id: int) -> DriverRecord | None:
        return await self._db.run(lambda: DriverRecord.get_or_none(DriverRecord.telegram_id == telegram_id))

    # ---- expiry -------------------------------------------------------------------------------------

    async def expire_due(self, check_upstream: int = 50) -> int:
        """Expire responses nobody answered in time, and those whose load disappeared upstream."""
        cutoff = utcnow() - dt.timedelta(hours=self._expire_hours)
        active = await self._db.run(lambda: list(Response.select().where(Response.status.in_(ACTIVE))
                                                 .order_by(Response.updated_at)))
        expired = 0
        for row in active:
            reason = None
            if row.updated_at < cutoff:
                reason = "no answer in time"
            elif check_upstream > 0:
                check_upstream -= 1
                try:
                    await self._cargos.detail(row.cargo_id)
                except NotFound:
                    reason = "the load is gone upstream"
                except CargotoolError:
                    continue  # CargoTech unavailable: decide later
            if reason:
                _, changed = await self._change(row.id, EXPIRED, "system", only_from=ACTIVE, note=reason)
                expired += int(changed)
        return expired

    # ---- common -------------------------------------------------------------------------------------

    async def _change(self, response_id: int, status: str, actor: str, *, only_from: tuple[str, ...],
                      decision: bool = False, note: str | None = None) -> tuple[ResponseView, bool]:
        def work():
            with self._db.write_transaction():
                now = utcnow()
                values: dict = {"status": status, "updated_at": now}
                if decision:
                    values.update(decided_by=actor[:128], decided_at=now)
                changed = (Response.update(**values)
                           .where((Response.id == response_id) & (Response.status.in_(only_from))).execute())
                row = Response.get_or_none(Response.id == response_id)
                if row is None:
                    raise NotFound("Отклик не найден")
                if changed:
                    ResponseEvent.create(response=row, status=status, actor=actor[:128], note=note, created_at=now)
                return ResponseView.of(row), bool(changed)

        view, changed = await self._db.run(work)
        if changed:
            await self._audit.record(actor if ":" in actor else f"admin:{actor}", f"response.{status}",
                                     target=str(response_id), details={"note": note} if note else None)
            await self._notify(view, status)
        return view, changed

    async def _notify(self, view: ResponseView, event: str, previous: ResponseView | None = None) -> None:
        if self.dispatch is None:
            return
        try:
            await self.dispatch.response_changed(view, await self.driver(view.driver_id), event, previous)
        except Exception:  # queuing a message must never undo the stored response
            log.exception("could not queue messages for response %s", view.id)


STATUS_WORDS = {SENT: "отправлен", VIEWED: "просмотрен", ACCEPTED: "принят", DECLINED: "отклонён",
                WITHDRAWN: "отозван", EXPIRED: "истёк"}


def status_word(status: str) -> str:
    return STATUS_WORDS.get(status, status)
