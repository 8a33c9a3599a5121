"""Plans, paywall, YooKassa payments (through the official SDK against a loopback stand-in), the
webhook's trust rules, exactly-once effects, reconcile, refunds and promo codes."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.billing.promo import PromoView, discounted
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.core.drivers.sessions import Driver
from cargotool.core.errors import PaymentRequired
from cargotool.core.storage.models import AuditEvent, Payment, PaymentEffect, Subscription
from cargotool.server.app import create_app
from cargotool.standin import StandInServer, StandInTransport
from cargotool.standin.yookassa import YooKassaStandIn
from tests.conftest import TEST_BOT_TOKEN, close_services

Sanic.test_mode = True

SHOP_ID, SECRET_KEY = "100500", "test_Yk-secret-key-0123456789"
YOOKASSA_IP = "185.71.76.5"


@pytest.fixture(autouse=True)
def loopback_peer(monkeypatch):
    """The in-process ASGI client has no TCP peer; behave as if a proxy on 127.0.0.1 sent every request."""
    monkeypatch.setattr("cargotool.server.client_ip.peer_address", lambda request: "127.0.0.1")


@pytest.fixture
def yookassa():
    standin = YooKassaStandIn(SHOP_ID, SECRET_KEY)
    with StandInServer(standin) as url:
        yield standin, url


def make_settings(settings, yookassa, **extra):
    return settings.replace(yookassa_shop_id=SHOP_ID, yookassa_secret_key=SECRET_KEY, yookassa_api_url=f"{yookassa[1]}/v3",
                            trusted_proxies=("127.0.0.1",), outbox_enabled="off", webapp_url="https://app.example.ru",
                            rate_limit_login_burst=100, **extra)


@pytest.fixture
async def app(settings, redis, standin, yookassa):
    services = build_services(make_settings(settings, yookassa), redis=redis, transport=StandInTransport(standin))
    yield create_app(services.settings, services=services)
    await close_services(services)


async def session(app, user_id=501):
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data})
    return {"Authorization": f"Bearer {response.json['session_token']}"}


async def pay(app, headers, **body):
    body.setdefault("plan", "1m")
    return (await app.asgi_client.post("/api/payments", json=body, headers=headers))[1]


async def notify(app, body, ip=YOOKASSA_IP):
    return (await app.asgi_client.post("/webhooks/yookassa", json=body, headers={"X-Forwarded-For": ip}))[1]


async def subscription(app, driver_id=501):
    await app.ctx.services.subscriptions.forget(driver_id)
    return await app.ctx.services.subscriptions.status(driver_id)


def days_left(status) -> float:
    return (status.expires_at - dt.datetime.now(dt.timezone.utc)).total_seconds() / 86400


async def test_plans_and_me(app):
    headers = await session(app)
    _, response = await app.asgi_client.get("/api/plans", headers=headers)
    assert response.json["plans"] == [
        {"id": "1m", "title": "1 месяц", "days": 30, "price_rub": 499, "stars": None},
        {"id": "3m", "title": "3 месяца", "days": 90, "price_rub": 1299, "stars": None},
        {"id": "6m", "title": "6 месяцев", "days": 180, "price_rub": 2399, "stars": None},
        {"id": "12m", "title": "12 месяцев", "days": 365, "price_rub": 3999, "stars": None},
    ]
    _, response = await app.asgi_client.get("/api/me", headers=headers)
    assert response.json["subscription"] == {"active": False, "expires_at": None, "source": None}


async def test_paywall_hides_contacts_and_refuses_responses(app, standin):
    headers = await session(app)
    cargo_id = str(standin.dataset.cargos[0]["id"])
    _, detail = await app.asgi_client.get(f"/api/cargos/{cargo_id}", headers=headers)
    assert detail.json["contacts"] == [] and detail.json["contacts_hidden"] is True and detail.json["comment"]
    _, respond = await app.asgi_client.post(f"/api/cargos/{cargo_id}/responses", json={"rate_rub": 1000}, headers=headers)
    assert respond.status == 402 and respond.json["error"]["code"] == "payment_required"
    await app.ctx.services.flags.set("paywall.contacts", False)
    _, detail = await app.asgi_client.get(f"/api/cargos/{cargo_id}", headers=headers)
    assert detail.json["contacts"] and "contacts_hidden" not in detail.json
    await app.ctx.services.flags.set("paywall.contacts", True)
    await app.ctx.services.subscriptions.grant(501, 5, "test")
    _, detail = await app.asgi_client.get(f"/api/cargos/{cargo_id}", headers=headers)
    assert detail.json["contacts"]
    _, respond = await app.asgi_client.post(f"/api/cargos/{cargo_id}/responses", json={"rate_rub": 1000}, headers=headers)
    assert respond.status == 201


async def test_access_end_is_the_subscription_row_s(app):
    """`Subscriptions.access_end`: what both billing bases (Stars, YooKassa refunds) report after a payment or
    refund — the row's end, to the microsecond (the status cache keeps whole seconds)."""
    subscriptions = app.ctx.services.subscriptions
    assert await subscriptions.access_end(502) is None
    granted = await subscriptions.grant(502, 5, "test")
    assert await subscriptions.access_end(502) == granted
    later = await subscriptions.grant(502, 3, "test")
    assert await subscriptions.access_end(502) == later > granted


async def test_the_response_service_itself_refuses_without_access(app, standin):
    """The paywall is the service's, not the handler's: any caller (the API, automatic responses) meets it,
    and before the offer is read (402 before 400 over HTTP)."""
    headers = await session(app)
    cargo_id = str(standin.dataset.cargos[0]["id"])
    services = app.ctx.services
    read = []
    with pytest.raises(PaymentRequired):
        await services.responses.submit(Driver(telegram_id=501, first_name="Иван"), cargo_id,
                                        lambda: read.append(1) or {"rate_rub": 1000})
    assert read == []
    _, respond = await app.asgi_client.post(f"/api/cargos/{cargo_id}/responses", content="not json", headers=headers)
    assert respond.status == 402 and respond.json["error"]["code"] == "payment_required"
    await services.subscriptions.grant(501, 5, "test")
    _, respond = await app.asgi_client.post(f"/api/cargos/{cargo_id}/responses", content="not json", headers=headers)
    assert respond.status == 400


async def test_payment_is_created_once_and_reused(app, yookassa):
    headers = await session(app)
    first = await pay(app, headers, plan="3m")
    assert first.status == 200
    assert first.json["amount_rub"] == 1299 and first.json["confirmation_url"].startswith("https://yoomoney.ru/")
    second = await pay(app, headers, plan="3m")
    assert second.json["payment_id"] == first.json["payment_id"]  # a pending payment younger than 10 min
    assert yookassa[0].creates == 1
    params = yookassa[0].last_params
    assert params["capture"] is True and params["metadata"]["payment_id"] == first.json["payment_id"]
    assert params["confirmation"]["return_url"] == "https://app.example.ru"
    _, bad = await app.asgi_client.post("/api/payments", json={"plan": "forever"}, headers=headers)
    assert bad.status == 400 and "plan" in bad.json["error"]["fields"]


async def test_webhook_from_an_untrusted_address_is_refused(app, yookassa):
    headers = await session(app)
    payment_id = (await pay(app, headers)).json["payment_id"]
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(payment_id))
    yookassa[0].succeed(row.yookassa_id)
    response = await notify(app, yookassa[0].notification("payment.succeeded", row.yookassa_id), ip="8.8.8.8")
    assert response.status == 403
    assert not (await subscription(app)).active


async def test_a_forged_success_for_a_pending_payment_activates_nothing(app, yookassa):
    headers = await session(app)
    payment_id = (await pay(app, headers)).json["payment_id"]
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(payment_id))
    forged = {"type": "notification", "event": "payment.succeeded",
              "object": {"id": row.yookassa_id, "status": "succeeded", "paid": True, "amount": {"value": "499.00", "currency": "RUB"}}}
    response = await notify(app, forged)
    assert response.status == 200 and response.json["applied"] is False
    assert not (await subscription(app)).active


async def test_success_activates_and_the_driver_is_told(app, yookassa):
    headers = await session(app)
    payment_id = (await pay(app, headers)).json["payment_id"]
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(payment_id))
    yookassa[0].succeed(row.yookassa_id)
    response = await notify(app, yookassa[0].notification("payment.succeeded", row.yookassa_id))
    assert response.json["applied"] is True
    status = await subscription(app)
    assert status.active and status.source == "payment" and 29.9 < days_left(status) < 30.001
    queued = await app.ctx.services.outbox.queue.claim(limit=10)
    assert any("Оплата прошла" in item.payload["params"]["text"] for item in queued)
    actions = await app.ctx.services.database.run(lambda: [e.action for e in AuditEvent.select()])
    assert {"payment.created", "payment.webhook", "payment.succeeded"} <= set(actions)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
async def test_ten_concurrent_deliveries_extend_once(database, settings, redis, standin, yookassa, request):
    app_settings = make_settings(settings, yookassa)
    if database == "postgres":
        app_settings = app_settings.replace(database_url=request.getfixturevalue("postgres_url"))
    services = build_services(app_settings, redis=redis, transport=StandInTransport(standin))
    try:
        payment = await services.payments.create(501, {"plan": "1m"})
        yookassa[0].succeed(payment.yookassa_id)
        body = yookassa[0].notification("payment.succeeded", payment.yookassa_id)
        outcomes = await asyncio.gather(*(services.payments.handle_notification(body) for _ in range(10)))
        assert sum(o.applied for o in outcomes) == 1
        row = await services.database.run(lambda: Subscription.get_by_id(501))
        assert 29.9 < (row.expires_at - dt.datetime.now(dt.timezone.utc)).total_seconds() / 86400 < 30.001
        assert await services.database.run(lambda: PaymentEffect.select().count()) == 1
    finally:
        await close_services(services)


async def test_a_lost_webhook_is_recovered_by_reconcile(app, yookassa):
    headers = await session(app)
    payment_id = (await pay(app, headers)).json["payment_id"]
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(payment_id))
    yookassa[0].succeed(row.yookassa_id)  # ... and the notification never arrives
    assert await app.ctx.services.payments.reconcile(older_than_minutes=10) == []  # too young yet
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30)
    await app.ctx.services.database.run(lambda: Payment.update(created_at=old).where(Payment.id == payment_id).execute())
    [outcome] = await app.ctx.services.payments.reconcile(older_than_minutes=10)
    assert outcome.applied and (await subscription(app)).active


async def test_cancel_and_refund(app, yookassa):
    headers = await session(app)
    canceled_id = (await pay(app, headers, plan="1m")).json["payment_id"]
    canceled = await app.ctx.services.database.run(lambda: Payment.get_by_id(canceled_id))
    yookassa[0].cancel(canceled.yookassa_id)
    await notify(app, yookassa[0].notification("payment.canceled", canceled.yookassa_id))
    assert (await app.ctx.services.database.run(lambda: Payment.get_by_id(canceled_id))).status == "canceled"

    paid_id = (await pay(app, headers, plan="3m")).json["payment_id"]
    paid = await app.ctx.services.database.run(lambda: Payment.get_by_id(paid_id))
    yookassa[0].succeed(paid.yookassa_id)
    await notify(app, yookassa[0].notification("payment.succeeded", paid.yookassa_id))
    refund_id = yookassa[0].refund(paid.yookassa_id, "649.50")  # half of 1299 ₽
    for _ in range(2):  # delivered twice: applied once
        await notify(app, yookassa[0].notification("refund.succeeded", refund_id))
    status = await subscription(app)
    assert 44.9 < days_left(status) < 45.001
    assert (await app.ctx.services.database.run(lambda: Payment.get_by_id(paid_id))).refunded_kopecks == 64950


async def test_extension_starts_from_the_current_end(app, yookassa):
    headers = await session(app)
    await app.ctx.services.subscriptions.grant(501, 10, "welcome")
    payment_id = (await pay(app, headers)).json["payment_id"]
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(payment_id))
    yookassa[0].succeed(row.yookassa_id)
    await app.ctx.services.payments.replay(row.yookassa_id)
    assert 39.9 < days_left(await subscription(app)) < 40.001


async def test_amount_mismatch_is_not_activated(app, yookassa):
    headers = await session(app)
    payment_id = (await pay(app, headers)).json["payment_id"]
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(payment_id))
    yookassa[0].succeed(row.yookassa_id)
    yookassa[0].payments[row.yookassa_id]["amount"] = {"value": "1.00", "currency": "RUB"}
    response = await notify(app, yookassa[0].notification("payment.succeeded", row.yookassa_id))
    assert response.json["applied"] is False and not (await subscription(app)).active
    actions = await app.ctx.services.database.run(lambda: [e.action for e in AuditEvent.select()])
    assert "payment.mismatch" in actions


@pytest.mark.parametrize("body", [{"type": "nope"}, {"type": "notification", "event": "payment.succeeded", "object": {}}, []])
async def test_malformed_notification_is_400(app, body):
    assert (await notify(app, body)).status == 400


def test_discounts_in_kopecks():
    percent = PromoView("P15", "percent", 15, None, 0, None, False)
    assert discounted(129900, percent) == 110415  # 1299 ₽ − 15 % = 1104.15 ₽
    assert discounted(49900, PromoView("P33", "percent", 33, None, 0, None, False)) == 33433  # 164.67 off, half-kopeck up
    assert discounted(129900, PromoView("R100", "amount", 10000, None, 0, None, False)) == 119900
    assert discounted(49900, PromoView("R999", "amount", 99900, None, 0, None, False)) == 100  # never below 1 ₽
    assert discounted(49900, PromoView("FULL", "percent", 100, None, 0, None, False)) == 100


async def test_discount_codes_price_the_payment(app, yookassa):
    headers = await session(app)
    await app.ctx.services.promos.create("percent", 15, code="truck15")
    response = await pay(app, headers, plan="3m", promo_code="TRUCK15")
    assert response.json["amount_rub"] == 1104.15
    assert yookassa[0].last_params["amount"] == {"value": "1104.15", "currency": "RUB"}
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(response.json["payment_id"]))
    yookassa[0].succeed(row.yookassa_id)
    await app.ctx.services.payments.replay(row.yookassa_id)
    [view] = await app.ctx.services.promos.list()
    assert view.used == 1
    again = await pay(app, headers, plan="1m", promo_code="truck15")  # once per driver
    assert again.status == 400 and "promo_code" in again.json["error"]["fields"]


async def test_day_codes_apply_once_per_driver_and_never_past_the_cap(app):
    await app.ctx.services.promos.create("days", 7, code="WEEK", max_uses=3)
    drivers = [await session(app, 700 + n) for n in range(10)]
    results = await asyncio.gather(*(app.asgi_client.post("/api/promo/apply", json={"code": "week"}, headers=h)
                                     for h in drivers))
    statuses = sorted(r[1].status for r in results)
    assert statuses.count(200) == 3 and statuses.count(400) == 7
    [view] = await app.ctx.services.promos.list()
    assert view.used == 3
    winner = next(h for h, r in zip(drivers, results, strict=True) if r[1].status == 200)
    again = (await app.asgi_client.post("/api/promo/apply", json={"code": "WEEK"}, headers=winner))[1]
    assert again.status == 400


async def test_expired_and_disabled_codes(app):
    headers = await session(app)
    yesterday = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    await app.ctx.services.promos.create("days", 3, code="OLD", valid_until=yesterday)
    await app.ctx.services.promos.create("days", 3, code="OFF")
    await app.ctx.services.promos.disable("off")
    for code, word in (("OLD", "истёк"), ("OFF", "нет"), ("NOPE", "нет")):
        _, response = await app.asgi_client.post("/api/promo/apply", json={"code": code}, headers=headers)
        assert response.status == 400 and word in response.json["error"]["fields"]["promo_code"]


async def test_billing_logs_and_audit_hold_no_secrets(app, yookassa, caplog):
    caplog.set_level(logging.DEBUG)
    headers = await session(app)
    payment_id = (await pay(app, headers)).json["payment_id"]
    row = await app.ctx.services.database.run(lambda: Payment.get_by_id(payment_id))
    yookassa[0].succeed(row.yookassa_id)
    await notify(app, yookassa[0].notification("payment.succeeded", row.yookassa_id))
    audit = await app.ctx.services.database.run(lambda: [f"{e.details} {e.target}" for e in AuditEvent.select()])
    text = caplog.text + "\n".join(audit)
    assert SECRET_KEY not in text and TEST_BOT_TOKEN not in text


async def test_admin_api_is_for_admins_only(settings, redis, standin, yookassa):
    services = build_services(make_settings(settings, yookassa, admin_telegram_ids=(42,)), redis=redis,
                              transport=StandInTransport(standin))
    app = create_app(services.settings, services=services)
    try:
        driver = await session(app, 501)
        admin = await session(app, 42)
        for path in ("/api/admin/payments", "/api/admin/flags", "/api/admin/audit", "/api/admin/promo", "/api/admin/responses"):
            assert (await app.asgi_client.get(path, headers=driver))[1].status == 403, path
            assert (await app.asgi_client.get(path, headers=admin))[1].status == 200, path
        _, me = await app.asgi_client.get("/api/me", headers=admin)
        assert me.json["is_admin"] is True

        _, granted = await app.asgi_client.post("/api/admin/subscriptions/501/grant", json={"days": 14, "reason": "support"}, headers=admin)
        assert granted.json["active"] is True and granted.json["source"] == "grant"
        _, bad = await app.asgi_client.post("/api/admin/subscriptions/501/grant", json={"days": 0, "reason": "x"}, headers=admin)
        assert bad.status == 400 and set(bad.json["error"]["fields"]) == {"days"}

        _, created = await app.asgi_client.post("/api/admin/promo", json={"kind": "amount", "value": 100, "max_uses": 5}, headers=admin)
        assert created.status == 201 and created.json["describe"] == "−100 ₽"
        code = created.json["code"]
        assert not set(code) & set("01OIL")  # generated codes avoid look-alike characters
        await app.asgi_client.post(f"/api/admin/promo/{code.lower()}/disable", headers=admin)
        _, listed = await app.asgi_client.get("/api/admin/promo", headers=admin)
        assert listed.json["items"][0]["disabled"] is True

        _, flags = await app.asgi_client.post("/api/admin/flags/paywall.contacts", json={"enabled": False}, headers=admin)
        assert flags.json["paywall.contacts"] is False
        _, unknown = await app.asgi_client.post("/api/admin/flags/free-beer", json={"enabled": True}, headers=admin)
        assert unknown.status == 400

        _, audit = await app.asgi_client.get("/api/admin/audit?actor=admin:42", headers=admin)
        actions = [e["action"] for e in audit.json["items"]]
        assert {"subscription.grant", "promo.create", "promo.disable", "flag.set"} <= set(actions)
        assert all(e["actor"] == "admin:42" for e in audit.json["items"])
    finally:
        await close_services(services)


async def test_expiry_reminders_are_sent_once(app):
    services = app.ctx.services
    await services.subscriptions.grant(601, 2, "trial")  # ends in 2 days: "soon"
    await services.subscriptions.grant(602, 1, "trial")
    ended = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3)
    await services.database.run(lambda: Subscription.update(expires_at=ended).where(Subscription.driver == 602).execute())
    await services.subscriptions.grant(603, 30, "paid long")  # not due
    assert await services.notices.remind_expiring() == 2
    assert await services.notices.remind_expiring() == 0  # once per expiry
    texts = {item.payload["params"]["chat_id"]: item.payload["params"]["text"] for item in await services.outbox.queue.claim(limit=10)}
    assert set(texts) == {601, 602}
    assert "заканчивается" in texts[601] and "закончилась" in texts[602]


async def test_periodic_jobs_run_on_one_instance_per_window(settings, redis, standin, yookassa, app):
    other = build_services(make_settings(settings, yookassa), redis=redis, transport=StandInTransport(standin))
    try:
        first = await app.ctx.services.scheduler.lock.claim("reconcile-payments", 300)
        second = await other.scheduler.lock.claim("reconcile-payments", 300)
        assert (first, second) == (True, False)
    finally:
        await close_services(other)


async def test_payments_without_yookassa_configured_are_503(settings, redis, standin):
    services = build_services(settings, redis=redis, transport=StandInTransport(standin))
    app = create_app(settings, services=services)
    try:
        headers = await session(app)
        response = await pay(app, headers)
        assert response.status == 503 and response.json["error"]["code"] == "not_configured"
    finally:
        await close_services(services)
