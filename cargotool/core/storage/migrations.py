"""Schema migrations: an ordered list of steps, each applied once and recorded in `schema_migrations`.

`migrate()` is idempotent and safe to run from several processes at once: on PostgreSQL it holds a
transaction-level advisory lock, on SQLite an immediate (write-locked) transaction serialises runners.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import peewee

from .db import Database
from .forgotten import unlink_forgotten
from .models import (AlertDelivery, AlertPrefs, AuditEvent, Flag, Payment, PaymentEffect, PromoCode, PromoUse,
                     Response, ResponseEvent, SavedSearch, SearchHit, Subscription, UTCDateTimeField, database_proxy)

_ADVISORY_LOCK_ID = 0x6361_7267  # "carg"


class SchemaMigration(peewee.Model):
    version = peewee.IntegerField(primary_key=True)
    name = peewee.CharField(max_length=128)
    applied_at = UTCDateTimeField()

    class Meta:
        database = database_proxy
        table_name = "schema_migrations"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[peewee.Database], None]


def _create_audit_events(db: peewee.Database) -> None:
    db.create_tables([AuditEvent])


def _create_drivers(db: peewee.Database) -> None:
    db.execute_sql(
        "CREATE TABLE drivers (telegram_id BIGINT NOT NULL PRIMARY KEY, first_name VARCHAR(256) NOT NULL,"
        " last_name VARCHAR(256), username VARCHAR(64), created_at TIMESTAMP NOT NULL,"
        " last_login_at TIMESTAMP NOT NULL)"
    )


def _responses(db: peewee.Database) -> None:
    from playhouse.migrate import SchemaMigrator, migrate as alter

    alter(SchemaMigrator.from_database(db).add_column("drivers", "bot_blocked_at", UTCDateTimeField(null=True)))
    db.create_tables([Response, ResponseEvent])


def _billing(db: peewee.Database) -> None:
    db.create_tables([Subscription, Payment, PaymentEffect, PromoCode, PromoUse, Flag])


def _add_columns(db: peewee.Database, table: str, columns: dict[str, str]) -> None:
    """ALTER TABLE ... ADD COLUMN for each column not there yet. Migration 4 creates its tables from the
    current models, so on a new database they already have the columns added later."""
    present = {c.name for c in db.get_columns(table)}
    for name, definition in columns.items():
        if name not in present:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


def _promo_reservations(db: peewee.Database) -> None:
    _add_columns(db, "promo_codes", {"reserved": "INTEGER NOT NULL DEFAULT 0"})
    _add_columns(db, "promo_uses", {"state": "VARCHAR(16) NOT NULL DEFAULT 'used'", "reserved_until": "TIMESTAMP"})
    db.execute_sql("CREATE INDEX IF NOT EXISTS promo_uses_payment_id ON promo_uses (payment_id)")


def _refunds(db: peewee.Database) -> None:
    db.execute_sql(
        "CREATE TABLE refunds (id VARCHAR(36) NOT NULL PRIMARY KEY,"
        " payment_id VARCHAR(36) NOT NULL REFERENCES payments (id), yookassa_id VARCHAR(64) UNIQUE,"
        " request_key VARCHAR(64) NOT NULL UNIQUE, amount_kopecks BIGINT NOT NULL, reason TEXT NOT NULL,"
        " status VARCHAR(16) NOT NULL, actor VARCHAR(64) NOT NULL, created_at TIMESTAMP NOT NULL,"
        " updated_at TIMESTAMP NOT NULL)"
    )
    db.execute_sql("CREATE INDEX refunds_payment_id ON refunds (payment_id)")


def _receipt_contacts(db: peewee.Database) -> None:
    db.execute_sql(
        "CREATE TABLE receipt_contacts (driver_id BIGINT NOT NULL PRIMARY KEY REFERENCES drivers (telegram_id),"
        " email VARCHAR(254), phone VARCHAR(16), updated_at TIMESTAMP NOT NULL)"
    )


def _alerts(db: peewee.Database) -> None:
    db.create_tables([SavedSearch, SearchHit, AlertDelivery, AlertPrefs])


def _insights_profiles(db: peewee.Database) -> None:
    db.execute_sql(
        "CREATE TABLE driver_insight_profiles (driver_id BIGINT NOT NULL PRIMARY KEY, lat DOUBLE PRECISION,"
        " lon DOUBLE PRECISION, point_id BIGINT, place_name VARCHAR(128), position_source VARCHAR(16),"
        " position_at TIMESTAMP, fuel_l_per_100km DOUBLE PRECISION, fuel_price_kopecks BIGINT,"
        " updated_at TIMESTAMP NOT NULL)"
    )


def _lane_rates(db: peewee.Database) -> None:
    db.execute_sql(
        "CREATE TABLE lane_rates (cargo_id VARCHAR(32) NOT NULL PRIMARY KEY, from_region VARCHAR(64) NOT NULL,"
        " to_region VARCHAR(64) NOT NULL, body VARCHAR(64) NOT NULL, weight_class VARCHAR(16) NOT NULL,"
        " from_city VARCHAR(128), to_city VARCHAR(128), rate_kopecks_per_km BIGINT NOT NULL,"
        " seen_at TIMESTAMP NOT NULL)"
    )
    db.execute_sql("CREATE INDEX lane_rates_lane ON lane_rates (from_region, to_region, body, weight_class, seen_at)")
    db.execute_sql("CREATE INDEX lane_rates_seen_at ON lane_rates (seen_at)")


def _trips_and_reports(db: peewee.Database) -> None:
    db.execute_sql(
        "CREATE TABLE insight_trips (id INTEGER NOT NULL PRIMARY KEY %s, response_id BIGINT NOT NULL UNIQUE,"
        " driver_id BIGINT NOT NULL, cargo_id VARCHAR(32) NOT NULL, inn VARCHAR(16), company_name VARCHAR(256),"
        " from_city VARCHAR(128), to_city VARCHAR(128), from_address_key VARCHAR(255), to_address_key VARCHAR(255),"
        " loading_until TIMESTAMP, unloading_until TIMESTAMP, accepted_at TIMESTAMP NOT NULL, wait_asked_at TIMESTAMP,"
        " load_wait VARCHAR(8), unload_wait VARCHAR(8))" % _autoincrement(db)
    )
    for column in ("driver_id", "inn", "from_address_key", "to_address_key"):
        db.execute_sql(f"CREATE INDEX insight_trips_{column} ON insight_trips ({column})")
    db.execute_sql(
        "CREATE TABLE driver_reports (id INTEGER NOT NULL PRIMARY KEY %s, driver_id BIGINT NOT NULL,"
        " cargo_id VARCHAR(32) NOT NULL, inn VARCHAR(16) NOT NULL, kind VARCHAR(16) NOT NULL, comment TEXT,"
        " hidden_at TIMESTAMP, hidden_by VARCHAR(128), hidden_reason TEXT, created_at TIMESTAMP NOT NULL,"
        " updated_at TIMESTAMP NOT NULL)" % _autoincrement(db)
    )
    db.execute_sql("CREATE UNIQUE INDEX driver_reports_driver_cargo ON driver_reports (driver_id, cargo_id)")
    db.execute_sql("CREATE INDEX driver_reports_inn ON driver_reports (inn)")


def _shippers(db: peewee.Database) -> None:
    _add_columns(db, "insight_trips", {"shipper_inn": "VARCHAR(16)", "shipper_name": "VARCHAR(256)"})
    _add_columns(db, "driver_reports", {"shipper_inn": "VARCHAR(16)"})
    db.execute_sql("CREATE INDEX IF NOT EXISTS insight_trips_shipper_inn ON insight_trips (shipper_inn)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS driver_reports_shipper_inn ON driver_reports (shipper_inn)")


def _consents(db: peewee.Database) -> None:
    db.execute_sql(
        "CREATE TABLE privacy_consents (id INTEGER NOT NULL PRIMARY KEY %s, driver_id BIGINT NOT NULL,"
        " kind VARCHAR(16) NOT NULL, answer BOOLEAN NOT NULL, answered_at TIMESTAMP NOT NULL, via VARCHAR(8) NOT NULL)"
        % _autoincrement(db)
    )
    db.execute_sql("CREATE INDEX privacy_consents_driver_kind ON privacy_consents (driver_id, kind)")


def _stars_payments(db: peewee.Database) -> None:
    _add_columns(db, "payments", {
        "method": "VARCHAR(16) NOT NULL DEFAULT 'yookassa'", "telegram_payment_charge_id": "VARCHAR(255)",
        "stars": "INTEGER", "refunded_stars": "INTEGER NOT NULL DEFAULT 0", "subscription_expiration_date": "TIMESTAMP",
        "is_recurring": "BOOLEAN NOT NULL DEFAULT FALSE", "renewal_canceled": "BOOLEAN NOT NULL DEFAULT FALSE"})
    db.execute_sql("CREATE UNIQUE INDEX IF NOT EXISTS payments_telegram_payment_charge_id"
                   " ON payments (telegram_payment_charge_id)")


def _autoincrement(db: peewee.Database) -> str:
    return "GENERATED BY DEFAULT AS IDENTITY" if isinstance(db, peewee.PostgresqlDatabase) else "AUTOINCREMENT"


def _health_heartbeat(db: peewee.Database) -> None:
    db.execute_sql("CREATE TABLE health_heartbeat (id INTEGER NOT NULL PRIMARY KEY, beat_at TIMESTAMP NOT NULL)")


def _forgotten_trips(db: peewee.Database) -> None:
    """A forgotten driver's trips and reports lose every link to their responses (core/privacy/forget.py) — also
    those of drivers forgotten before this release, which kept the response and the load under their pseudonym,
    and the IP addresses logged before their forgetting — and positions kept from before consents existed
    (migration 31) without a "yes" on record are cleared."""
    from playhouse.migrate import SchemaMigrator, migrate as alter

    migrator = SchemaMigrator.from_database(db)
    alter(migrator.drop_not_null("insight_trips", "response_id"), migrator.drop_not_null("insight_trips", "cargo_id"),
          migrator.drop_not_null("driver_reports", "cargo_id"))
    db.execute_sql("CREATE TABLE insight_forgotten_responses (response_id BIGINT NOT NULL PRIMARY KEY)")
    unlink_forgotten(db)
    db.execute_sql(
        "UPDATE audit_events SET ip = NULL WHERE ip IS NOT NULL AND EXISTS (SELECT 1 FROM audit_events f"
        " WHERE f.action = 'privacy.forget' AND f.actor = audit_events.actor AND f.id > audit_events.id)")
    db.execute_sql(
        "UPDATE driver_insight_profiles SET lat = NULL, lon = NULL, point_id = NULL, place_name = NULL,"
        " position_source = NULL, position_at = NULL WHERE lat IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
        " privacy_consents c WHERE c.driver_id = driver_insight_profiles.driver_id AND c.kind = 'position'"
        " AND c.answer AND c.id = (SELECT MAX(l.id) FROM privacy_consents l"
        " WHERE l.driver_id = c.driver_id AND l.kind = 'position'))")


def _shortlist(db: peewee.Database) -> None:
    """Favourites (with a snapshot of the card) and hidden loads and companies (core/shortlist)."""
    db.execute_sql("CREATE TABLE favourites (driver_id BIGINT NOT NULL, cargo_id VARCHAR(32) NOT NULL,"
                   " snapshot TEXT NOT NULL, added_at TIMESTAMP NOT NULL, gone_at TIMESTAMP,"
                   " PRIMARY KEY (driver_id, cargo_id))")
    db.execute_sql("CREATE TABLE hidden_cargos (driver_id BIGINT NOT NULL, cargo_id VARCHAR(32) NOT NULL,"
                   " label VARCHAR(256) NOT NULL, hidden_at TIMESTAMP NOT NULL, PRIMARY KEY (driver_id, cargo_id))")
    db.execute_sql("CREATE TABLE hidden_companies (driver_id BIGINT NOT NULL, inn VARCHAR(12) NOT NULL,"
                   " name VARCHAR(256) NOT NULL, hidden_at TIMESTAMP NOT NULL, PRIMARY KEY (driver_id, inn))")


def _chain_homes(db: peewee.Database) -> None:
    _add_columns(db, "driver_insight_profiles", {"home_point_id": "BIGINT", "home_name": "VARCHAR(128)"})


def _company_registrations(db: peewee.Database) -> None:
    """Register answers per INN (core/companycheck/store.py): company data from a public register, not personal
    data about drivers — forget-me has nothing to delete here."""
    db.execute_sql("CREATE TABLE company_registrations (inn VARCHAR(12) NOT NULL PRIMARY KEY,"
                   " status VARCHAR(16) NOT NULL, name VARCHAR(512), registered DATE, individual BOOLEAN NOT NULL,"
                   " forwarder_number VARCHAR(64), forwarder_since DATE, forwarder_checked BOOLEAN NOT NULL,"
                   " checked_at TIMESTAMP NOT NULL)")


def _truck_figures(db: peewee.Database) -> None:
    _add_columns(db, "driver_insight_profiles", {"truck_over_12t": "BOOLEAN", "truck_cost_kopecks_km": "BIGINT"})


def _availability(db: peewee.Database) -> None:
    """«Свободен в … с …» (core/availability): one row per driver, and the saved search it alerts through."""
    db.execute_sql("CREATE TABLE driver_availability (driver_id BIGINT NOT NULL PRIMARY KEY, point_id BIGINT NOT NULL,"
                   " name VARCHAR(128) NOT NULL, day DATE NOT NULL, radius_km INTEGER NOT NULL, search_id INTEGER,"
                   " created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)")
    db.execute_sql("CREATE INDEX driver_availability_day ON driver_availability (day)")
    _add_columns(db, "saved_searches", {"kind": "VARCHAR(16)"})


MIGRATIONS: list[Migration] = [
    Migration(1, "create audit_events", _create_audit_events),
    Migration(2, "create drivers", _create_drivers),
    Migration(3, "responses, their history, drivers.bot_blocked_at", _responses),
    Migration(4, "subscriptions, payments, promo codes, flags", _billing),
    Migration(5, "promo code reservations by open payments", _promo_reservations),
    Migration(6, "refunds started by operators", _refunds),
    Migration(7, "drivers' contacts for receipts", _receipt_contacts),
    Migration(10, "saved searches, their hits, alert deliveries, alert preferences", _alerts),
    Migration(20, "insights: drivers' position and fuel figures", _insights_profiles),
    Migration(21, "insights: posted rates per lane", _lane_rates),
    Migration(22, "insights: trips (accepted responses) with dock waits, drivers' reports", _trips_and_reports),
    Migration(23, "insights: the shipper beside the company that posted the load, on trips and reports", _shippers),
    Migration(30, "payments in Telegram Stars: method, charge id, stars, subscription period, renewal", _stars_payments),
    Migration(31, "privacy: drivers' consents (position, live location) with their time", _consents),
    Migration(32, "a heartbeat row /readyz writes to prove the database takes writes", _health_heartbeat),
    Migration(33, "privacy: forgotten drivers' trips and reports unlinked; positions without consent cleared",
              _forgotten_trips),
    Migration(34, "net after the road: the driver's truck (over 12 t, own cost per km)", _truck_figures),
    Migration(37, "favourites and hidden loads and companies", _shortlist),
    Migration(38, "chains home: a driver's home city on their profile", _chain_homes),
    Migration(39, "company register answers by INN, kept a day (company data, not personal)", _company_registrations),
    Migration(40, "availability: where and when a driver is free, its system saved search", _availability),
]


def migrate(database: Database) -> list[Migration]:
    """Apply pending migrations; return the ones applied by this call."""
    return database.run_sync(lambda: _migrate(database))


def _migrate(database: Database) -> list[Migration]:
    db = database.peewee
    applied: list[Migration] = []
    with database.write_transaction():
        if database.is_postgres:
            db.execute_sql("SET LOCAL statement_timeout = 0")  # a migration may rewrite a big table
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_ID,))
        db.create_tables([SchemaMigration], safe=True)
        done = {row.version for row in SchemaMigration.select(SchemaMigration.version)}
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            migration.apply(db)
            SchemaMigration.create(
                version=migration.version,
                name=migration.name,
                applied_at=dt.datetime.now(dt.timezone.utc),
            )
            applied.append(migration)
    return applied


def pending(database: Database) -> list[Migration]:
    def work() -> list[Migration]:
        if not database.peewee.table_exists(SchemaMigration._meta.table_name):
            return list(MIGRATIONS)
        done = {row.version for row in SchemaMigration.select(SchemaMigration.version)}
        return [m for m in MIGRATIONS if m.version not in done]

    return database.run_sync(work)
