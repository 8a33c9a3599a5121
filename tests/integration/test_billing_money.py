"""Money rules on SQLite and PostgreSQL: discount code caps with reservations, once per driver, refunds
started by an operator and refunds recovered by reconcile, receipts. YooKassa is the loopback stand-in
spoken to through the official SDK."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from cargotool.bootstrap import build_services
from cargotool.core.billing.promo import PromoRejected
from cargotool.core.storage.models import Payment, PromoCode, PromoUse
from cargotool.standin import StandInTransport
from tests.conftest import close_services
from tests.integration.test_billing import make_settings, yookassa  # noqa: F401  (fixture)


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
