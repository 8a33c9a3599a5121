"""Telegram Stars money paths when a step after the money fails (the Bot API stand-in answers an error once,
Redis or the audit log fails once): a refunded subscription never keeps renewing unseen, and a successful
payment retried after a blip gets all its follow-ups (cache drop, audit, the driver's message) while the
subscription is still extended exactly once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sanic import Sanic

from cargotool.core.storage.models import AuditEvent, Payment
from tests.integration.stars_helpers import process, webhook
from tests.integration import test_stars
from tests.integration.test_stars import ADMIN, DRIVER, days_from_now, invoice, paid, session

Sanic.test_mode = True
app, telegram = test_stars.app, test_stars.telegram  # the Stars tests' fixtures: the app on the Bot API stand-in


def fail_once(monkeypatch, owner, name, when=lambda *args, **kwargs: True) -> None:
    """Make `owner.name` raise ConnectionError the first time `when(...)` holds."""
    real = getattr(owner, name)
    failed = []

    async def flaky(*args, **kwargs):
        if not failed and when(*args, **kwargs):
            failed.append(args)
            raise ConnectionError("injected blip")
        return await real(*args, **kwargs)

    monkeypatch.setattr(owner, name, flaky)


async def audit_events(app, action):
    return await app.ctx.services.database.run(lambda: list(AuditEvent.select().where(AuditEvent.action == action)))


async def listed_renewal_still_on(app, admin) -> list[bool]:
    _, listed = await app.asgi_client.get("/api/admin/payments", headers=admin)
    return [item["renewal_still_on"] for item in listed.json["items"]]


def charge_of(update) -> str:
    return update["message"]["successful_payment"]["telegram_payment_charge_id"]


def call_order(telegram) -> list[str]:
    return [c.method for c in telegram.calls if c.method in ("editUserStarSubscription", "refundStarPayment")]


# ---- refunds: the renewal of a refunded subscription ---------------------------------------------------

async def test_a_renewal_telegram_did_not_stop_is_shown_and_stopped_by_the_retry(app, telegram):
    headers = await session(app)
    admin = await session(app, ADMIN)
    _, update = await paid(app, telegram, headers, "1m")
    charge = charge_of(update)
    telegram.fail_next("editUserStarSubscription", 400)
    _, first = await app.asgi_client.post(f"/api/admin/payments/{charge}/refund", json={"reason": "двойная оплата"}, headers=admin)
    assert first.status == 201 and first.json["repeated"] is False and first.json["stars"] == 250
    assert first.json["renewal_still_on"] is True and "Повторите возврат" in first.json["warning"]
    assert telegram.charges[charge].refunded and not telegram.charges[charge].canceled
    assert await listed_renewal_still_on(app, admin) == [True]  # the admin tab keeps the form to retry
    _, again = await app.asgi_client.post(f"/api/admin/payments/{charge}/refund", json={"reason": "двойная оплата"}, headers=admin)
    assert again.status == 200 and again.json["repeated"] is True
    assert again.json["renewal_still_on"] is False and "warning" not in again.json
    assert telegram.charges[charge].canceled and await listed_renewal_still_on(app, admin) == [False]
    assert len(telegram.sent("refundStarPayment")) == 1  # the Stars went back once
    assert [json.loads(e.details)["enabled"] for e in await audit_events(app, "subscription.renewal")] == [False]


async def test_the_renewal_is_turned_off_before_the_stars_go_back(app, telegram):
    headers = await session(app)
    _, update = await paid(app, telegram, headers, "1m")
    result = await app.ctx.services.refunds.start(charge_of(update), "двойная оплата", actor="cli")
    assert not result.repeated and not result.renewal_still_on and result.public()["renewal_still_on"] is False
    assert call_order(telegram) == ["editUserStarSubscription", "refundStarPayment"]


async def test_a_refund_whose_cache_drop_failed_is_finished_by_the_retry(app, telegram, monkeypatch):
    services = app.ctx.services
    headers = await session(app)
    _, update = await paid(app, telegram, headers, "1m")
    charge = charge_of(update)
    cached = (await services.subscriptions.status(DRIVER)).expires_at  # cached: the driver has 30 days
    fail_once(monkeypatch, services.subscriptions, "forget")
    with pytest.raises(ConnectionError):
        await services.refunds.start(charge, "двойная оплата", actor="cli")
    assert (await services.subscriptions.status(DRIVER)).expires_at == cached  # stale: the retry must drop it
    retried = await services.refunds.start(charge, "двойная оплата", actor="cli")
    assert retried.repeated and not retried.renewal_still_on
    assert days_from_now(cached) > 29 and days_from_now((await services.subscriptions.status(DRIVER)).expires_at) < 0.01
    assert telegram.charges[charge].canceled and len(telegram.sent("refundStarPayment")) == 1
    assert len(await audit_events(app, "payment.refunded")) == 1


# ---- successful payments retried after a blip ------------------------------------------------------------

async def _paid_once_failing(app, telegram, monkeypatch, step, renewal):
    """Pay (or renew) with one follow-up step failing once; returns Telegram's successful payment."""
    services = app.ctx.services
    headers = await session(app)
    if renewal:
        _, update = await paid(app, telegram, headers, "1m")
        await process(app)
        paid_now = telegram.renewal_update(charge_of(update))["message"]["successful_payment"]
    else:
        link = (await invoice(app, headers, "1m"))["invoice_link"]
        await webhook(app, telegram.pre_checkout_update(link, DRIVER))
        paid_now = telegram.payment_update(link, DRIVER)["message"]["successful_payment"]
    await services.subscriptions.status(DRIVER)  # cached: what the driver sees until the cache is dropped
    if step == "forget":
        fail_once(monkeypatch, services.subscriptions, "forget")
    elif step == "audit":
        fail_once(monkeypatch, services.audit, "record", when=lambda actor, action, **kw: action == "payment.succeeded")
    else:
        fail_once(monkeypatch, services.stars, "on_paid")
    with pytest.raises(ConnectionError):
        await services.stars.record(DRIVER, paid_now)
    return paid_now


@pytest.mark.parametrize("renewal", [False, True], ids=["first", "renewal"])
@pytest.mark.parametrize("step", ["forget", "audit", "on_paid"])
async def test_a_payment_retried_after_a_blip_gets_its_follow_ups_and_one_extension(app, telegram, monkeypatch, step, renewal):
    services = app.ctx.services
    paid_now = await _paid_once_failing(app, telegram, monkeypatch, step, renewal)
    charge = paid_now["telegram_payment_charge_id"]
    assert await services.stars.record(DRIVER, paid_now) is None  # nothing new: the charge was applied
    assert await services.stars.record(DRIVER, paid_now) is None  # and a third delivery changes nothing either
    status = await services.subscriptions.status(DRIVER)  # from the cache, which the retry dropped
    assert status.active and abs(days_from_now(status.expires_at) - (60 if renewal else 30)) < 0.01  # extended once
    row = await services.database.run(lambda: Payment.get(Payment.telegram_payment_charge_id == charge))
    succeeded = [e for e in await audit_events(app, "payment.succeeded") if e.target == row.id]
    assert len(succeeded) == 1 and json.loads(succeeded[0].details)["recurring"] is renewal
    assert abs((dt.datetime.fromisoformat(json.loads(succeeded[0].details)["expires_at"]) - status.expires_at)
               .total_seconds()) < 1
    await process(app)
    told = [c for c in telegram.sent("sendMessage", DRIVER) if "Оплата прошла" in c.params["text"]]
    assert len(told) == (2 if renewal else 1)  # one per payment: the first payment's, and this one's


# ---- refunds: the renewal of the refunded subscription, not of another one -----------------------------

async def paid_later(app, telegram, headers) -> str:
    """Subscribe again, as a payment a minute later would: its period ends after the earlier ones'."""
    link = (await invoice(app, headers, "1m"))["invoice_link"]
    await webhook(app, telegram.pre_checkout_update(link, DRIVER))
    update = telegram.payment_update(link, DRIVER)
    charge = charge_of(update)
    telegram.charges[charge].subscription_until += 60
    update["message"]["successful_payment"]["subscription_expiration_date"] += 60
    assert (await webhook(app, update)).json["duplicate"] is False
    await process(app)
    return charge


async def renewal_still_on_by_charge(app, admin) -> dict[str, bool]:
    _, listed = await app.asgi_client.get("/api/admin/payments", headers=admin)
    return {item["telegram_payment_charge_id"]: item["renewal_still_on"] for item in listed.json["items"]}


def renewals_edited(telegram) -> list[tuple[str, bool]]:
    return [(c.params["telegram_payment_charge_id"], c.params["is_canceled"])
            for c in telegram.sent("editUserStarSubscription")]


async def renewal_canceled(app, charge) -> bool:
    return await app.ctx.services.database.run(
        lambda: Payment.get(Payment.telegram_payment_charge_id == charge).renewal_canceled)


async def subscribed(app, telegram) -> tuple[dict, dict, str]:
    """The driver's and the admin's session headers, and the charge of the driver's first subscription."""
    headers = await session(app)
    _, update = await paid(app, telegram, headers, "1m")
    return headers, await session(app, ADMIN), charge_of(update)


async def test_a_refund_retried_after_the_driver_subscribed_again_leaves_the_new_renewal_on(app, telegram):
    services = app.ctx.services
    headers, admin, refunded = await subscribed(app, telegram)
    assert not (await services.refunds.start(refunded, "двойная оплата", actor="cli")).renewal_still_on
    new = await paid_later(app, telegram, headers)  # access gone with the refund: the driver pays again
    assert await renewal_still_on_by_charge(app, admin) == {refunded: False, new: False}
    again = await services.refunds.start(refunded, "двойная оплата", actor="cli")
    assert again.repeated and not again.renewal_still_on
    assert renewals_edited(telegram) == [(refunded, True)]  # the new subscription's charge is not touched
    assert not telegram.charges[new].canceled and not await renewal_canceled(app, new)
    _, me = await app.asgi_client.get("/api/me", headers=headers)
    assert me.json["renewal"]["enabled"] is True


async def test_refunding_one_of_two_subscriptions_stops_its_own_renewal_only(app, telegram):
    services = app.ctx.services
    headers, admin, first = await subscribed(app, telegram)
    second = await paid_later(app, telegram, headers)  # a second subscription while the first runs
    result = await services.refunds.start(first, "двойная оплата", actor="cli")
    assert not result.repeated and not result.renewal_still_on
    assert renewals_edited(telegram) == [(first, True)]
    assert telegram.charges[first].canceled and await renewal_canceled(app, first)
    assert not telegram.charges[second].canceled and not await renewal_canceled(app, second)
    assert await renewal_still_on_by_charge(app, admin) == {first: False, second: False}


async def test_refunding_a_renewal_made_after_another_subscription_stops_its_own_subscription(app, telegram):
    services = app.ctx.services
    headers, admin, first = await subscribed(app, telegram)
    second = await paid_later(app, telegram, headers)
    renewal = telegram.renewal_update(first)  # the first subscription renews after the second began
    await webhook(app, renewal)
    await process(app)
    renewed = charge_of(renewal)
    result = await services.refunds.start(renewed, "двойная оплата", actor="cli")
    assert not result.repeated and not result.renewal_still_on
    assert renewals_edited(telegram) == [(first, True)]  # Telegram knows a subscription by its first charge
    assert await renewal_canceled(app, first) and not await renewal_canceled(app, second)
    assert await renewal_still_on_by_charge(app, admin) == {first: False, second: False, renewed: False}
