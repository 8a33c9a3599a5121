"""Subscriptions and what sells them: plans, promo codes, YooKassa and Telegram Stars payments, refunds,
the paywall and its flag, the billing notices, and /paysupport."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..core.billing.flags import Flags
from ..core.billing.gateway import YooKassaGateway
from ..core.billing.notices import BillingNotices
from ..core.billing.payments import Payments
from ..core.billing.paysupport import PaySupport
from ..core.billing.paywall import Paywall
from ..core.billing.plans import Plan, plans_from
from ..core.billing.promo import PromoCodes
from ..core.billing.refunds import Refunds
from ..core.billing.stars import StarsPayments
from ..core.billing.subscriptions import Subscriptions
from .messaging import Messaging
from .storage import Storage


@dataclass(frozen=True)
class Billing:
    plans: dict[str, Plan]
    subscriptions: Subscriptions
    promos: PromoCodes
    notices: BillingNotices
    flags: Flags
    paywall: Paywall
    payments: Payments
    stars: StarsPayments
    refunds: Refunds
    paysupport: PaySupport


def _payments(settings: Settings, storage: Storage, plans: dict[str, Plan], subscriptions: Subscriptions,
              notices: BillingNotices) -> Payments:
    gateway = YooKassaGateway(settings.yookassa_shop_id, settings.yookassa_secret_key, settings.yookassa_api_url)
    return Payments(storage.database, gateway, plans, subscriptions, storage.audit,
                    return_url=settings.payment_return_url or settings.webapp_url,
                    receipt=settings.yookassa_receipt == "on", vat_code=settings.yookassa_vat_code,
                    reservation_minutes=settings.promo_reservation_minutes, on_paid=notices.paid)


def build_billing(settings: Settings, storage: Storage, messaging: Messaging) -> Billing:
    database, audit = storage.database, storage.audit
    plans = plans_from(settings.plans, settings.plans_stars)
    subscriptions = Subscriptions(database, storage.redis, storage.keys, audit)
    promos = PromoCodes(database, subscriptions, audit)
    notices = BillingNotices(messaging.outbox, subscriptions, settings.webapp_url)
    # The recorded demo has no payments configured: its paywall is off unless switched on.
    flags = Flags(database, audit, {"paywall": False} if settings.uses_recorded_cargotech else None)
    payments = _payments(settings, storage, plans, subscriptions, notices)
    stars = StarsPayments(database, plans, flags, subscriptions, audit, messaging.bot_api, on_paid=notices.paid)
    paysupport = PaySupport(storage.redis, storage.keys, messaging.outbox, database, settings.telegram_dispatcher_chat_id)
    return Billing(plans, subscriptions, promos, notices, flags, Paywall(flags, subscriptions), payments, stars,
                   Refunds(database, payments, audit, stars), paysupport)
