"""Telegram Stars: invoice links, the pre-checkout answer, successful payments applied once, renewals, the
driver turning renewal off, refunds (admin API) and the `stars` flag — all against the Bot API stand-in,
every call it receives validated with aiogram's method models."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.core.storage.models import AuditEvent, Payment, PaymentEffect
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from cargotool.standin.telegram import BotApiStandIn
from tests.conftest import TEST_BOT_TOKEN, close_services
from tests.integration.stars_helpers import DISPATCH_CHAT, HOOK_SECRET, PLANS_STARS, process, validate_calls, webhook

Sanic.test_mode = True

DRIVER, OTHER, ADMIN = 501, 777, 42


@pytest.fixture
def telegram():
    return BotApiStandIn()


@pytest.fixture
async def app(settings, redis, standin, telegram):
    configured = settings.replace(plans_stars=PLANS_STARS, telegram_webhook_secret=HOOK_SECRET, outbox_enabled="off",
                                  telegram_dispatcher_chat_id=DISPATCH_CHAT, admin_telegram_ids=(ADMIN,),
                                  webapp_url="https://app.example.ru", rate_limit_login_burst=100)
    services = build_services(configured, redis=redis, transport=StandInTransport(standin),
                              bot_transport=telegram.transport())
    yield create_app(configured, services=services)
    await close_services(services)
    validate_calls(telegram)  # every Bot API call of the test, checked by aiogram's models


async def session(app, user_id=DRIVER):
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data})
    return {"Authorization": f"Bearer {response.json['session_token']}"}


async def invoice(app, headers, plan="1m"):
    _, response = await app.asgi_client.post("/api/payments", json={"plan": plan, "method": "stars"}, headers=headers)
    assert response.status == 200, response.json
    return response.json


async def expiry(app, driver_id=DRIVER):
    await app.ctx.services.subscriptions.forget(driver_id)
    return (await app.ctx.services.subscriptions.status(driver_id)).expires_at


def days_from_now(moment) -> float:
    return (moment - dt.datetime.now(dt.timezone.utc)).total_seconds() / 86400


async def paid(app, telegram, headers, plan="1m", user_id=DRIVER):
    """Pay a plan as Telegram would: invoice link, pre-checkout (answered ok), successful payment."""
    link = (await invoice(app, headers, plan))["invoice_link"]
    assert (await webhook(app, telegram.pre_checkout_update(link, user_id))).status == 200
    assert telegram.sent("answerPreCheckoutQuery")[-1].params["ok"] is True
    update = telegram.payment_update(link, user_id)
    assert (await webhook(app, update)).json["duplicate"] is False
    await app.ctx.services.updates.process_due()
    return link, update


async def events(app, action):
    return await app.ctx.services.database.run(lambda: list(AuditEvent.select().where(AuditEvent.action == action)))


async def test_plans_carry_stars_prices_and_the_flag_turns_them_off(app):
    headers = await session(app)
    _, response = await app.asgi_client.get("/api/plans", headers=headers)
    assert {p["id"]: p["stars"] for p in response.json["plans"]} == {"1m": 250, "3m": 650, "6m": None, "12m": None}
    _, unpriced = await app.asgi_client.post("/api/payments", json={"plan": "6m", "method": "stars"}, headers=headers)
    assert unpriced.status == 409 and unpriced.json["error"]["code"] == "stars_unavailable"
    await app.ctx.services.flags.set("stars", False)
    _, response = await app.asgi_client.get("/api/plans", headers=headers)
    assert {p["stars"] for p in response.json["plans"]} == {None}
    _, refused = await app.asgi_client.post("/api/payments", json={"plan": "1m", "method": "stars"}, headers=headers)
    assert refused.status == 409 and refused.json["error"]["code"] == "stars_unavailable"
    assert "звёздами" in refused.json["error"]["message"] and "STARS" not in refused.json["error"]["message"]
    _, unknown = await app.asgi_client.post("/api/payments", json={"plan": "1m", "method": "bitcoin"}, headers=headers)
    assert unknown.status == 400 and "method" in unknown.json["error"]["fields"]


async def test_the_30_day_plan_is_a_subscription_and_longer_plans_one_time_invoices(app, telegram):
    headers = await session(app)
    monthly = await invoice(app, headers, "1m")
    assert monthly["invoice_link"].startswith("https://t.me/$") and monthly["stars"] == 250
    params = telegram.invoices[monthly["invoice_link"]]
    assert params["currency"] == "XTR" and params["subscription_period"] == 2592000 and "provider_token" not in params
    assert params["prices"] == [{"label": "1 месяц", "amount": 250}]
    assert len(params["payload"].encode()) <= 128 and monthly["payment_id"] in params["payload"]
    assert (await invoice(app, headers, "1m")) == monthly  # a pending invoice is handed back, not made again
    quarterly = await invoice(app, headers, "3m")
    params = telegram.invoices[quarterly["invoice_link"]]
    assert "subscription_period" not in params and params["prices"][0]["amount"] == 650
    assert len(telegram.sent("createInvoiceLink")) == 2
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(quarterly["payment_id"]))
    assert (row.method, row.stars, row.status, row.amount_kopecks) == ("stars", 650, "pending", 0)


async def test_pre_checkout_is_answered_by_the_webhook_itself(app, telegram):
    headers = await session(app)
    link = (await invoice(app, headers))["invoice_link"]
    update = telegram.pre_checkout_update(link, DRIVER)
    response = await webhook(app, update)
    assert response.status == 200
    [answer] = telegram.sent("answerPreCheckoutQuery")  # before any background processing
    assert answer.params == {"pre_checkout_query_id": update["pre_checkout_query"]["id"], "ok": True}
    assert await app.ctx.services.updates.queue.size() == 0
    assert (await webhook(app, update, secret="wrong")).status == 401
    assert len(telegram.sent("answerPreCheckoutQuery")) == 1  # a request without the secret answers nothing


@pytest.mark.parametrize("case", ["other_driver", "stale_price", "plan_gone", "unknown_payload", "stars_off", "already_paid"])
async def test_pre_checkout_refusals_are_russian(app, telegram, case):
    headers = await session(app)
    link = (await invoice(app, headers, "3m"))["invoice_link"]
    plans = app.ctx.services.plans
    user = DRIVER
    if case == "other_driver":
        user = OTHER
    elif case == "stale_price":
        plans["3m"] = dataclasses.replace(plans["3m"], stars=700)
    elif case == "plan_gone":
        del plans["3m"]
    elif case == "stars_off":
        await app.ctx.services.flags.set("stars", False)
    elif case == "already_paid":
        await paid(app, telegram, headers, "3m")
    update = telegram.pre_checkout_update(link, user)
    if case == "unknown_payload":
        update["pre_checkout_query"]["invoice_payload"] = "cgt1:00000000-0000-4000-8000-000000000000"
    await webhook(app, update)
    answer = telegram.sent("answerPreCheckoutQuery")[-1].params
    assert answer["ok"] is False and answer["pre_checkout_query_id"] == update["pre_checkout_query"]["id"]
    assert re.search("[а-яё]{4}", answer["error_message"]) and not re.search(r"[A-Z_]{5}", answer["error_message"])
    expected = {"other_driver": "другому", "stale_price": "Цена изменилась", "plan_gone": "тарифа больше нет",
                "unknown_payload": "не найден", "stars_off": "недоступна", "already_paid": "уже оплачен"}[case]
    assert expected in answer["error_message"]


async def test_a_successful_payment_extends_exactly_once(app, telegram):
    headers = await session(app)
    link, update = await paid(app, telegram, headers)
    first = await expiry(app)
    assert abs(days_from_now(first) - 30) < 0.01
    assert (await webhook(app, update)).json["duplicate"] is True  # Telegram redelivers the same update
    again = {**update, "update_id": update["update_id"] + 1000}  # the same payment under another update id
    assert (await webhook(app, again)).json["duplicate"] is False
    await process(app)  # and the driver's notice delivered
    await app.ctx.services.stars.record(DRIVER, update["message"]["successful_payment"])  # and applied directly
    assert await expiry(app) == first
    charge = update["message"]["successful_payment"]["telegram_payment_charge_id"]
    rows = await app.ctx.services.database.run(lambda: list(Payment.select().where(Payment.method == "stars")))
    assert [(r.status, r.telegram_payment_charge_id, r.is_recurring) for r in rows] == [("succeeded", charge, False)]
    until = update["message"]["successful_payment"]["subscription_expiration_date"]
    assert rows[0].subscription_expiration_date == dt.datetime.fromtimestamp(until, dt.timezone.utc)
    effects = await app.ctx.services.database.run(lambda: PaymentEffect.select().count())
    assert effects == 1 and len(await events(app, "payment.succeeded")) == 1
    [told] = telegram.sent("sendMessage", DRIVER)
    assert "Оплата прошла" in told.params["text"]


async def test_renewals_extend_and_store_the_new_period(app, telegram):
    headers = await session(app)
    _, update = await paid(app, telegram, headers)
    charge = update["message"]["successful_payment"]["telegram_payment_charge_id"]
    first = await expiry(app)
    renewal = telegram.renewal_update(charge)
    paid_again = renewal["message"]["successful_payment"]
    assert paid_again["is_recurring"] is True and "is_first_recurring" not in paid_again
    await webhook(app, renewal)
    await webhook(app, {**renewal, "update_id": renewal["update_id"] + 1})  # a retried delivery
    await app.ctx.services.updates.process_due()
    assert await expiry(app) == first + dt.timedelta(days=30)
    row = await app.ctx.services.database.run(
        lambda: Payment.get(Payment.telegram_payment_charge_id == paid_again["telegram_payment_charge_id"]))
    assert row.is_recurring and row.stars == 250 and row.plan_id == "1m"
    assert row.subscription_expiration_date == dt.datetime.fromtimestamp(paid_again["subscription_expiration_date"], dt.timezone.utc)
    _, me = await app.asgi_client.get("/api/me", headers=headers)
    assert me.json["renewal"] == {"method": "stars", "enabled": True, "stars": 250,
                                  "period_ends_at": row.subscription_expiration_date.isoformat()}


async def test_the_driver_turns_renewal_off_and_on(app, telegram):
    headers = await session(app)
    _, none = await app.asgi_client.post("/api/subscription/renewal", json={"enabled": False}, headers=headers)
    assert none.status == 404
    _, update = await paid(app, telegram, headers)
    charge = update["message"]["successful_payment"]["telegram_payment_charge_id"]
    await webhook(app, telegram.renewal_update(charge))
    await app.ctx.services.updates.process_due()
    _, bad = await app.asgi_client.post("/api/subscription/renewal", json={"enabled": "no"}, headers=headers)
    assert bad.status == 400 and "enabled" in bad.json["error"]["fields"]
    _, off = await app.asgi_client.post("/api/subscription/renewal", json={"enabled": False}, headers=headers)
    assert off.status == 200 and off.json["renewal"]["enabled"] is False
    [edit] = telegram.sent("editUserStarSubscription")
    assert edit.params == {"user_id": DRIVER, "telegram_payment_charge_id": charge, "is_canceled": True}
    assert telegram.charges[charge].canceled
    _, me = await app.asgi_client.get("/api/me", headers=headers)
    assert me.json["renewal"]["enabled"] is False
    _, on = await app.asgi_client.post("/api/subscription/renewal", json={"enabled": True}, headers=headers)
    assert on.json["renewal"]["enabled"] is True and telegram.sent("editUserStarSubscription")[-1].params["is_canceled"] is False
    assert [json.loads(e.details)["enabled"] for e in await events(app, "subscription.renewal")] == [False, True]


async def test_an_admin_refunds_a_stars_payment_once(app, telegram):
    headers = await session(app)
    await session(app, ADMIN)
    admin = await session(app, ADMIN)
    _, update = await paid(app, telegram, headers, "3m")
    charge = update["message"]["successful_payment"]["telegram_payment_charge_id"]
    assert abs(days_from_now(await expiry(app)) - 90) < 0.01
    _, listed = await app.asgi_client.get("/api/admin/payments", headers=admin)
    [item] = listed.json["items"]
    assert (item["method"], item["stars"], item["telegram_payment_charge_id"], item["amount_rub"]) == ("stars", 650, charge, 0)
    _, partial = await app.asgi_client.post(f"/api/admin/payments/{item['id']}/refund",
                                            json={"reason": "не подошло", "amount_rub": 100}, headers=admin)
    assert partial.status == 400
    _, refunded = await app.asgi_client.post(f"/api/admin/payments/{item['id']}/refund",
                                             json={"reason": "не подошло"}, headers=admin)
    assert refunded.status == 201 and refunded.json["stars"] == 650 and refunded.json["repeated"] is False
    [call] = telegram.sent("refundStarPayment")
    assert call.params == {"user_id": DRIVER, "telegram_payment_charge_id": charge} and telegram.charges[charge].refunded
    assert days_from_now(await expiry(app)) < 0.01  # the 90 days taken off, never before now
    _, repeated = await app.asgi_client.post(f"/api/admin/payments/{charge}/refund", json={"reason": "не подошло"}, headers=admin)
    assert repeated.status == 200 and repeated.json["repeated"] is True
    assert len(telegram.sent("refundStarPayment")) == 1
    [event] = await events(app, "payment.refunded")
    assert event.actor == f"admin:{ADMIN}" and json.loads(event.details)["stars"] == 650
    _, listed = await app.asgi_client.get("/api/admin/payments", headers=admin)
    assert listed.json["items"][0]["refunded_stars"] == 650


async def test_refunding_a_subscription_payment_stops_its_renewal(app, telegram):
    headers = await session(app)
    _, update = await paid(app, telegram, headers, "1m")
    charge = update["message"]["successful_payment"]["telegram_payment_charge_id"]
    result = await app.ctx.services.refunds.start(charge, "двойная оплата", actor="cli")
    assert result.stars == 250 and not result.repeated
    assert telegram.sent("editUserStarSubscription")[-1].params["is_canceled"] is True


async def test_card_payment_without_a_shop_tells_the_driver_and_logs_the_setting(app, caplog):
    headers = await session(app)
    with caplog.at_level(logging.WARNING, logger="cargotool.core.billing.payments"):
        _, response = await app.asgi_client.post("/api/payments", json={"plan": "1m"}, headers=headers)
    assert response.status == 503
    body = response.json["error"]
    assert body["message"] == "Оплата картой сейчас недоступна. Напишите в поддержку: /paysupport"
    assert "YOOKASSA" not in str(body)
    assert any("YOOKASSA_SHOP_ID" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert await app.ctx.services.database.run(lambda: Payment.select().count()) == 0
