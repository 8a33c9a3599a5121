"""Redis or PostgreSQL down, then back: clean 503s (logged once per outage), full service after without a
restart, and nothing lost from the update inbox. The outage is played by a TCP proxy the test cuts."""

from __future__ import annotations

import asyncio
import logging

import peewee
import pytest
import redis.asyncio as aioredis
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.bot.updates import UpdateInbox
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.core.storage import outage
from cargotool.core.storage.db import Database
from cargotool.core.storage.migrations import migrate
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import TEST_BOT_TOKEN, TEST_REDIS_URL, close_services
from tests.integration.tcp_proxy import TcpProxy

Sanic.test_mode = True

WEBHOOK_SECRET = "hook-secret-0123456789"


@pytest.fixture
async def proxies():
    redis_proxy = await TcpProxy(6379).start()
    pg_proxy = await TcpProxy(5432).start()
    yield redis_proxy, pg_proxy
    await redis_proxy.cut()
    await pg_proxy.cut()


@pytest.fixture
async def app(settings, standin, postgres_url, proxies, redis, monkeypatch):
    monkeypatch.setattr(outage, "PROBE_SECONDS", 0.2)
    redis_proxy, pg_proxy = proxies
    db = TEST_REDIS_URL.rsplit("/", 1)[1]
    proxied_redis = aioredis.from_url(f"redis://127.0.0.1:{redis_proxy.port}/{db}", decode_responses=True,
                                      socket_connect_timeout=1, socket_timeout=2)
    database_url = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{pg_proxy.port}")
    configured = settings.replace(database_url=database_url, telegram_webhook_secret=WEBHOOK_SECRET,
                                  outbox_enabled="off", rate_limit_login_burst=100)
    migrated = Database(postgres_url)  # directly: the proxy runs on this loop, which a sync migration would block
    migrate(migrated)
    migrated.close()
    services = build_services(configured, redis=proxied_redis, transport=StandInTransport(standin), run_migrations=False)
    yield create_app(configured, services=services)
    await close_services(services)
    await proxied_redis.aclose()


async def login(app, user_id=501):
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})
    return await app.asgi_client.post("/api/session", json={"init_data": init_data})


async def until_ok(app, path, headers, seconds=10.0):
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        _, response = await app.asgi_client.get(path, headers=headers)
        if response.status == 200 or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.2)


def outage_lines(caplog, level):
    return [r for r in caplog.records if r.name == outage.__name__ and r.levelno == level]


async def test_redis_down_is_a_503_logged_once_then_full_service(app, proxies, caplog):
    redis_proxy, _ = proxies
    _, response = await login(app)
    headers = {"Authorization": f"Bearer {response.json['session_token']}"}
    _, response = await app.asgi_client.get("/api/cargos", headers=headers)
    assert response.status == 200

    await redis_proxy.cut()
    caplog.set_level(logging.INFO)
    hook = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    for _ in range(3):
        for method, path, kwargs in (("GET", "/api/cargos?from=2", {"headers": headers}),
                                     ("POST", "/api/session", {"json": {"init_data": sign_init_data(
                                         TEST_BOT_TOKEN, {"id": 502, "first_name": "Пётр"})}}),
                                     ("POST", "/webhooks/telegram", {"headers": hook, "json": {"update_id": 77}})):
            _, response = await app.asgi_client.request(method, path, **kwargs)
            assert response.status == 503, (path, response.text)
            assert response.json["error"]["code"] == "unavailable" and response.headers["retry-after"]
    assert len(outage_lines(caplog, logging.ERROR)) == 1, "one line per outage, not per request"
    assert not [r for r in caplog.records if r.exc_info], "no traceback"

    await redis_proxy.restore()
    response = await until_ok(app, "/api/cargos?from=2", headers)
    assert response.status == 200, response.text  # the same session: nothing was lost, no restart
    _, response = await app.asgi_client.post("/webhooks/telegram", headers=hook, json={"update_id": 77})
    assert response.json == {"ok": True, "duplicate": False}  # the update refused during the outage is taken now


async def test_database_down_is_a_503_then_full_service(app, proxies, caplog):
    _, pg_proxy = proxies
    _, response = await login(app)
    assert response.status == 200
    await pg_proxy.cut()
    caplog.set_level(logging.INFO)
    for user_id in (503, 504):
        _, response = await login(app, user_id)
        assert response.status == 503 and response.json["error"]["code"] == "unavailable", response.text
    assert len(outage_lines(caplog, logging.ERROR)) == 1
    await pg_proxy.restore()
    deadline = asyncio.get_running_loop().time() + 10
    while (response := (await login(app, 505))[1]).status != 200 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
    assert response.status == 200, response.text


class FlakyHandlers:
    """Bot handlers whose database is down for the first `failures` calls."""

    def __init__(self, failures: int) -> None:
        self.failures, self.handled = failures, []

    async def handle(self, update):
        if self.failures:
            self.failures -= 1
            raise peewee.OperationalError("server closed the connection")
        self.handled.append(update["update_id"])


async def test_an_outage_never_uses_up_an_updates_attempts(redis, key_prefix, monkeypatch):
    from cargotool.core.bot import updates as updates_module
    from cargotool.core.storage.redis import Keys

    monkeypatch.setattr(updates_module, "OUTAGE_RETRY_SECONDS", 0.0)
    handlers = FlakyHandlers(failures=updates_module.MAX_ATTEMPTS + 3)  # longer than the attempts budget
    inbox = UpdateInbox(redis, Keys(key_prefix), handlers)
    assert await inbox.accept({"update_id": 9})
    for _ in range(updates_module.MAX_ATTEMPTS + 4):
        await inbox.process_due()
    assert handlers.handled == [9] and await inbox.queue.dead() == []


async def test_one_line_when_an_outage_begins_and_one_when_it_ends(monkeypatch, caplog):
    monkeypatch.setattr(outage, "PROBE_SECONDS", 0.01)
    up = asyncio.Event()

    async def ping():
        if not up.is_set():
            raise ConnectionError("down")

    tracker = outage.Outages({"redis": ping})
    caplog.set_level(logging.INFO, logger=outage.__name__)
    for _ in range(50):
        tracker.failed("redis", ConnectionRefusedError())
    await asyncio.sleep(0.05)
    assert tracker.is_open("redis") and len(outage_lines(caplog, logging.ERROR)) == 1
    up.set()
    await asyncio.sleep(0.05)
    assert not tracker.is_open("redis")
    assert [r.getMessage().split(" after")[0] for r in outage_lines(caplog, logging.WARNING)] == ["redis is back"]
    tracker.failed("redis", ConnectionRefusedError())  # a new outage: a new line
    assert len(outage_lines(caplog, logging.ERROR)) == 2
    await tracker.aclose()
