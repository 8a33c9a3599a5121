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
from .models import (AuditEvent, Flag, Payment, PaymentEffect, PromoCode, PromoUse, Response, ResponseEvent,
                     Subscription, UTCDateTimeField, database_proxy)

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


MIGRATIONS: list[Migration] = [
    Migration(1, "create audit_events", _create_audit_events),
    Migration(2, "create drivers", _create_drivers),
    Migration(3, "responses, their history, drivers.bot_blocked_at", _responses),
    Migration(4, "subscriptions, payments, promo codes, flags", _billing),
    Migration(20, "insights: drivers' position and fuel figures", _insights_profiles),
    Migration(21, "insights: posted rates per lane", _lane_rates),
]


def migrate(database: Database) -> list[Migration]:
    """Apply pending migrations; return the ones applied by this call."""
    return database.run_sync(lambda: _migrate(database))


def _migrate(database: Database) -> list[Migration]:
    db = database.peewee
    applied: list[Migration] = []
    with database.write_transaction():
        if database.is_postgres:
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
