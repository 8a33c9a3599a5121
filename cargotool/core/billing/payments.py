"""Payments for subscriptions. Money rules: a paid driver is never left without access, nobody gets
access without paying, and nothing is counted twice.

- A payment row is stored *before* YooKassa is called; the Idempotence-Key is derived from its id, so a
  retried create never makes a second payment. A pending payment for the same driver, plan and promo
  younger than REUSE_MINUTES is handed back instead of a new one.
- Notifications are not signed: the webhook accepts only YooKassa's networks, and nothing in the body
  is trusted — the payment (or refund) is fetched from the API by id, and its status, amount, currency
  and metadata are checked against our row.
- Effects are exactly-once: a unique (payment, effect) row is inserted in the same transaction that
  extends or shortens the subscription; a duplicate delivery fails that insert and changes nothing — but
  the follow-ups (cache drop, audit, «Оплата прошла») run again, idempotently, in case they failed before.
- Missed notifications: `reconcile()` re-fetches payments still pending after some minutes, and compares
  YooKassa's `refunded_amount` with ours to apply refunds whose notification was lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from typing import Any, Awaitable, Callable

import peewee

from ..audit import AuditLog
from ..errors import CargotoolError, InvalidInput, NotConfigured, NotFound
from ..storage.db import Database
from ..storage.models import DriverRecord, Payment, PaymentEffect, Refund, utcnow
from .gateway import RemotePayment, YooKassaGateway
from .plans import Plan
from .promo import PromoCodes, PromoView, discounted, normalise_code
from .receipts import ReceiptContacts, build_receipt, contact_from
from .subscriptions import Subscriptions, extend_in_transaction
from .yookassa_refunds import OPEN_REFUND, Outcome, YooKassaRefunds

log = logging.getLogger(__name__)

REUSE_MINUTES = 10
OPEN = ("new", "pending", "waiting_for_capture")
CARD_UNAVAILABLE = "Оплата картой сейчас недоступна. Напишите в поддержку: /paysupport"
# A payment re-delivered within this (YooKassa retries for 24 h) re-sends «Оплата прошла» in case it failed:
# the outbox drops the repeat (same key) for 7 days; a replay weeks later does not tell the driver again.
RETELL_WITHIN = dt.timedelta(days=2)


class Payments(YooKassaRefunds):
    def __init__(self, database: Database, gateway: YooKassaGateway, plans: dict[str, Plan],
                 subscriptions: Subscriptions, audit: AuditLog, *, return_url: str, receipt: bool = False,
                 vat_code: int = 1, reservation_minutes: int = 60, on_paid: Callable[[int, dt.datetime], Awaitable[None]] | None = None) -> None:
        super().__init__(database, gateway, subscriptions, audit)
        self.plans = plans
        self._return_url = return_url
        self._receipt = receipt
        self.contacts = ReceiptContacts(database)
        self._vat_code = vat_code
        self._reservation_minutes = reservation_minutes
        self.on_paid = on_paid

    # ---- creating ---------------------------------------------------------------------------------

    async def create(self, driver_id: int, raw: Any, ip: str | None = None) -> Payment:
        if not isinstance(raw, dict):
            raise InvalidInput("Нужен JSON-объект", fields={"body": "Ожидался объект"})
        plan = self.plans.get(str(raw.get("plan", "")))
        errors: dict[str, str] = {}
        if plan is None:
            errors["plan"] = "Выберите тариф: " + ", ".join(self.plans)
        code = raw.get("promo_code")
        if code is not None and (not isinstance(code, str) or not code.strip()):
            errors["promo_code"] = "Промокод — это текст"
        try:
            contact = contact_from(raw)
        except InvalidInput as exc:
            contact, errors = {}, {**errors, **(exc.fields or {})}
        if self._receipt and not contact and not errors:
            contact = await self.contacts.get(driver_id)  # what the driver gave last time
            if not contact:
                errors["email"] = "Для чека нужен e-mail или телефон"
        if errors:
            raise InvalidInput("Проверьте оплату", fields=errors)
        if not self.gateway.configured:  # before anything is stored: without a shop, no payment row
            log.warning("a driver asked to pay by card, but YooKassa is not configured (YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY)")
            raise NotConfigured(CARD_UNAVAILABLE)
        if contact:
            await self.contacts.remember(driver_id, contact)
        row, promo = await self._db.run(lambda: self._reusable_or_new(driver_id, plan, normalise_code(code) if code else None))
        if row.confirmation_url:
            return row
        try:
            remote = await self.gateway.create(
                amount_kopecks=row.amount_kopecks, description=f"Подписка cargotool: {plan.title}",
                return_url=self._return_url, metadata={"payment_id": row.id, "driver_id": str(driver_id), "plan": plan.id},
                idempotency_key=f"cargotool-{row.id}", receipt=self._receipt_for(plan, row.amount_kopecks, contact),
            )
        except (Exception, asyncio.CancelledError) as exc:
            await asyncio.shield(self._abandon(row, exc))
            raise
        await self._db.run(lambda: Payment.update(yookassa_id=remote.id, status=remote.status,
                                                  confirmation_url=remote.confirmation_url, updated_at=utcnow())
                           .where(Payment.id == row.id).execute())
        await self._audit.record(f"driver:{driver_id}", "payment.created", target=row.id, ip=ip,
                                 details={"plan": plan.id, "amount_kopecks": row.amount_kopecks,
                                          "promo": promo.code if promo else None, "yookassa_id": remote.id})
        return await self._db.run(lambda: Payment.get_by_id(row.id))

    async def _abandon(self, row: Payment, exc: BaseException) -> None:
        """YooKassa's create failed: the row is canceled and its code's reservation given back in one
        transaction, so a retry makes a new row (a new Idempotence-Key: its body may differ, e.g. another
        receipt contact). Should YooKassa have made the payment after all, nobody has its page; were it
        paid, `apply` still honours it (found by metadata)."""
        def work() -> bool:
            with self._db.write_transaction():
                canceled = (Payment.update(status="canceled", updated_at=utcnow())
                            .where((Payment.id == row.id) & (Payment.status == "new")).execute())
                if canceled and row.promo_code:
                    PromoCodes.release_in_transaction(row.promo_code, row.driver_id, row.id)
                return bool(canceled)

        if await self._db.run(work):
            await self._audit.record(f"driver:{row.driver_id}", "payment.create_failed", target=row.id,
                                     details={"error": type(exc).__name__, "promo": row.promo_code})

    def _reusable_or_new(self, driver_id: int, plan: Plan, code: str | None) -> tuple[Payment, PromoView | None]:
        """An open payment YooKassa accepted (it has a page) for the same driver, plan and code to hand
        back, or a new row (holding a reservation of the code), in one write transaction. A row still
        `new` is never handed back: its create may be in flight with another body under its key."""
        with self._db.write_transaction():
            now = utcnow()
            promo = PromoCodes.discount_in_transaction(code, now) if code else None
            amount = discounted(plan.price_kopecks, promo)
            since = now - dt.timedelta(minutes=min(REUSE_MINUTES, self._reservation_minutes))
            existing = (Payment.select()
                        .where((Payment.driver == driver_id) & (Payment.plan_id == plan.id) & (Payment.status.in_(OPEN))
                               & (Payment.promo_code.is_null() if code is None else Payment.promo_code == code)
                               & (Payment.created_at > since) & (Payment.amount_kopecks == amount)
                               & Payment.confirmation_url.is_null(False))
                        .order_by(Payment.created_at.desc()).first())
            if existing:
                return existing, promo
            DriverRecord.insert(telegram_id=driver_id, first_name="").on_conflict_ignore().execute()
            row = Payment.create(id=str(uuid.uuid4()), driver=driver_id, plan_id=plan.id, days=plan.days,
                                 amount_kopecks=amount, promo_code=code, status="new", created_at=now)
            if code:
                PromoCodes.reserve_in_transaction(code, driver_id, row.id, now,
                                                  now + dt.timedelta(minutes=self._reservation_minutes))
            return row, promo

    @property
    def receipts_on(self) -> bool:
        return self._receipt

    async def refund_receipt(self, payment: Payment, amount: int) -> dict[str, Any] | None:
        """The 54-FZ receipt of a refund, to the driver's receipt contact (None while receipts are off)."""
        contact = await self.contacts.get(payment.driver_id) if self._receipt else None
        if not contact:
            return None
        return build_receipt(contact, f"Подписка cargotool: {Plan(payment.plan_id, payment.days, 0).title}", amount, self._vat_code)

    def _receipt_for(self, plan: Plan, amount: int, contact: dict[str, str]) -> dict[str, Any] | None:
        return build_receipt(contact, f"Подписка cargotool: {plan.title}", amount, self._vat_code) if self._receipt else None

    # ---- applying what YooKassa says -----------------------------------------------------------------

    async def handle_notification(self, body: Any, actor: str = "system", ip: str | None = None) -> Outcome | None:
        """A webhook body: only its event and object id are read; the rest comes from the API."""
        if not isinstance(body, dict) or body.get("type") != "notification" or not isinstance(body.get("object"), dict):
            raise InvalidInput("Not a YooKassa notification", fields={"type": "notification expected"})
        event, object_id = body.get("event"), body["object"].get("id")
        if not isinstance(event, str) or not isinstance(object_id, str) or not object_id:
            raise InvalidInput("Not a YooKassa notification", fields={"object.id": "required"})
        await self._audit.record(actor, "payment.webhook", target=object_id, details={"event": event}, ip=ip)
        if event.startswith("payment."):
            return await self.apply(await self.gateway.find(object_id), actor)
        if event == "refund.succeeded":
            return await self.apply_refund(await self.gateway.find_refund(object_id), actor)
        log.info("ignoring YooKassa event %s", event)
        return None

    async def replay(self, yookassa_id: str, actor: str = "cli") -> Outcome:
        return await self.apply(await self.gateway.find(yookassa_id), actor)

    async def apply(self, remote: RemotePayment, actor: str = "system") -> Outcome:
        row = await self._db.run(lambda: Payment.get_or_none(Payment.yookassa_id == remote.id)
                                 or Payment.get_or_none(Payment.id == str(remote.metadata.get("payment_id", ""))))
        if row is None:
            raise NotFound(f"No payment of ours for YooKassa payment {remote.id}")
        problem = self._mismatch(row, remote)
        if problem:
            await self._audit.record(actor, "payment.mismatch", target=row.id, details={"problem": problem, "yookassa_id": remote.id})
            log.error("payment %s does not match YooKassa's: %s", row.id, problem)
            return Outcome(row.id, row.status, False)
        if remote.status == "succeeded":
            return await self._effect(row, remote, "succeeded", actor)
        if remote.status == "canceled":
            return await self._effect(row, remote, "canceled", actor)
        if remote.status != row.status:
            await self._db.run(lambda: Payment.update(status=remote.status, yookassa_id=remote.id, updated_at=utcnow())
                               .where((Payment.id == row.id) & (Payment.status.in_(OPEN))).execute())
        return Outcome(row.id, remote.status, False)

    @staticmethod
    def _mismatch(row: Payment, remote: RemotePayment) -> str | None:
        if str(remote.metadata.get("payment_id", "")) != row.id:
            return "metadata.payment_id differs"
        if str(remote.metadata.get("driver_id", "")) != str(row.driver_id):
            return "metadata.driver_id differs"
        if remote.currency != "RUB" or remote.amount_kopecks != row.amount_kopecks:
            return f"amount {remote.amount_kopecks} {remote.currency} != {row.amount_kopecks} RUB"
        return None

    async def _effect(self, row: Payment, remote: RemotePayment, effect: str, actor: str) -> Outcome:
        def work():
            try:
                with self._db.write_transaction():
                    PaymentEffect.create(payment=row.id, effect=effect)
                    Payment.update(status=effect, yookassa_id=remote.id, updated_at=utcnow()).where(Payment.id == row.id).execute()
                    if effect != "succeeded":
                        if row.promo_code:
                            PromoCodes.release_in_transaction(row.promo_code, row.driver_id, row.id)
                        return None, True
                    reserved = (PromoCodes.consume_in_transaction(row.promo_code, row.driver_id, row.id)
                                if row.promo_code else True)
                    return extend_in_transaction(row.driver_id, row.days, "payment"), reserved
            except peewee.IntegrityError:
                return "duplicate"

        done = await self._db.run(work)
        if done == "duplicate":  # applied before: its follow-ups may have failed then (Redis, the audit log), so again
            result, recent = await self._end_given(row, effect) if effect == "succeeded" else (None, False)
            await self._follow_up(row, remote, effect, actor, result, True, tell=recent)
            return Outcome(row.id, effect, False)
        result, reserved = done
        await self._follow_up(row, remote, effect, actor, result, reserved, tell=True)
        return Outcome(row.id, effect, True, result)

    async def _follow_up(self, row: Payment, remote: RemotePayment, effect: str, actor: str,
                         result: dt.datetime | None, reserved: bool, *, tell: bool) -> None:
        """What comes after an effect's transaction; idempotent, so a retried delivery runs it again: the
        audit event is recorded once, and the outbox drops a second «Оплата прошла» with the same end."""
        await self._subscriptions.forget(row.driver_id)
        details = {"yookassa_id": remote.id, "amount_kopecks": row.amount_kopecks}
        if result is not None:
            details["expires_at"] = result.isoformat()
        if not reserved:  # its reservation had timed out: honoured, and counted past the cap if need be
            details["promo_honoured_without_reservation"] = row.promo_code
        await self._audit.record_once(actor, f"payment.{effect}", target=row.id, details=details)
        if tell and effect == "succeeded" and self.on_paid is not None and result is not None:
            await self.on_paid(row.driver_id, result)

    async def _end_given(self, row: Payment, effect: str) -> tuple[dt.datetime | None, bool]:
        """(the end of access an effect applied before gave, whether it was applied within RETELL_WITHIN).
        The end is the one its audit event recorded; without the event the follow-ups stopped before the
        message too (the audit comes first), so the subscription's end now is the one to tell."""
        applied = await self._db.run(lambda: PaymentEffect.get_or_none(
            (PaymentEffect.payment == row.id) & (PaymentEffect.effect == effect)))
        recent = applied is not None and applied.created_at > utcnow() - RETELL_WITHIN
        event = await self._audit.find(row.id, f"payment.{effect}")
        recorded = json.loads(event.details).get("expires_at") if event is not None else None
        if recorded:
            return dt.datetime.fromisoformat(recorded), recent
        return await self._subscriptions.access_end(row.driver_id), recent

    async def find(self, ref: str) -> Payment:
        """A payment by YooKassa's id, Telegram's charge id (Stars) or ours."""
        ref = ref.strip()
        row = await self._db.run(lambda: Payment.get_or_none((Payment.yookassa_id == ref) | (Payment.id == ref)
                                                             | (Payment.telegram_payment_charge_id == ref)))
        if row is None:
            raise NotFound(f"Платёж {ref} не найден")
        return row

    # ---- operations -----------------------------------------------------------------------------------

    async def reconcile(self, older_than_minutes: int = 10, limit: int = 200, *, refund_days: int | None = None,
                        payment_refs: tuple[str, ...] = ()) -> list[Outcome]:
        """Repair lost webhooks: re-fetch payments still open after some minutes and apply what YooKassa
        says; compare the refunds of payments with a refund of ours still open and, with `refund_days`,
        of every payment that succeeded in those days. Each payment in `payment_refs` (any age or status)
        gets both checks. Returns an outcome per open payment checked and per refund applied."""
        cutoff = utcnow() - dt.timedelta(minutes=older_than_minutes)
        rows = await self._db.run(lambda: list(Payment.select().where(
            (Payment.status.in_(OPEN)) & Payment.yookassa_id.is_null(False) & (Payment.created_at < cutoff))
            .order_by(Payment.created_at).limit(limit)))
        given = [await self.find(ref) for ref in payment_refs]
        seen = {row.id for row in rows}
        outcomes = []
        for row in rows + [r for r in given if r.yookassa_id and r.id not in seen]:
            try:
                outcomes.append(await self.apply(await self.gateway.find(row.yookassa_id), "system:reconcile"))
            except CargotoolError as exc:
                log.warning("reconcile of %s failed: %s", row.id, exc.message)
        for row in await self._refund_candidates(refund_days, [r.id for r in given], limit):
            try:
                outcomes.extend(await self.sync_refunds(row, "system:reconcile"))
            except CargotoolError as exc:
                log.warning("refund reconcile of %s failed: %s", row.id, exc.message)
        return outcomes

    async def _refund_candidates(self, days: int | None, given: list[str], limit: int) -> list[Payment]:
        def work():
            wanted = Payment.id.in_(Refund.select(Refund.payment).where(Refund.status.in_(OPEN_REFUND)))
            if given:
                wanted |= Payment.id.in_(given)
            if days is not None:
                wanted |= Payment.created_at >= utcnow() - dt.timedelta(days=days)
            return list(Payment.select()
                        .where((Payment.status == "succeeded") & Payment.yookassa_id.is_null(False) & wanted)
                        .order_by(Payment.created_at.desc()).limit(limit))

        return await self._db.run(work)

    async def list(self, status: str | None = None, limit: int = 50) -> list[Payment]:
        def work():
            query = Payment.select().order_by(Payment.created_at.desc()).limit(limit)
            if status:
                query = query.where(Payment.status == status)
            return list(query)

        return await self._db.run(work)
