"""Money rules on SQLite and PostgreSQL: discount code caps with reservations, once per driver, refunds
started by an operator and refunds recovered by reconcile, receipts. YooKassa is the loopback stand-in
spoken to through the official SDK."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from yookassa.domain.request import PaymentRequest, RefundRequest

from cargotool.bootstrap import build_services
from cargotool.core.billing.payments import Outcome
from cargotool.core.billing.promo import PromoRejected
from cargotool.core.billing.refunds import RefundNeedsCheck
from cargotool.core.errors import InvalidInput, NotFound, UpstreamUnavailable
from cargotool.core.storage.models import AuditEvent, DriverRecord, Payment, PromoCode, PromoUse, Refund, Subscription
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import close_services
from tests.integration.test_billing import loopback_peer, make_settings, session, yookassa  # noqa: F401  (fixtures)


@pytest.fixture(params=["sqlite", "postgres"])
async def money(request, settings, redis, standin, yookassa):  # noqa: F811
    app_settings = make_settings(settings, yookassa)
    if request.param == "postgres":
        app_settings = app_settings.replace(database_url=request.getfixturevalue("postgres_url"))
    services = build_services(app_settings, redis=redis, transport=StandInTransport(standin))
    yield services, yookassa[0]
    await close_services(services)


async def succeed(money, payment):
    services, standin = money
    standin.succeed(payment.yookassa_id)
    return await services.payments.replay(payment.yookassa_id)


async def promo_row(services, code):
    return await services.database.run(lambda: PromoCode.get_by_id(code))


async def test_a_one_use_discount_is_used_once(money):
    """The issue's reproduction: A pays a month with a 1-use 50 % code, then B, then A for three months."""
    services, _ = money
    await services.promos.create("percent", 50, code="HALF", max_uses=1)
    first = await services.payments.create(501, {"plan": "1m", "promo_code": "half"})
    assert first.amount_kopecks == 24950
    assert (await succeed(money, first)).applied
    with pytest.raises(PromoRejected, match="максимальное число"):
        await services.payments.create(502, {"plan": "1m", "promo_code": "HALF"})
    with pytest.raises(PromoRejected):
        await services.payments.create(501, {"plan": "3m", "promo_code": "HALF"})
    row = await promo_row(services, "HALF")
    assert (row.used, row.reserved) == (1, 0)


async def test_once_per_driver_even_without_a_cap(money):
    services, _ = money
    await services.promos.create("amount", 10000, code="MINUS100")
    paid = await services.payments.create(501, {"plan": "1m", "promo_code": "MINUS100"})
    await succeed(money, paid)
    with pytest.raises(PromoRejected, match="уже использовали"):
        await services.payments.create(501, {"plan": "3m", "promo_code": "MINUS100"})
    other = await services.payments.create(502, {"plan": "3m", "promo_code": "minus100"})
    assert other.amount_kopecks == 119900


async def test_twenty_drivers_race_for_a_three_use_code(money):
    services, _ = money
    await services.promos.create("percent", 20, code="RACE3", max_uses=3)
    results = await asyncio.gather(*(services.payments.create(800 + n, {"plan": "1m", "promo_code": "RACE3"})
                                     for n in range(20)), return_exceptions=True)
    created = [r for r in results if isinstance(r, Payment)]
    assert len(created) == 3 and all(r.amount_kopecks == 39920 for r in created)
    assert all(isinstance(r, PromoRejected) for r in results if not isinstance(r, Payment))
    row = await promo_row(services, "RACE3")
    assert (row.used, row.reserved) == (0, 3)
    await asyncio.gather(*(succeed(money, p) for p in created))
    row = await promo_row(services, "RACE3")
    assert (row.used, row.reserved) == (3, 0)
    discounted = await services.database.run(lambda: Payment.select().where(Payment.promo_code == "RACE3").count())
    assert discounted == 3


async def test_a_pending_payment_is_handed_back_and_a_second_plan_waits(money):
    services, _ = money
    await services.promos.create("percent", 10, code="TEN", max_uses=5)
    first = await services.payments.create(501, {"plan": "1m", "promo_code": "TEN"})
    again = await services.payments.create(501, {"plan": "1m", "promo_code": "ten"})
    assert again.id == first.id
    with pytest.raises(PromoRejected, match="неоплаченному платежу"):
        await services.payments.create(501, {"plan": "3m", "promo_code": "TEN"})
    assert (await promo_row(services, "TEN")).reserved == 1


async def test_a_canceled_payment_gives_its_reservation_back(money):
    services, standin = money
    await services.promos.create("percent", 10, code="ONE", max_uses=1)
    first = await services.payments.create(501, {"plan": "1m", "promo_code": "ONE"})
    with pytest.raises(PromoRejected):
        await services.payments.create(502, {"plan": "1m", "promo_code": "ONE"})
    standin.cancel(first.yookassa_id)
    await services.payments.replay(first.yookassa_id)
    assert (await promo_row(services, "ONE")).reserved == 0
    second = await services.payments.create(502, {"plan": "1m", "promo_code": "ONE"})
    await succeed(money, second)
    row = await promo_row(services, "ONE")
    assert (row.used, row.reserved) == (1, 0)


async def test_an_abandoned_reservation_times_out_and_a_late_payment_is_honoured(money):
    services, _ = money
    await services.promos.create("percent", 10, code="LATE", max_uses=1)
    abandoned = await services.payments.create(501, {"plan": "1m", "promo_code": "LATE"})
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    await services.database.run(lambda: PromoUse.update(reserved_until=past).where(PromoUse.code == "LATE").execute())
    taker = await services.payments.create(502, {"plan": "1m", "promo_code": "LATE"})  # the slot came back
    await succeed(money, taker)
    outcome = await succeed(money, abandoned)  # paid after all: the driver paid the discounted price
    assert outcome.applied
    row = await promo_row(services, "LATE")
    assert (row.used, row.reserved) == (2, 0)  # over the cap by exactly the late payment
    uses = await services.database.run(lambda: sorted((u.driver_id, u.state) for u in PromoUse.select()))
    assert uses == [(501, "used"), (502, "used")]


async def test_no_payment_row_without_a_shop(settings, redis, standin):
    services = build_services(settings, redis=redis, transport=StandInTransport(standin))
    try:
        from cargotool.core.errors import NotConfigured

        with pytest.raises(NotConfigured):
            await services.payments.create(501, {"plan": "1m"})
        assert await services.database.run(lambda: Payment.select().count()) == 0
    finally:
        await close_services(services)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_reservation_columns_are_added_to_an_older_database(kind, tmp_path, request):
    from cargotool.core.storage.db import Database
    from cargotool.core.storage.migrations import SchemaMigration, migrate

    url = request.getfixturevalue("postgres_url") if kind == "postgres" else f"sqlite:///{tmp_path / 'old.sqlite3'}"
    database = Database(url)
    try:
        migrate(database)

        def downgrade():  # the schema as migration 4 left it before reservations existed
            db = database.peewee
            db.execute_sql("DROP INDEX promo_uses_payment_id")
            for table, column in (("promo_codes", "reserved"), ("promo_uses", "state"), ("promo_uses", "reserved_until")):
                db.execute_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
            SchemaMigration.delete().where(SchemaMigration.version == 5).execute()

        database.run_sync(downgrade)
        assert [m.version for m in migrate(database)] == [5]
        columns = database.run_sync(lambda: {c.name for c in database.peewee.get_columns("promo_uses")})
        assert {"state", "reserved_until"} <= columns
    finally:
        database.close()


# ---- refunds ------------------------------------------------------------------------------------------

def days_left(expires_at) -> float:
    return (expires_at - dt.datetime.now(dt.timezone.utc)).total_seconds() / 86400


async def subscription_days(services, driver_id=501) -> float:
    row = await services.database.run(lambda: Subscription.get_by_id(driver_id))
    return days_left(row.expires_at)


async def paid(money, plan="3m", driver_id=501):
    payment = await money[0].payments.create(driver_id, {"plan": plan})
    await succeed(money, payment)
    return payment


async def actions(services, action):
    return await services.database.run(lambda: AuditEvent.select().where(AuditEvent.action == action).count())


async def test_an_operator_refund_is_idempotent_and_shortens_once(money):
    services, standin = money
    payment = await paid(money)  # 90 days for 1299 ₽
    result = await services.refunds.start(payment.yookassa_id, "водитель передумал", 64950)
    assert (result.status, result.repeated, result.amount_kopecks) == ("succeeded", False, 64950)
    assert 44.9 < days_left(result.expires_at) < 45.001
    again = await services.refunds.start(payment.yookassa_id, "  Водитель передумал ", 64950)  # the same request
    assert again.repeated and again.yookassa_id == result.yookassa_id and standin.refund_creates == 1
    webhook = await services.payments.handle_notification(standin.notification("refund.succeeded", result.yookassa_id))
    assert webhook.applied is False
    assert await services.payments.reconcile(payment_refs=(payment.id,)) == [Outcome(payment.id, "succeeded", False)]
    assert 44.9 < await subscription_days(services) < 45.001
    row = await services.database.run(lambda: Payment.get_by_id(payment.id))
    assert row.refunded_kopecks == 64950
    assert (await actions(services, "payment.refund_requested"), await actions(services, "payment.refunded")) == (1, 1)
    rest = await services.refunds.start(payment.id, "остаток", None)  # our id works too; default: all that is left
    assert rest.amount_kopecks == 64950 and rest.status == "succeeded"
    assert await subscription_days(services) < 0.01  # never before now
    with pytest.raises(InvalidInput, match="полностью"):
        await services.refunds.start(payment.id, "ещё раз", 100)


async def test_a_lost_refund_webhook_is_caught_by_reconcile(money):
    services, standin = money
    payment = await paid(money, "1m")  # 30 days
    standin.refund(payment.yookassa_id, "249.50")  # made in YooKassa's dashboard; its notification is lost
    assert [o for o in await services.payments.reconcile() if o.applied] == []  # not asked to look at refunds
    [outcome] = await services.payments.reconcile(refund_days=30)
    assert outcome.status == "refund" and outcome.applied
    assert 14.9 < await subscription_days(services) < 15.001
    assert await services.payments.reconcile(refund_days=30) == []  # once
    refund_id = next(iter(standin.refunds))
    late = await services.payments.handle_notification(standin.notification("refund.succeeded", refund_id))
    assert late.applied is False and 14.9 < await subscription_days(services) < 15.001


async def test_a_pending_refund_is_finished_by_reconcile_or_webhook_once(money):
    services, standin = money
    payment = await paid(money, "1m")
    standin.refund_status = "pending"
    result = await services.refunds.start(payment.yookassa_id, "двойная оплата", 10000)
    assert result.status == "pending" and result.expires_at is None
    assert 29.9 < await subscription_days(services) < 30.001
    with pytest.raises(InvalidInput, match="не больше 399.00"):  # 499 − 100 waiting
        await services.refunds.start(payment.yookassa_id, "другая причина", 40000)
    standin.finish_refund(result.yookassa_id)
    [outcome] = await services.payments.reconcile()  # an open refund of ours is always checked
    assert outcome.applied and outcome.status == "refund"
    assert await services.database.run(lambda: Refund.get_by_id(result.refund_id).status) == "succeeded"
    webhook = await services.payments.handle_notification(standin.notification("refund.succeeded", result.yookassa_id))
    assert webhook.applied is False
    expected = 30 - 30 * 100 / 499
    assert expected - 0.01 < await subscription_days(services) < expected + 0.01


async def test_refund_input_is_checked(money):
    services, _ = money
    open_payment = await services.payments.create(501, {"plan": "1m"})
    with pytest.raises(NotFound):
        await services.refunds.start("no-such-payment", "ошибка")
    with pytest.raises(InvalidInput) as not_paid:
        await services.refunds.start(open_payment.yookassa_id, "ошибка")
    assert "payment_id" in not_paid.value.fields
    payment = await paid(money, "1m", driver_id=502)
    with pytest.raises(InvalidInput) as no_reason:
        await services.refunds.start(payment.yookassa_id, "  ")
    assert set(no_reason.value.fields) == {"reason"}
    with pytest.raises(InvalidInput, match="не больше 499.00"):
        await services.refunds.start(payment.yookassa_id, "много", 50000)


async def test_admins_refund_from_the_admin_api(settings, redis, standin, yookassa):  # noqa: F811
    services = build_services(make_settings(settings, yookassa, admin_telegram_ids=(42,)), redis=redis,
                              transport=StandInTransport(standin))
    app = create_app(services.settings, services=services)
    try:
        driver, admin = await session(app, 501), await session(app, 42)
        payment = await paid((services, yookassa[0]), "1m")
        path = f"/api/admin/payments/{payment.id}/refund"
        assert (await app.asgi_client.post(path, json={"reason": "x"}, headers=driver))[1].status == 403
        _, bad = await app.asgi_client.post(path, json={"amount_rub": "сто", "reason": "x"}, headers=admin)
        assert bad.status == 400 and set(bad.json["error"]["fields"]) == {"amount_rub"}
        for hostile in ("1e307", "-1e307", "NaN", "Infinity", "0", "499.01", "0.001", "true"):  # no 500, no overflow
            _, refused = await app.asgi_client.post(path, content=f'{{"amount_rub": {hostile}, "reason": "x"}}',
                                                    headers={**admin, "content-type": "application/json"})
            expected = {"body"} if hostile in ("NaN", "Infinity") else {"amount_rub"}  # not JSON: refused as a body
            assert refused.status == 400 and set(refused.json["error"]["fields"]) == expected, hostile
        _, no_reason = await app.asgi_client.post(path, json={"amount_rub": 100}, headers=admin)
        assert no_reason.status == 400 and set(no_reason.json["error"]["fields"]) == {"reason"}
        _, made = await app.asgi_client.post(path, json={"amount_rub": 249.5, "reason": "жалоба"}, headers=admin)
        assert made.status == 201 and made.json["status"] == "succeeded" and made.json["amount_rub"] == 249.5
        _, again = await app.asgi_client.post(path, json={"amount_rub": 249.5, "reason": "жалоба"}, headers=admin)
        assert again.status == 200 and again.json["repeated"] is True
        _, missing = await app.asgi_client.post("/api/admin/payments/nope/refund", json={"reason": "x"}, headers=admin)
        assert missing.status == 404
        _, listed = await app.asgi_client.get("/api/admin/payments", headers=admin)
        assert listed.json["items"][0]["refunded_rub"] == 249.5 and listed.json["refunds_to_check"] == []
        assert 14.9 < await subscription_days(services) < 15.001
        _, audit = await app.asgi_client.get("/api/admin/audit?action=payment.refund_requested", headers=admin)
        assert [e["actor"] for e in audit.json["items"]] == ["admin:42"]
    finally:
        await close_services(services)


# ---- receipts ------------------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgres"])
async def receipts_app(request, settings, redis, standin, yookassa):  # noqa: F811
    app_settings = make_settings(settings, yookassa, yookassa_receipt="on", yookassa_vat_code=1)
    if request.param == "postgres":
        app_settings = app_settings.replace(database_url=request.getfixturevalue("postgres_url"))
    services = build_services(app_settings, redis=redis, transport=StandInTransport(standin))
    yield create_app(services.settings, services=services), yookassa[0]
    await close_services(services)


async def test_receipts_take_a_checked_phone_or_email_and_remember_it(receipts_app):
    app, standin = receipts_app
    services = app.ctx.services
    headers = await session(app)
    _, plans = await app.asgi_client.get("/api/plans", headers=headers)
    assert plans.json["receipt"] == {"required": True, "email": None, "phone": None}
    _, missing = await app.asgi_client.post("/api/payments", json={"plan": "1m"}, headers=headers)
    assert missing.status == 400 and "email" in missing.json["error"]["fields"]
    _, bad = await app.asgi_client.post("/api/payments", json={"plan": "1m", "phone": "+7 900 12"}, headers=headers)
    assert bad.status == 400 and set(bad.json["error"]["fields"]) == {"phone"}
    assert await services.database.run(lambda: Payment.select().count()) == 0

    _, paid_ = await app.asgi_client.post("/api/payments", json={"plan": "1m", "phone": "8 (900) 123-45-67"}, headers=headers)
    assert paid_.status == 200
    params = standin.last_params
    assert params["receipt"]["customer"] == {"phone": "79001234567"}
    assert params["receipt"]["items"][0]["amount"] == params["amount"] == {"value": "499.00", "currency": "RUB"}
    PaymentRequest(params).validate()  # the SDK's own request validation (it raised on the way out too)
    with pytest.raises(ValueError):
        PaymentRequest({**params, "receipt": {**params["receipt"], "customer": {}}}).validate()

    _, plans = await app.asgi_client.get("/api/plans", headers=headers)
    assert plans.json["receipt"] == {"required": True, "email": None, "phone": "79001234567"}
    _, second = await app.asgi_client.post("/api/payments", json={"plan": "3m"}, headers=headers)  # remembered
    assert second.status == 200 and standin.last_params["receipt"]["customer"] == {"phone": "79001234567"}

    payment = await services.database.run(lambda: Payment.get_by_id(second.json["payment_id"]))
    await succeed((services, standin), payment)
    await services.refunds.start(payment.yookassa_id, "ошибка", 10000)
    refund_params = standin.last_refund_params
    assert refund_params["receipt"]["customer"] == {"phone": "79001234567"}
    assert refund_params["receipt"]["items"][0]["amount"] == {"value": "100.00", "currency": "RUB"}
    RefundRequest(refund_params).validate()


async def test_concurrent_refunds_never_exceed_the_payment(money):
    services, standin = money
    payment = await paid(money, "1m")  # 499 ₽
    same = await asyncio.gather(*(services.refunds.start(payment.id, "дубль", 10000) for _ in range(5)))
    assert len({r.refund_id for r in same}) == 1 and standin.refund_creates == 1
    rivals = await asyncio.gather(*(services.refunds.start(payment.id, f"причина {n}", 30000) for n in range(5)),
                                  return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in rivals) == 1  # 100 + 300 ≤ 499; a second 300 is not
    assert all(isinstance(r, InvalidInput) for r in rivals if isinstance(r, Exception))
    row = await services.database.run(lambda: Payment.get_by_id(payment.id))
    assert row.refunded_kopecks == 40000 and standin.refund_creates == 2


async def test_a_refund_yookassa_refuses_holds_nothing(money, monkeypatch):
    services, _ = money
    payment = await paid(money, "1m")

    async def refused(**kwargs):
        raise InvalidInput("YooKassa refused the request (amount)", fields={"amount": "refused by YooKassa"})

    monkeypatch.setattr(services.payments.gateway, "refund", refused)
    with pytest.raises(InvalidInput):
        await services.refunds.start(payment.id, "отказ", 10000)
    assert await services.database.run(lambda: [r.status for r in Refund.select()]) == ["canceled"]
    monkeypatch.undo()
    whole = await services.refunds.start(payment.id, "всё")
    assert whole.amount_kopecks == 49900 and whole.status == "succeeded"


async def test_the_hourly_background_job_applies_lost_refunds(money):
    services, standin = money
    payment = await paid(money, "1m")
    standin.refund(payment.yookassa_id, "499.00")  # a whole refund made in the dashboard; its webhook lost
    await services.scheduler.jobs["reconcile-refunds"].work()
    assert await subscription_days(services) < 0.01
    assert await actions(services, "payment.refunded") == 1
    await services.scheduler.jobs["reconcile-refunds"].work()
    assert await actions(services, "payment.refunded") == 1


async def expire_reservations(services, code):
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    await services.database.run(lambda: PromoUse.update(reserved_until=past).where(PromoUse.code == code).execute())


async def test_a_timed_out_reservation_does_not_let_the_driver_use_a_code_twice(money):
    """The review's reproduction: a no-cap 50 % code; P1 reserved; the reservation times out; P2 with the
    same code. Before: both were created and paid at half price, used=2."""
    services, standin = money
    await services.promos.create("percent", 50, code="TWICE")
    first = await services.payments.create(501, {"plan": "1m", "promo_code": "TWICE"})
    await expire_reservations(services, "TWICE")
    with pytest.raises(PromoRejected, match="ещё можно оплатить"):  # P1 can still be paid
        await services.payments.create(501, {"plan": "3m", "promo_code": "TWICE"})
    late = await succeed(money, first)  # paid late: honoured and counted once
    assert late.applied
    with pytest.raises(PromoRejected, match="уже использовали"):
        await services.payments.create(501, {"plan": "3m", "promo_code": "TWICE"})
    row = await promo_row(services, "TWICE")
    assert (row.used, row.reserved) == (1, 0)
    uses = await services.database.run(lambda: [(u.driver_id, u.payment_id, u.state) for u in PromoUse.select()])
    assert uses == [(501, first.id, "used")]


async def test_a_driver_may_use_the_code_again_once_the_timed_out_payment_is_canceled(money):
    services, standin = money
    await services.promos.create("percent", 50, code="AGAIN", max_uses=1)
    first = await services.payments.create(501, {"plan": "1m", "promo_code": "AGAIN"})
    await expire_reservations(services, "AGAIN")
    with pytest.raises(PromoRejected):
        await services.payments.create(501, {"plan": "3m", "promo_code": "AGAIN"})
    standin.cancel(first.yookassa_id)
    await services.payments.replay(first.yookassa_id)
    second = await services.payments.create(501, {"plan": "3m", "promo_code": "AGAIN"})
    assert second.amount_kopecks == 64950
    await succeed(money, second)
    row = await promo_row(services, "AGAIN")
    assert (row.used, row.reserved) == (1, 0)
    uses = await services.database.run(lambda: [(u.payment_id, u.state) for u in PromoUse.select()])
    assert uses == [(second.id, "used")]


async def test_an_expired_row_of_a_payment_that_never_reached_yookassa_is_taken_over(money):
    services, _ = money
    await services.promos.create("amount", 10000, code="OVER")
    first = await services.payments.create(501, {"plan": "1m", "promo_code": "OVER"})
    await services.database.run(lambda: Payment.update(status="canceled").where(Payment.id == first.id).execute())
    await expire_reservations(services, "OVER")  # canceled without the release (an older version's row)
    second = await services.payments.create(501, {"plan": "1m", "promo_code": "OVER"})
    uses = await services.database.run(lambda: [(u.payment_id, u.state) for u in PromoUse.select()])
    assert uses == [(second.id, "reserved")] and (await promo_row(services, "OVER")).reserved == 1


async def test_a_failed_payment_creation_gives_its_code_back_and_a_retry_gets_a_new_key(money, monkeypatch):
    services, _ = money
    await services.promos.create("percent", 50, code="FAIL1", max_uses=1)
    real_create, keys = services.payments.gateway.create, []

    async def unavailable(**kwargs):
        keys.append(kwargs["idempotency_key"])
        raise UpstreamUnavailable("YooKassa is unavailable (ConnectionError)")

    monkeypatch.setattr(services.payments.gateway, "create", unavailable)
    with pytest.raises(UpstreamUnavailable):
        await services.payments.create(501, {"plan": "1m", "promo_code": "FAIL1"})
    assert (await promo_row(services, "FAIL1")).reserved == 0  # not held for 60 minutes
    assert await services.database.run(lambda: [p.status for p in Payment.select()]) == ["canceled"]
    assert await actions(services, "payment.create_failed") == 1

    async def recording(**kwargs):
        keys.append(kwargs["idempotency_key"])
        return await real_create(**kwargs)

    monkeypatch.setattr(services.payments.gateway, "create", recording)
    retry = await services.payments.create(501, {"plan": "1m", "promo_code": "FAIL1"})
    assert retry.amount_kopecks == 24950 and retry.confirmation_url
    assert len(set(keys)) == 2  # the retry's body is sent under a key of its own
    assert (await promo_row(services, "FAIL1")).reserved == 1


async def test_a_payment_still_new_is_never_handed_back(money):
    """Its create may be in flight (or was lost): reusing its Idempotence-Key with another body is refused
    by YooKassa, so a second request gets a row of its own."""
    services, _ = money
    await services.database.run(lambda: DriverRecord.insert(telegram_id=501, first_name="").execute())
    stuck = await services.database.run(lambda: Payment.create(
        id="00000000-0000-4000-8000-000000000001", driver=501, plan_id="1m", days=30, amount_kopecks=49900,
        status="new", created_at=dt.datetime.now(dt.timezone.utc)))
    fresh = await services.payments.create(501, {"plan": "1m"})
    assert fresh.id != stuck.id and fresh.confirmation_url
    again = await services.payments.create(501, {"plan": "1m"})
    assert again.id == fresh.id  # one YooKassa accepted is handed back


# ---- refunds whose answer was lost (review findings) ----------------------------------------------------

def answer_lost(services, monkeypatch, *, made: bool):
    """YooKassa's refund call raises as if its answer were lost; with `made` YooKassa did make the refund."""
    real = services.payments.gateway.refund

    async def lost(**kwargs):
        if made:
            await real(**kwargs)
        raise UpstreamUnavailable("YooKassa did not answer in 15 s")

    monkeypatch.setattr(services.payments.gateway, "refund", lost)


async def test_a_refund_whose_answer_was_lost_is_adopted_and_the_rest_is_whole(money, monkeypatch):
    services, standin = money
    payment = await paid(money, "1m")  # 499 ₽
    answer_lost(services, monkeypatch, made=True)
    with pytest.raises(UpstreamUnavailable):
        await services.refunds.start(payment.id, "частично", 10000)
    monkeypatch.undo()
    [outcome] = await services.payments.reconcile()  # our open refund makes reconcile look
    assert outcome.applied and outcome.status == "refund"
    [row] = await services.database.run(lambda: list(Refund.select()))
    assert row.status == "succeeded" and row.yookassa_id == next(iter(standin.refunds))
    rest = await services.refunds.start(payment.id, "остаток")
    assert rest.amount_kopecks == 39900  # before: 29900, the adopted 100 ₽ counted twice
    assert standin.refund_creates == 2
    assert await services.database.run(lambda: Payment.get_by_id(payment.id).refunded_kopecks) == 49900


async def test_a_webhook_before_our_answer_still_finishes_our_refund_row(money, monkeypatch):
    services, standin = money
    payment = await paid(money, "1m")
    standin.refund_status = "pending"
    real = services.payments.gateway.refund

    async def webhook_first(**kwargs):
        remote = await real(**kwargs)
        standin.finish_refund(remote.id)  # it succeeds, and its webhook arrives before our row has the id
        done = await services.payments.handle_notification(standin.notification("refund.succeeded", remote.id))
        assert done.applied
        return remote  # the create's own answer: pending

    monkeypatch.setattr(services.payments.gateway, "refund", webhook_first)
    result = await services.refunds.start(payment.id, "вебхук раньше", 10000)
    monkeypatch.undo()
    assert result.status == "pending"
    await services.payments.reconcile()  # the effect is a duplicate now; the row must still finish
    assert await services.database.run(lambda: Refund.get_by_id(result.refund_id).status) == "succeeded"
    assert await actions(services, "payment.refunded") == 1
    whole = await services.refunds.start(payment.id, "остаток")
    assert whole.amount_kopecks == 39900


async def a_lost_refund(money, monkeypatch) -> Payment:
    """A paid payment and a 100 ₽ refund of it that YooKassa never got (the call failed)."""
    payment = await paid(money, "1m")
    answer_lost(money[0], monkeypatch, made=False)
    with pytest.raises(UpstreamUnavailable):
        await money[0].refunds.start(payment.id, "потерян", 10000)
    monkeypatch.undo()
    return payment


async def age_refunds(services, hours=24):
    then = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours)
    await services.database.run(lambda: Refund.update(created_at=then).execute())


async def test_a_lost_refund_is_never_sent_again_after_its_key_may_have_expired(money, monkeypatch):
    services, standin = money
    payment = await a_lost_refund(money, monkeypatch)
    await age_refunds(services)
    with pytest.raises(RefundNeedsCheck, match="личном кабинете"):
        await services.refunds.start(payment.id, "потерян", 10000)  # the same request, a day later
    assert standin.refund_creates == 0  # not sent again: the old key may be gone, a resend could refund twice
    assert await actions(services, "payment.refund_needs_check") == 1
    [check] = await services.payments.refunds_to_check()
    assert (check.status, check.amount_kopecks) == ("check", 10000)
    whole = await services.refunds.start(payment.id, "всё остальное")  # it holds nothing of the payment
    assert whole.amount_kopecks == 49900


async def test_reconcile_marks_a_stale_lost_refund_for_a_check(money, monkeypatch):
    services, standin = money
    await a_lost_refund(money, monkeypatch)
    assert await services.payments.reconcile() == [] and not await services.payments.refunds_to_check()  # young
    await age_refunds(services)
    await services.payments.reconcile()
    assert [r.status for r in await services.payments.refunds_to_check()] == ["check"]
    assert await actions(services, "payment.refund_needs_check") == 1 and standin.refund_creates == 0
