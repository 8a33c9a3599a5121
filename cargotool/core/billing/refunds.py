"""Refunds an operator starts (`cargotool payments refund`, the admin screen).

- Idempotent: a request is identified by (payment, amount or "the rest", reason); repeating it returns the
  refund already made instead of a second one. Our row is stored before YooKassa is called and its id
  derives the Idempotence-Key, so a retried call never refunds twice either.
- The amount may not exceed what is left (the payment minus what YooKassa refunded and refunds of ours
  still open); YooKassa's list is read first, so a refund made in its dashboard counts too.
- The effect (the subscription shortened by the refunded share) is the same exactly-once effect the
  webhook and reconcile apply (`Payments.apply_refund`, keyed by YooKassa's refund id): whichever comes
  first applies it, the others change nothing.
- Telegram Stars payments go back whole through `StarsPayments.refund` (`refundStarPayment` takes no
  amount), once: the (payment, refund:<charge id>) effect row.
- A request repeated after YooKassa answered is never sent again: its refund is fetched by id. One whose
  answer was lost is sent again (same key) only within RESEND_WITHIN; later it is marked `check` (see
  `Payments.sync_refunds`) and the operator is told to look in YooKassa's dashboard.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

import peewee

from ..audit import AuditLog
from ..errors import CargotoolError, InvalidInput
from ..storage.db import Database
from ..storage.models import Payment, Refund, utcnow
from .payments import Payments
from .yookassa_refunds import NEEDS_CHECK, OPEN_REFUND, RESEND_WITHIN
from .stars import StarsPayments


RENEWAL_STILL_ON = ("Автопродление подписки не отключено: Telegram не принял изменение. Повторите возврат — "
                    "звёзды второй раз не уйдут, будет повторено только отключение автопродления")
MAX_REASON = 500  # characters; YooKassa gets the first 250 as the refund's description


class RefundNeedsCheck(CargotoolError):
    code = "refund_needs_check"


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    yookassa_id: str | None
    payment_id: str
    amount_kopecks: int
    status: str  # pending | succeeded | canceled
    repeated: bool  # the same request was made before: nothing new was sent
    expires_at: dt.datetime | None = None  # the subscription's end after this refund, when applied now
    stars: int | None = None  # a Telegram Stars payment's refund: the Stars given back
    renewal_still_on: bool = False  # a Stars subscription whose renewal Telegram did not turn off: retry


    def public(self) -> dict:
        body = {"refund_id": self.refund_id, "yookassa_id": self.yookassa_id, "payment_id": self.payment_id,
                "amount_rub": self.amount_kopecks / 100, "status": self.status, "repeated": self.repeated,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None}
        if self.stars is not None:
            body["stars"] = self.stars
            body["renewal_still_on"] = self.renewal_still_on
            if self.renewal_still_on:
                body["warning"] = RENEWAL_STILL_ON
        return body


def request_key(payment_id: str, amount_kopecks: int | None, reason: str) -> str:
    text = f"{payment_id}|{amount_kopecks if amount_kopecks is not None else 'rest'}|{' '.join(reason.casefold().split())}"
    return hashlib.sha256(text.encode()).hexdigest()


class Refunds:
    def __init__(self, database: Database, payments: Payments, audit: AuditLog, stars: StarsPayments | None = None) -> None:
        self._db = database
        self._payments = payments
        self._audit = audit
        self._stars = stars

    async def start(self, payment_ref: str, reason: str, amount_kopecks: int | None = None, actor: str = "cli",
                    ip: str | None = None) -> RefundResult:
        """Refund `amount_kopecks` (default: all that is left) of a succeeded payment, given by YooKassa's
        id or ours."""
        errors = {}
        if not isinstance(reason, str) or not reason.strip():
            errors["reason"] = "Укажите причину возврата"
        elif len(reason.strip()) > MAX_REASON:
            errors["reason"] = f"Не длиннее {MAX_REASON} символов"
        if amount_kopecks is not None and amount_kopecks < 1:
            errors["amount_rub"] = "Сумма больше нуля"
        if errors:
            raise InvalidInput("Проверьте возврат", fields=errors)
        reason = reason.strip()
        stars_payment = await self._stars.paid_payment(payment_ref) if self._stars is not None else None
        if stars_payment is not None:
            return await self._refund_stars(stars_payment, reason, amount_kopecks, actor, ip)
        self._payments.gateway.require()
        payment = await self._payments.find(payment_ref)
        if payment.status != "succeeded" or not payment.yookassa_id:
            raise InvalidInput(f"Вернуть можно только оплаченный платёж (этот: {payment.status})",
                               fields={"payment_id": "платёж не оплачен"})
        await self._payments.sync_refunds(payment, actor)  # YooKassa's refunds first: what is left is then true
        key = request_key(payment.id, amount_kopecks, reason)
        row, created = await self._db.run(lambda: self._stored(payment, key, amount_kopecks, reason, actor))
        if not created and row.yookassa_id is None and row.status == "new" and row.created_at < utcnow() - RESEND_WITHIN:
            await self._payments.needs_check(row, actor)
            row = await self._db.run(lambda: Refund.get_by_id(row.id))
        if row.status == NEEDS_CHECK:
            raise RefundNeedsCheck(f"Возврат {row.id} запрошен {row.created_at:%Y-%m-%d %H:%M} UTC, ответ YooKassa "
                                   "потерян; повторная отправка могла бы вернуть деньги дважды. Проверьте его в "
                                   "личном кабинете YooKassa")
        if not created and row.status not in OPEN_REFUND:
            if row.status == "succeeded" and row.yookassa_id:  # applied once; finishes follow-ups that failed then
                await self._payments.apply_refund(await self._payments.gateway.find_refund(row.yookassa_id), actor)
            return RefundResult(row.id, row.yookassa_id, payment.id, row.amount_kopecks, row.status, True)
        if row.yookassa_id:  # YooKassa answered before: ask it, never send again
            remote = await self._payments.gateway.find_refund(row.yookassa_id)
        else:
            try:
                remote = await self._payments.gateway.refund(
                    payment_id=payment.yookassa_id, amount_kopecks=row.amount_kopecks, description=reason,
                    idempotency_key=f"cargotool-refund-{row.id}",
                    receipt=await self._payments.refund_receipt(payment, row.amount_kopecks))
            except InvalidInput:  # YooKassa refused it: it will never happen, so it no longer holds any amount
                await self._db.run(lambda: Refund.update(status="canceled", updated_at=utcnow()).where(Refund.id == row.id).execute())
                raise
        await self._db.run(lambda: Refund.update(yookassa_id=remote.id, status=remote.status, updated_at=utcnow())
                           .where((Refund.id == row.id) & Refund.status.in_(OPEN_REFUND)).execute())
        if created:
            await self._audit.record(actor, "payment.refund_requested", target=payment.id, ip=ip,
                                     details={"refund_id": row.id, "yookassa_refund_id": remote.id,
                                              "amount_kopecks": row.amount_kopecks, "reason": reason})
        outcome = await self._payments.apply_refund(remote, actor)
        return RefundResult(row.id, remote.id, payment.id, row.amount_kopecks, remote.status, not created,
                            outcome.expires_at if outcome and outcome.applied else None)

    async def _refund_stars(self, payment: Payment, reason: str, amount_kopecks: int | None, actor: str,
                            ip: str | None) -> RefundResult:
        if amount_kopecks is not None:
            raise InvalidInput("Звёзды возвращаются только целиком: не указывайте сумму",
                               fields={"amount_rub": "звёзды возвращаются целиком"})
        done = await self._stars.refund(payment, reason, actor, ip)
        return RefundResult(payment.telegram_payment_charge_id or payment.id, None, payment.id, 0, "succeeded",
                            done.repeated, done.expires_at, stars=payment.stars, renewal_still_on=done.renewal_still_on)

    def _stored(self, payment: Payment, key: str, amount: int | None, reason: str, actor: str) -> tuple[Refund, bool]:
        """This request's row: the one made before, or a new one if the amount is still there to refund.
        Requests for one payment are serialised (SQLite: the write lock; PostgreSQL: the payment row's)."""
        try:
            with self._db.write_transaction():
                return self._stored_in_transaction(payment, key, amount, reason, actor)
        except peewee.IntegrityError:  # the same request, made at the same moment elsewhere
            return Refund.get(Refund.request_key == key), False

    def _stored_in_transaction(self, payment: Payment, key: str, amount: int | None, reason: str,
                               actor: str) -> tuple[Refund, bool]:
        locked = Payment.select().where(Payment.id == payment.id)
        if self._db.is_postgres:
            locked = locked.for_update()
        refunded = locked.get().refunded_kopecks
        existing = Refund.get_or_none(Refund.request_key == key)
        if existing is not None:
            return existing, False
        waiting = sum(r.amount_kopecks for r in Refund.select().where(
            (Refund.payment == payment.id) & Refund.status.in_(OPEN_REFUND)))
        left = payment.amount_kopecks - refunded - waiting
        if left <= 0:
            raise InvalidInput("Этот платёж уже возвращён полностью", fields={"amount_rub": "нечего возвращать"})
        if amount is not None and amount > left:
            raise InvalidInput(f"Вернуть можно не больше {left // 100}.{left % 100:02d} ₽",
                               fields={"amount_rub": f"не больше {left // 100}.{left % 100:02d}"})
        now = utcnow()
        row = Refund.create(id=str(uuid.uuid4()), payment=payment.id, request_key=key, amount_kopecks=amount or left,
                            reason=reason, status="new", actor=actor, created_at=now, updated_at=now)
        return row, True
