"""Migrations on SQLite and on the real PostgreSQL (a throwaway database)."""

from __future__ import annotations

import threading

import pytest

from cargotool.core.storage.db import Database
from cargotool.core.storage.migrations import MIGRATIONS, migrate, pending
from cargotool.core.audit import AuditLog


def database_urls(tmp_path, postgres_url):
    return {"sqlite": f"sqlite:///{tmp_path / 'm.sqlite3'}", "postgres": postgres_url}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_migrate_is_idempotent(kind, tmp_path, postgres_url):
    database = Database(database_urls(tmp_path, postgres_url)[kind])
    try:
        assert pending(database) == MIGRATIONS
        assert [m.version for m in migrate(database)] == [m.version for m in MIGRATIONS]
        assert migrate(database) == []
        assert pending(database) == []
    finally:
        database.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_concurrent_migrations_apply_each_step_once(kind, tmp_path, postgres_url):
    """Threads stand in for processes: peewee gives each thread its own connection."""
    database = Database(database_urls(tmp_path, postgres_url)[kind])
    results, errors = [], []

    def runner():
        try:
            results.append(migrate(database))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    database.close()
    assert errors == []
    assert sum(len(r) for r in results) == len(MIGRATIONS)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_audit_round_trip_keeps_utc_times(kind, tmp_path, postgres_url):
    database = Database(database_urls(tmp_path, postgres_url)[kind])
    migrate(database)
    audit = AuditLog(database)
    await audit.record("cli", "cargotech.token_flush", details={"removed": True})
    [event] = await audit.tail()
    assert event.action == "cargotech.token_flush" and event.created_at.tzinfo is not None
    await audit.record("dispatcher:42 " + "Анна" * 60, "response.accepted", target="t" * 300)  # longer than the columns
    assert len((await audit.tail(1))[0].actor) == 64
    database.close()
