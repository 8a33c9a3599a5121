"""Payments in Telegram Stars, beside YooKassa (Telegram's rule: digital services sold in bots and Mini
Apps are paid in Stars). The 30-day plan is a Stars subscription Telegram renews every 30 days; longer
plans are one-time invoices.

- A payment row is stored before `createInvoiceLink`; the invoice's payload is `cgt1:<row id>`, so
  everything Telegram sends back names our row (plan, driver and price are read from it, not trusted).
- `pre_checkout_query` is answered at once by the webhook (Telegram waits 10 s): the row must exist,
  belong to the payer, be unpaid, and its plan and price must still be on sale.
- `successful_payment` is the only place that gives access. One database transaction claims the row (or,
  for a renewal or a second payment of the same invoice, inserts a row of its own) with Telegram's
  unique `telegram_payment_charge_id`, inserts the (payment, "succeeded") effect and extends the
  subscription: the same update twice, or a retried webhook, fails the insert and changes nothing — but
  the follow-ups (cache drop, audit, «Оплата прошла») run again, idempotently, in case they failed before.
- Renewals arrive as new successful payments with `is_recurring` and the first invoice's payload; the
  subscription's first row keeps the charge id Telegram knows the subscription by (`editUserStarSubscription`
  turns renewal off and on), and each renewal row names it in a "renews:<first row id>" effect, so a refund
  stops the renewal of the refunded payment's own subscription, not of the driver's latest one.
- Refunds are whole (`refundStarPayment` has no amount); the subscription is shortened as for YooKassa.
  A subscription's renewal is turned off before the Stars go back; a renewal Telegram would not turn off
  is reported (`renewal_still_on`), and a repeated refund finishes the renewal stop and the cache drop.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any, Awaitable, Callable

import peewee

from ..audit import AuditLog
from ..errors import CargotoolError, InvalidInput, UpstreamUnavailable
from ..storage.db import Database
from ..storage.models import Payment, PaymentEffect, utcnow
from .flags import Flags
from .plans import Plan
from .stars_subscriptions import RENEWS, StarsSubscriptions
from .subscriptions import Subscriptions, extend_in_transaction

log = logging.getLogger(__name__)

CURRENCY = "XTR"
PERIOD_SECONDS = 2592000  # the only subscription period Telegram allows (30 days)
PAYLOAD_PREFIX = "cgt1:"
REUSE_MINUTES = 10
FLAG = "stars"

UNAVAILABLE = "Оплата звёздами сейчас недоступна. Оплатите картой или напишите в поддержку: /paysupport"
REFUSALS = {
    "unknown": "Счёт не найден. Откройте тарифы в приложении и оплатите заново.",
    "not_yours": "Этот счёт выставлен другому пользователю. Откройте тарифы в приложении.",
    "paid": "Этот счёт уже оплачен. Проверьте подписку командой /status.",
    "plan_gone": "Этого тарифа больше нет. Выберите тариф в приложении заново.",
    "price_changed": "Цена изменилась. Откройте тарифы в приложении и оплатите по новой цене.",
    "off": "Оплата звёздами сейчас недоступна. Оплатите картой в приложении.",
    "error": "Не удалось проверить счёт. Попробуйте ещё раз через минуту.",
}


class StarsUnavailable(CargotoolError):
    """Stars are switched off (flag), not priced for this plan, or the bot is not configured."""

    code = "stars_unavailable"


def payment_of(payload: Any) -> str | None:
    """Our payment id in an invoice payload, or None when the payload is not ours."""
    if isinstance(payload, str) and payload.startswith(PAYLOAD_PREFIX) and len(payload) <= 128:
        return payload[len(PAYLOAD_PREFIX):] or None
    return None


def invoice_params(plan: Plan, payment_id: str) -> dict[str, Any]:
    """createInvoiceLink's parameters: whole Stars, no provider token; the 30-day plan renews itself."""
    description = (f"Контакты грузов и отклики в приложении на {plan.days} дней"
                   + (". Продлевается каждые 30 дней, отключить можно в приложении" if plan.renews else ""))
    params: dict[str, Any] = {"title": f"Подписка: {plan.title}"[:32], "description": description[:255],
                              "payload": PAYLOAD_PREFIX + payment_id, "currency": CURRENCY,
                              "prices": [{"label": plan.title, "amount": plan.stars}]}
    if plan.renews:
        params["subscription_period"] = PERIOD_SECONDS
    return params


def _moment(stamp: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc) if isinstance(stamp, int) and stamp > 0 else None


class StarsPayments(StarsSubscriptions):
    def __init__(self, database: Database, plans: dict[str, Plan], flags: Flags, subscriptions: Subscriptions,
                 audit: AuditLog, api: Any, on_paid: Callable[[int, dt.datetime], Awaitable[None]] | None = None) -> None:
        """`api`: the Bot API client (`call(method, params)`), None without a bot token (no Stars then)."""
        super().__init__(database, subscriptions, audit, api)
        self._plans = plans
        self._flags = flags
        self.on_paid = on_paid

    async def enabled(self) -> bool:
        return self._api is not None and any(p.stars for p in self._plans.values()) and await self._flags.enabled(FLAG)

    # ---- the invoice ------------------------------------------------------------------------------

    async def create(self, driver_id: int, plan_id: Any, ip: str | None = None) -> Payment:
        """The driver's invoice link for a plan (a pending one younger than REUSE_MINUTES is reused)."""
        plan = self._plans.get(str(plan_id or ""))
        if plan is None:
            raise InvalidInput("Проверьте оплату", fields={"plan": "Выберите тариф: " + ", ".join(self._plans)})
        if plan.stars is None or not await self.enabled():
            raise StarsUnavailable(UNAVAILABLE)
        row = await self._db.run(lambda: self._reusable_or_new(driver_id, plan))
        if row.confirmation_url:
            return row
        try:
            link = await self._api.call("createInvoiceLink", invoice_params(plan, row.id))
        except CargotoolError as exc:
            log.warning("createInvoiceLink failed for payment %s: %s", row.id, exc.message)
            await self._db.run(lambda: Payment.update(status="canceled", updated_at=utcnow()).where(Payment.id == row.id).execute())
            raise UpstreamUnavailable("Telegram не выставил счёт. Попробуйте ещё раз через минуту") from None
        await self._db.run(lambda: Payment.update(status="pending", confirmation_url=str(link), updated_at=utcnow())
                           .where(Payment.id == row.id).execute())
        await self._audit.record(f"driver:{driver_id}", "payment.created", target=row.id, ip=ip,
                                 details={"method": "stars", "plan": plan.id, "stars": plan.stars, "subscription": plan.renews})
        return await self._db.run(lambda: Payment.get_by_id(row.id))

    def _reusable_or_new(self, driver_id: int, plan: Plan) -> Payment:
        with self._db.write_transaction():
            recent = utcnow() - dt.timedelta(minutes=REUSE_MINUTES)
            row = (Payment.select().where((Payment.driver == driver_id) & (Payment.method == "stars")
                                          & (Payment.plan_id == plan.id) & (Payment.stars == plan.stars)
                                          & (Payment.days == plan.days) & (Payment.status == "pending")
                                          & Payment.confirmation_url.is_null(False) & (Payment.created_at > recent))
                   .order_by(Payment.created_at.desc()).first())
            if row is not None:
                return row
            now = utcnow()
            return Payment.create(id=str(uuid.uuid4()), driver=driver_id, plan_id=plan.id, days=plan.days, amount_kopecks=0,
                                  status="new", method="stars", stars=plan.stars, created_at=now, updated_at=now)

    # ---- pre-checkout -----------------------------------------------------------------------------

    async def pre_checkout(self, query: dict[str, Any]) -> str | None:
        """Answer a pre_checkout_query at once (Telegram waits 10 s); returns the refusal, or None."""
        try:
            refusal = await self._refusal(query)
        except Exception:  # the database is away: the payment could not be recorded either
            log.warning("pre-checkout check failed", exc_info=True)
            refusal = "error"
        params: dict[str, Any] = {"pre_checkout_query_id": str(query.get("id", "")), "ok": refusal is None}
        if refusal is not None:
            params["error_message"] = REFUSALS[refusal]
            log.info("pre-checkout of %r refused: %s", query.get("invoice_payload"), refusal)
        if self._api is not None:
            try:
                await self._api.call("answerPreCheckoutQuery", params)
            except CargotoolError as exc:  # a redelivered query was answered already, or it is too old
                log.warning("could not answer a pre-checkout query: %s", exc.message)
        return refusal

    async def _refusal(self, query: dict[str, Any]) -> str | None:
        payment_id = payment_of(query.get("invoice_payload"))
        row = await self._db.run(lambda: Payment.get_or_none(Payment.id == payment_id)) if payment_id else None
        if row is None or row.method != "stars":
            return "unknown"
        if (query.get("from") or {}).get("id") != row.driver_id:
            return "not_yours"
        if row.status != "pending":
            return "paid" if row.status == "succeeded" else "unknown"
        plan = self._plans.get(row.plan_id)
        if plan is None or plan.days != row.days or plan.stars is None:
            return "plan_gone"
        if not await self.enabled():
            return "off"
        if query.get("currency") != CURRENCY or query.get("total_amount") != row.stars or plan.stars != row.stars:
            return "price_changed"
        return None

    # ---- successful payments ----------------------------------------------------------------------

    async def on_message(self, message: dict[str, Any], update_id: Any = None) -> bool:
        """The bot's hook for messages: handles a `successful_payment` service message."""
        paid = message.get("successful_payment")
        if not isinstance(paid, dict):
            return False
        payer = (message.get("from") or {}).get("id") or (message.get("chat") or {}).get("id")
        await self.record(payer, paid)
        return True

    async def record(self, payer: Any, paid: dict[str, Any]) -> dt.datetime | None:
        """Apply a successful payment once; returns the new end of access (None: nothing new)."""
        charge = paid.get("telegram_payment_charge_id")
        if paid.get("currency") != CURRENCY or not isinstance(charge, str) or not charge:
            log.warning("ignoring a successful payment that is not in Stars")
            return None
        payment_id = payment_of(paid.get("invoice_payload"))
        row = await self._db.run(lambda: Payment.get_or_none(Payment.id == payment_id)) if payment_id else None
        if row is None or row.method != "stars":
            log.error("Stars payment %s has an unknown payload: refund it by hand", charge)
            await self._audit.record("system:telegram", "payment.unknown", target=charge,
                                     details={"method": "stars", "payer": payer, "stars": paid.get("total_amount")})
            return None
        if payer != row.driver_id:
            log.warning("Stars payment %s: payer %s is not the invoice's driver %s", charge, payer, row.driver_id)
        stars = paid.get("total_amount") if isinstance(paid.get("total_amount"), int) else row.stars
        fields = {"telegram_payment_charge_id": charge, "status": "succeeded", "stars": stars,
                  "subscription_expiration_date": _moment(paid.get("subscription_expiration_date")),
                  # a renewal: Telegram may mark a subscription's first payment recurring too
                  "is_recurring": bool(paid.get("is_recurring")) and not paid.get("is_first_recurring"),
                  "updated_at": utcnow()}

        def work() -> tuple[str, dt.datetime] | None:
            try:
                with self._db.write_transaction():
                    claimed = Payment.update(**fields).where(
                        (Payment.id == row.id) & Payment.telegram_payment_charge_id.is_null()).execute()
                    target = row.id if claimed else str(uuid.uuid4())
                    if not claimed:  # a renewal, or the same invoice paid again: a row of its own
                        Payment.create(id=target, driver=row.driver_id, plan_id=row.plan_id, days=row.days,
                                       amount_kopecks=0, method="stars", created_at=fields["updated_at"], **fields)
                    PaymentEffect.create(payment=target, effect="succeeded")
                    if not claimed and fields["is_recurring"]:  # the payload's row is the subscription's first
                        PaymentEffect.create(payment=target, effect=RENEWS + row.id)
                    return target, extend_in_transaction(row.driver_id, row.days, "payment")
            except peewee.IntegrityError:  # this charge was applied before
                return None

        done = await self._db.run(work)
        if done is None:  # applied before: its follow-ups may have failed then (Redis, the audit log), so again
            done = await self._applied_before(charge, row.driver_id)
            if done is None:
                return None
            repeated = True
        else:
            repeated = False
        target, expires = done
        await self._subscriptions.forget(row.driver_id)
        await self._audit.record_once("system:telegram", "payment.succeeded", target=target, details={
            "method": "stars", "stars": stars, "charge_id": charge, "plan": row.plan_id,
            "recurring": fields["is_recurring"], "expires_at": expires.isoformat()})
        if self.on_paid is not None:  # the outbox drops a second message with the same key
            await self.on_paid(row.driver_id, expires)
        return None if repeated else expires

    async def _applied_before(self, charge: str, driver_id: int) -> tuple[str, dt.datetime] | None:
        """(our row, the end of access it gave) for a charge applied before. The end is the one its audit
        event recorded; without the event the follow-ups stopped before the message too (the audit comes
        first), so the subscription's end now is the one to tell."""
        stored = await self._db.run(lambda: Payment.get_or_none(
            (Payment.telegram_payment_charge_id == charge) & (Payment.method == "stars")))
        if stored is None:
            return None
        event = await self._audit.find(stored.id, "payment.succeeded")
        recorded = json.loads(event.details).get("expires_at") if event is not None else None
        if recorded:
            return stored.id, dt.datetime.fromisoformat(recorded)
        current = await self._subscriptions.access_end(driver_id)
        return (stored.id, current) if current else None

