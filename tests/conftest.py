"""Shared fixtures. Integration tests use the real Redis (a dedicated DB and a per-test key prefix, cleaned
up afterwards) and PostgreSQL (a throwaway database), as found on this machine and in CI."""

from __future__ import annotations

import os
import uuid

import psycopg2
import pytest
import redis.asyncio as aioredis

from cargotool.bootstrap import build_services
from cargotool.config import Settings
from cargotool.standin import CargoTechStandIn, StandInTransport

TEST_REDIS_URL = os.environ.get("CARGOTOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_POSTGRES_URL = os.environ.get("CARGOTOOL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# Credentials the tests hand to the server; the stand-in accepts exactly these. Distinctive on purpose:
# leak tests search every output for them.
TEST_PHONE = "+7 911 555-12-34"
TEST_PASSWORD = "Zx9-secret-Pa55word"
TEST_BOT_TOKEN = "7012345678:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-zE"


def environ_for_tests(tmp_path, prefix: str, **overrides: str) -> dict[str, str]:
    environ = {
        "CARGOTECH_PHONE": TEST_PHONE,
        "CARGOTECH_PASSWORD": TEST_PASSWORD,
        "CARGOTECH_UPSTREAM": "live",
        "CARGOTECH_MAX_ATTEMPTS": "3",
        "CARGOTECH_RETRY_DEADLINE": "5",
        "CARGOTECH_LOGIN_LOCK_TIMEOUT": "10",
        "TELEGRAM_BOT_TOKEN": TEST_BOT_TOKEN,
        "REDIS_URL": TEST_REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
    }
    environ.update(overrides)
    return environ


@pytest.fixture
def key_prefix() -> str:
    return f"cargotool-test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis(key_prefix):
    client = aioredis.from_url(TEST_REDIS_URL, decode_responses=True)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{key_prefix}*", count=500)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def settings(tmp_path, key_prefix) -> Settings:
    return Settings.from_env(environ_for_tests(tmp_path, key_prefix))


@pytest.fixture
def standin() -> CargoTechStandIn:
    return CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)


async def close_services(services) -> None:
    """Close what a test's Services own, but not the shared `redis` fixture (it cleans up after itself)."""
    await services.cargos.aclose()
    await services.upstream.aclose()
    await services.http.aclose()
    if services.bot_api is not None:
        await services.bot_api.aclose()
    services.database.close()


@pytest.fixture
async def services(settings, redis, standin):
    built = build_services(settings, redis=redis, transport=StandInTransport(standin))
    yield built
    await close_services(built)


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL database, dropped afterwards."""
    name = f"cargotool_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(TEST_POSTGRES_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = TEST_POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
