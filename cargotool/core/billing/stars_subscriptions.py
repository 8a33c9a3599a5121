"""A Stars subscription after its payment: the renewal switch (the driver's, and turning it off for a
refund) and refunds, which are whole (`refundStarPayment` has no amount) and shorten the subscription by
the payment's days once. `StarsPayments` (stars.py: invoices, pre-checkout, successful payments) builds
on this.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, NamedTuple

import peewee

from ..audit import AuditLog
from ..errors import CargotoolError, InvalidInput, NotFound, UpstreamUnavailable
from ..storage.db import Database
from ..storage.models import Payment, PaymentEffect, utcnow
from .subscriptions import Subscriptions, shorten_in_transaction

log = logging.getLogger(__name__)

RENEWS = "renews:"  # a renewal row's effect naming its subscription's first payment: "renews:<row id>"


class StarsRefund(NamedTuple):
    repeated: bool  # refunded before: no Stars sent now
    expires_at: dt.datetime | None  # the driver's end of access after this refund, when applied now
    renewal_still_on: bool  # Telegram did not accept turning the renewal off: the operator retries


class StarsSubscriptions:
    def __init__(self, database: Database, subscriptions: Subscriptions, audit: AuditLog, api: Any) -> None:
        """`api`: the Bot API client (`call(method, params)`), None without a bot token (no Stars then)."""
        self._db = database
        self._subscriptions = subscriptions
        self._audit = audit
        self._api = api

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
        end = await self._subscriptions.access_end(payment.driver_id) if repeated else expires  # a retry: the end it left
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
