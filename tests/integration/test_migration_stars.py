"""Migration 30 on a payments table of before it (a deployment upgrading): the Stars columns are added with
defaults that keep every YooKassa row as it was, the charge id is unique, and running it again changes nothing."""

from __future__ import annotations

import peewee
import pytest

from cargotool.core.storage.db import Database
from cargotool.core.storage.migrations import _stars_payments
from cargotool.core.storage.models import Payment

OLD_PAYMENTS = (
    "CREATE TABLE payments (id VARCHAR(36) NOT NULL PRIMARY KEY, driver_id BIGINT NOT NULL, plan_id VARCHAR(16) NOT NULL,"
    " days INTEGER NOT NULL, amount_kopecks BIGINT NOT NULL, promo_code VARCHAR(32), status VARCHAR(24) NOT NULL,"
    " yookassa_id VARCHAR(64) UNIQUE, confirmation_url TEXT, refunded_kopecks BIGINT NOT NULL DEFAULT 0,"
    " created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)"
)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_stars_columns_are_added_to_an_existing_payments_table(kind, tmp_path, postgres_url):
    database = Database({"sqlite": f"sqlite:///{tmp_path / 'm.sqlite3'}", "postgres": postgres_url}[kind])
    db = database.peewee
    try:
        db.execute_sql(OLD_PAYMENTS)
        db.execute_sql("INSERT INTO payments VALUES ('p1', 501, '1m', 30, 49900, NULL, 'succeeded', 'yk-1', NULL, 0,"
                       " '2026-11-01 10:00:00', '2026-11-01 10:00:00')")
        _stars_payments(db)
        _stars_payments(db)  # a second run adds nothing and fails on nothing
        old = Payment.get_by_id("p1")
        assert (old.method, old.stars, old.refunded_stars, old.is_recurring, old.renewal_canceled) == ("yookassa", None, 0, False, False)
        assert old.telegram_payment_charge_id is None and old.subscription_expiration_date is None
        for number in (2, 3):  # several rows without a charge id are fine
            Payment.create(id=f"p{number}", driver=501, plan_id="1m", days=30, amount_kopecks=0, status="pending", method="stars")
        Payment.update(telegram_payment_charge_id="stx-1").where(Payment.id == "p2").execute()
        with pytest.raises(peewee.IntegrityError), db.atomic():
            Payment.update(telegram_payment_charge_id="stx-1").where(Payment.id == "p3").execute()
    finally:
        database.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_new_database_has_the_same_defaults_as_a_migrated_one(kind, tmp_path, postgres_url):
    """Migration 4 builds `payments` from the model on a new database: a row written without the Stars columns
    (an older process during a rolling deploy, an operator's SQL) must get the same defaults there too."""
    from cargotool.core.storage.migrations import migrate

    database = Database({"sqlite": f"sqlite:///{tmp_path / 'n.sqlite3'}", "postgres": postgres_url}[kind])
    try:
        migrate(database)
        db = database.peewee
        db.execute_sql("INSERT INTO drivers (telegram_id, first_name, created_at, last_login_at)"
                       " VALUES (501, 'Иван', '2026-11-01 10:00:00', '2026-11-01 10:00:00')")
        db.execute_sql("INSERT INTO payments (id, driver_id, plan_id, days, amount_kopecks, status, refunded_kopecks,"
                       " created_at, updated_at) VALUES ('p1', 501, '1m', 30, 49900, 'succeeded', 0,"
                       " '2026-11-01 10:00:00', '2026-11-01 10:00:00')")
        row = Payment.get_by_id("p1")
        assert (row.method, row.refunded_stars, row.is_recurring, row.renewal_canceled) == ("yookassa", 0, False, False)
    finally:
        database.close()
