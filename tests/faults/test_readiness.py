"""`/readyz` tells the truth (issue 18.4): ready means Redis answers, the database answers and its schema
is at the latest migration, and a SQLite file takes writes. A 503 names the failing check.

The SQLite cases need root (they mount a small tmpfs, or mark the file immutable); as root chmod would
not stop a write. They are skipped where the sandbox forbids mounting or chattr."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.storage import readiness
from cargotool.core.storage.migrations import migrate
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import close_services

Sanic.test_mode = True


@contextlib.asynccontextmanager
async def app_on(settings, standin, redis, database_url: str, *, migrated: bool = True):
    services = build_services(settings.replace(database_url=database_url), redis=redis,
                              transport=StandInTransport(standin), run_migrations=migrated)
    try:
        yield create_app(services.settings, services=services)
    finally:
        await close_services(services)


async def readyz(app):
    _, response = await app.asgi_client.get("/readyz")
    return response.status, response.json["checks"]


async def test_a_database_without_its_schema_is_not_ready_until_migrated(settings, standin, redis, postgres_url):
    async with app_on(settings, standin, redis, postgres_url, migrated=False) as app:
        status, checks = await readyz(app)
        assert status == 503 and checks["database"] == "ok" and checks["redis"] == "ok"
        assert checks["schema"].startswith("error:") and "migration" in checks["schema"]
        assert "writable" not in checks  # PostgreSQL: no file to check
        await app.ctx.services.database.run(lambda: migrate(app.ctx.services.database))
        assert await readyz(app) == (200, {"redis": "ok", "database": "ok", "schema": "ok", "cargotech": "live"})


async def test_one_missing_migration_is_enough(settings, standin, redis, tmp_path):
    async with app_on(settings, standin, redis, f"sqlite:///{tmp_path / 'db.sqlite3'}") as app:
        assert (await readyz(app))[0] == 200
        database = app.ctx.services.database
        await database.run(lambda: database.peewee.execute_sql("DELETE FROM schema_migrations WHERE version = 32"))
        status, checks = await readyz(app)
        assert status == 503 and checks["schema"].startswith("error: 1 migration(s) not applied (first: 32)")


def _run(*command: str) -> bool:
    return subprocess.run(command, capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MB tmpfs of our own (root only)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not _run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)):
        pytest.skip("needs root and permission to mount a tmpfs")
    try:
        yield mount
    finally:
        _run("umount", "-l", str(mount))


async def test_sqlite_on_a_read_only_file_system_is_not_ready(settings, standin, redis, small_disk):
    async with app_on(settings, standin, redis, f"sqlite:///{small_disk / 'db.sqlite3'}") as app:
        status, checks = await readyz(app)
        assert status == 200 and checks["writable"] == "ok", checks
        assert _run("mount", "-o", "remount,ro", str(small_disk))
        status, checks = await readyz(app)
        assert status == 503 and checks["writable"] == "error: read-only file system"
        assert _run("mount", "-o", "remount,rw", str(small_disk))
        assert (await readyz(app))[0] == 200


async def test_sqlite_on_a_full_disk_is_not_ready(settings, standin, redis, small_disk):
    async with app_on(settings, standin, redis, f"sqlite:///{small_disk / 'db.sqlite3'}") as app:
        assert (await readyz(app))[0] == 200
        filler = small_disk / "filler"
        with open(filler, "wb") as out, contextlib.suppress(OSError):  # until ENOSPC
            while True:
                out.write(b"\0" * (1 << 20))
                out.flush()
        status, checks = await readyz(app)
        assert status == 503 and checks["writable"].startswith("error: disk almost full"), checks
        filler.unlink()
        assert (await readyz(app))[0] == 200


async def test_sqlite_file_refusing_writes_is_not_ready(settings, standin, redis, tmp_path, monkeypatch):
    path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    async with app_on(settings, standin, redis, f"sqlite:///{path}") as app:
        assert (await readyz(app))[0] == 200
        if os.geteuid() != 0 or not _run("chattr", "+i", str(path)):
            pytest.skip("needs root and a file system with immutable files")
        try:
            monkeypatch.setattr(readiness, "MIN_FREE_BYTES", 0)  # only the write itself can tell here
            status, checks = await readyz(app)
            assert status == 503 and checks["writable"].startswith("error: writes refused"), checks
        finally:
            _run("chattr", "-i", str(path))
        assert (await readyz(app))[0] == 200
