"""Refunds of card payments as YooKassa reports them: applied once per refund id (the webhook, reconcile
and the operator's command may all bring the same refund), and the repair of refunds whose notification
or answer was lost. `Payments` builds on this; `refunds.py` starts a refund.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import peewee

from ..audit import AuditLog
from ..errors import NotFound
from ..storage.db import Database
from ..storage.models import Payment, PaymentEffect, Refund, utcnow
from .gateway import RemoteRefund, YooKassaGateway
from .subscriptions import Subscriptions, shorten_in_transaction

log = logging.getLogger(__name__)

OPEN_REFUND = ("new", "pending")
NEEDS_CHECK = "check"  # a refund whose answer was lost and whose Idempotence-Key may have expired
RESEND_WITHIN = dt.timedelta(hours=23)  # YooKassa keeps an Idempotence-Key 24 h: later, a re-send is a new refund


@dataclass(frozen=True)
class Outcome:
    payment_id: str
    status: str
    applied: bool  # this call changed something (False: nothing new, or already processed)
    expires_at: dt.datetime | None = None


class YooKassaRefunds:
    def __init__(self, database: Database, gateway: YooKassaGateway, subscriptions: Subscriptions, audit: AuditLog) -> None:
        self._db = database
        self.gateway = gateway
        self._subscriptions = subscriptions
        self._audit = audit

    async def apply_refund(self, refund: RemoteRefund, actor: str) -> Outcome | None:
        """A refund YooKassa reports: shortens the subscription by the refunded share, once per refund id
        (the webhook, reconcile and the operator's command may all bring the same refund)."""
        if refund.status != "succeeded":
            return None
        row = await self._db.run(lambda: Payment.get_or_none(Payment.yookassa_id == refund.payment_id))
        if row is None:
            raise NotFound(f"No payment of ours for YooKassa payment {refund.payment_id}")

        def work():
            try:
                with self._db.write_transaction():
                    PaymentEffect.create(payment=row.id, effect=f"refund:{refund.id}")
                    Payment.update(refunded_kopecks=Payment.refunded_kopecks + refund.amount_kopecks,
                                   updated_at=utcnow()).where(Payment.id == row.id).execute()
                    share = min(1.0, refund.amount_kopecks / row.amount_kopecks) if row.amount_kopecks else 1.0
                    return shorten_in_transaction(row.driver_id, row.days * share)
            except peewee.IntegrityError:
                return "duplicate"

        result = await self._db.run(work)
        # Outside the effect's transaction: a duplicate effect (the webhook came first) still finishes our row.
        await self._db.run(lambda: Refund.update(status="succeeded", updated_at=utcnow())
                           .where((Refund.yookassa_id == refund.id) & (Refund.status != "succeeded")).execute())
        repeated = result == "duplicate"  # applied before: the cache drop and the audit may have failed then
        end = await self._subscriptions.access_end(row.driver_id) if repeated else result  # a retry: the end it left
        await self._subscriptions.forget(row.driver_id)
        await self._audit.record_once(actor, "payment.refunded", target=row.id, same=("refund_id",),
                                      details={"refund_id": refund.id, "amount_kopecks": refund.amount_kopecks,
                                               "expires_at": end.isoformat() if end else None})
        return Outcome(row.id, "refund", False) if repeated else Outcome(row.id, "refund", True, result)

    async def sync_refunds(self, row: Payment, actor: str) -> list[Outcome]:
        """Apply the refunds of a payment that never reached us: when YooKassa's `refunded_amount` is more
        than ours (or a refund we started is still open), its refunds are listed and each is applied once.
        A refund of ours whose answer was lost (no YooKassa id) adopts an unknown refund of the same amount;
        one still without an id after RESEND_WITHIN is marked for a manual check (never sent again)."""
        remote = await self.gateway.find(row.yookassa_id)
        ours, open_refunds = await self._db.run(lambda: (
            Payment.get_by_id(row.id).refunded_kopecks,
            Refund.select().where((Refund.payment == row.id) & Refund.status.in_(OPEN_REFUND)).count()))
        if remote.refunded_kopecks <= ours and not open_refunds:
            return []
        outcomes = []
        remote_refunds = await self.gateway.refunds_of(row.yookassa_id)
        stale = await self._db.run(lambda: self._adopt(row.id, remote_refunds))
        for refund_row in stale:
            await self.needs_check(refund_row, actor)
        for refund in remote_refunds:
            if refund.status == "canceled":
                await self._db.run(lambda r=refund: Refund.update(status="canceled", updated_at=utcnow())
                                   .where(Refund.yookassa_id == r.id).execute())
            outcome = await self.apply_refund(refund, actor)
            if outcome is not None and outcome.applied:
                outcomes.append(outcome)
        return outcomes

    def _adopt(self, payment_id: str, remote: list[RemoteRefund]) -> list[Refund]:
        """Give our refunds without a YooKassa id (their answer was lost) the unknown refund of the same
        amount, oldest first; returns those still without one after RESEND_WITHIN."""
        with self._db.write_transaction():
            known = {r.yookassa_id for r in Refund.select(Refund.yookassa_id).where(
                Refund.yookassa_id.in_([r.id for r in remote]))} if remote else set()
            orphans = list(Refund.select().where((Refund.payment == payment_id) & Refund.yookassa_id.is_null()
                                                 & Refund.status.in_(("new", NEEDS_CHECK))).order_by(Refund.created_at))
            for refund in remote:
                if refund.id in known:
                    continue
                match = next((o for o in orphans if o.amount_kopecks == refund.amount_kopecks), None)
                if match is None:
                    continue
                orphans.remove(match)
                Refund.update(yookassa_id=refund.id, status=refund.status, updated_at=utcnow()).where(Refund.id == match.id).execute()
            cutoff = utcnow() - RESEND_WITHIN
            return [o for o in orphans if o.status == "new" and o.created_at < cutoff]

    async def needs_check(self, refund: Refund, actor: str) -> None:
        """Mark a refund whose answer was lost too long ago for a manual check in YooKassa's dashboard:
        sending it again could refund twice, and it no longer holds any amount of the payment."""
        marked = await self._db.run(lambda: Refund.update(status=NEEDS_CHECK, updated_at=utcnow())
                                    .where((Refund.id == refund.id) & (Refund.status == "new")
                                           & Refund.yookassa_id.is_null()).execute())
        if marked:
            log.error("refund %s of payment %s needs a manual check", refund.id, refund.payment_id)
            await self._audit.record(actor, "payment.refund_needs_check", target=refund.payment_id,
                                     details={"refund_id": refund.id, "amount_kopecks": refund.amount_kopecks,
                                              "requested_at": refund.created_at.isoformat()})

    async def refunds_to_check(self) -> list[Refund]:
        return await self._db.run(lambda: list(Refund.select().where(Refund.status == NEEDS_CHECK)
                                                .order_by(Refund.created_at.desc())))
