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
from typing import Any, Awaitable, Callable, NamedTuple

import peewee

from ..audit import AuditLog
from ..errors import CargotoolError, InvalidInput, NotFound, UpstreamUnavailable
from ..storage.db import Database
from ..storage.models import Payment, PaymentEffect, Subscription, utcnow
from .flags import Flags
from .plans import Plan
from .subscriptions import Subscriptions, extend_in_transaction, shorten_in_transaction

log = logging.getLogger(__name__)

CURRENCY = "XTR"
PERIOD_SECONDS = 2592000  # the only subscription period Telegram allows (30 days)
PAYLOAD_PREFIX = "cgt1:"
REUSE_MINUTES = 10
FLAG = "stars"
RENEWS = "renews:"  # a renewal row's effect naming its subscription's first payment: "renews:<row id>"

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


class StarsRefund(NamedTuple):
    repeated: bool  # refunded before: no Stars sent now
    expires_at: dt.datetime | None  # the driver's end of access after this refund, when applied now
    renewal_still_on: bool  # Telegram did not accept turning the renewal off: the operator retries


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


class StarsPayments:
    def __init__(self, database: Database, plans: dict[str, Plan], flags: Flags, subscriptions: Subscriptions,
                 audit: AuditLog, api: Any, on_paid: Callable[[int, dt.datetime], Awaitable[None]] | None = None) -> None:
        """`api`: the Bot API client (`call(method, params)`), None without a bot token (no Stars then)."""
        self._db = database
        self._plans = plans
        self._flags = flags
        self._subscriptions = subscriptions
        self._audit = audit
        self._api = api
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
        current = await self._access_end(driver_id)
        return (stored.id, current) if current else None

    async def _access_end(self, driver_id: int) -> dt.datetime | None:
        """The driver's end of access in the database (not the cache)."""
        row = await self._db.run(lambda: Subscription.get_or_none(Subscription.driver == driver_id))
        return row.expires_at if row else None

    # ---- renewal ----------------------------------------------------------------------------------

    def _subscription_rows(self, driver_id: int) -> tuple[Payment, Payment] | None:
        """The driver's Stars subscription still in its period: (its latest payment, its first payment)."""
        latest = (Payment.select().where((Payment.driver == driver_id) & (Payment.method == "stars")
                                         & (Payment.status == "succeeded")
                                         & (Payment.subscription_expiration_date > utcnow()))
                  .order_by(Payment.subscription_expiration_date.desc()).first())
        return None if latest is None else (latest, self._head(latest))

    @staticmethod
    def _head(payment: Payment) -> Payment:
        """The first payment of the subscription `payment` belongs to: its row keeps the charge id Telegram
        knows the subscription by, and its renewal switch. A renewal names it in its "renews:" effect; a
        renewal stored before that link is matched to the driver's latest first payment of the same plan
        made at or before it."""
        if not payment.is_recurring:
            return payment
        link = PaymentEffect.get_or_none((PaymentEffect.payment == payment.id) & PaymentEffect.effect.startswith(RENEWS))
        first = Payment.get_or_none(Payment.id == link.effect[len(RENEWS):]) if link is not None else None
        if first is None:
            first = (Payment.select().where((Payment.driver == payment.driver_id) & (Payment.method == "stars")
                                            & (Payment.plan_id == payment.plan_id) & (Payment.is_recurring == False)  # noqa: E712
                                            & Payment.telegram_payment_charge_id.is_null(False)
                                            & (Payment.created_at <= payment.created_at))
                     .order_by(Payment.created_at.desc()).first())
        return first or payment

    async def renewal(self, driver_id: int) -> dict[str, Any] | None:
        """What the Mini App shows: the Stars subscription's renewal, or None without one."""
        rows = await self._db.run(lambda: self._subscription_rows(driver_id))
        if rows is None:
            return None
        latest, first = rows
        return {"method": "stars", "enabled": not first.renewal_canceled, "stars": latest.stars,
                "period_ends_at": latest.subscription_expiration_date.isoformat()}

    async def set_renewal(self, driver_id: int, enabled: bool, actor: str | None = None, ip: str | None = None) -> dict[str, Any]:
        """The driver's own switch: the renewal of their current Stars subscription."""
        rows = await self._db.run(lambda: self._subscription_rows(driver_id))
        if rows is None or self._api is None:
            raise NotFound("Подписки за звёзды с автопродлением нет")
        await self._set_head_renewal(rows[1], enabled, actor or f"driver:{driver_id}", ip)
        return await self.renewal(driver_id) or {}

    async def _set_head_renewal(self, head: Payment, enabled: bool, actor: str, ip: str | None = None) -> None:
        """Turn the renewal of the subscription whose first payment is `head` on or off, at Telegram and in
        head's row."""
        try:
            await self._api.call("editUserStarSubscription", {"user_id": head.driver_id, "is_canceled": not enabled,
                                                              "telegram_payment_charge_id": head.telegram_payment_charge_id})
        except CargotoolError as exc:
            log.warning("editUserStarSubscription failed: %s", exc.message)
            raise UpstreamUnavailable("Telegram не принял изменение. Попробуйте ещё раз через минуту") from None
        await self._db.run(lambda: Payment.update(renewal_canceled=not enabled, updated_at=utcnow())
                           .where(Payment.id == head.id).execute())
        await self._audit.record(actor, "subscription.renewal", target=head.id, ip=ip,
                                 details={"method": "stars", "enabled": enabled})

    # ---- refunds ----------------------------------------------------------------------------------

    async def paid_payment(self, ref: str) -> Payment | None:
        """A Stars payment by our id or Telegram's charge id (None: not a Stars payment)."""
        ref = ref.strip()
        return await self._db.run(lambda: Payment.get_or_none(
            ((Payment.id == ref) | (Payment.telegram_payment_charge_id == ref)) & (Payment.method == "stars")))

    async def refund(self, payment: Payment, reason: str, actor: str, ip: str | None = None) -> StarsRefund:
        """Give all of a Stars payment back (`refundStarPayment`) and shorten the subscription by its days,
        once. A subscription's renewal is turned off first (Telegram would charge a refunded driver again);
        that and the cache drop run on a repeated request too, so the operator's retry finishes them."""
        charge = payment.telegram_payment_charge_id
        if payment.status != "succeeded" or not charge:
            raise InvalidInput(f"Вернуть можно только оплаченный платёж (этот: {payment.status})",
                               fields={"payment_id": "платёж не оплачен"})
        if self._api is None:
            raise UpstreamUnavailable("Бот не настроен: звёзды вернуть нельзя")
        renewal_still_on = await self._stop_renewal_for_refund(payment, actor)
        expires = None if payment.refunded_stars else await self._refund_once(payment, reason, actor, ip)
        repeated = expires == "duplicate" or bool(payment.refunded_stars)
        await self._subscriptions.forget(payment.driver_id)
        end = await self._access_end(payment.driver_id) if repeated else expires  # a retry: the end it left
        await self._audit.record_once(actor, "payment.refunded", target=payment.id, details={
            "method": "stars", "stars": payment.stars, "charge_id": charge,
            "expires_at": end.isoformat() if end else None})
        return StarsRefund(repeated, None if repeated else expires, renewal_still_on)

    async def _refund_once(self, payment: Payment, reason: str, actor: str, ip: str | None) -> dt.datetime | None | str:
        """refundStarPayment, then the (payment, refund:<charge>) effect; "duplicate" when it was applied before."""
        charge = payment.telegram_payment_charge_id
        await self._audit.record(actor, "payment.refund_requested", target=payment.id, ip=ip,
                                 details={"method": "stars", "stars": payment.stars, "charge_id": charge, "reason": reason})
        try:
            await self._api.call("refundStarPayment", {"user_id": payment.driver_id, "telegram_payment_charge_id": charge})
        except CargotoolError as exc:
            if "CHARGE_ALREADY_REFUNDED" not in exc.message:
                log.warning("refundStarPayment failed: %s", exc.message)
                raise UpstreamUnavailable(f"Telegram не вернул звёзды: {exc.message}") from None

        def work() -> dt.datetime | None | str:
            try:
                with self._db.write_transaction():
                    PaymentEffect.create(payment=payment.id, effect=f"refund:{charge}"[:80])
                    Payment.update(refunded_stars=payment.stars or 0, updated_at=utcnow()).where(Payment.id == payment.id).execute()
                    return shorten_in_transaction(payment.driver_id, payment.days)
            except peewee.IntegrityError:
                return "duplicate"

        return await self._db.run(work)

    async def renewal_left_on(self, payments: list[Payment]) -> set[str]:
        """Of these payments, the refunded Stars ones whose subscription still renews (a retried refund
        turns it off)."""
        now = utcnow()
        refunded = [p for p in payments if p.method == "stars" and p.refunded_stars
                    and p.subscription_expiration_date and p.subscription_expiration_date > now]

        def work() -> set[str]:
            left_on = set()
            for payment in refunded:
                if not self._head(payment).renewal_canceled:
                    left_on.add(payment.id)
            return left_on

        return await self._db.run(work) if refunded else set()

    async def _stop_renewal_for_refund(self, payment: Payment, actor: str) -> bool:
        """Turn off the renewal of the subscription a refunded payment belongs to (the driver asked for
        their money back). Returns True when it is still on because Telegram did not accept the change."""
        if not (payment.subscription_expiration_date and payment.subscription_expiration_date > utcnow()):
            return False
        head = await self._db.run(lambda: self._head(payment))
        if head.renewal_canceled:
            return False
        try:
            await self._set_head_renewal(head, False, actor)
        except CargotoolError as exc:
            log.warning("renewal of driver %s still on for a refund: %s", payment.driver_id, exc.message)
            return True
        return False
