"""The driver API through the Sanic app (in-process ASGI client), real Redis, stand-in CargoTech."""

from __future__ import annotations


import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.core.drivers.sessions import token_digest
from cargotool.core.storage.models import AuditEvent, DriverRecord
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import TEST_BOT_TOKEN

Sanic.test_mode = True


@pytest.fixture
def make_app(settings, redis, standin):
    def build(**overrides):
        app_settings = settings.replace(**overrides) if overrides else settings
        return create_app(app_settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))

    return build


@pytest.fixture
def app(make_app):
    return make_app()


def init_data(user_id=501, **extra):
    return sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван", "username": f"driver{user_id}"}, **extra)


async def login(app, user_id=501, **extra):
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data(user_id, **extra)})
    assert response.status == 200, response.text
    return response.json


def auth(token):
    return {"Authorization": f"Bearer {token}"}


async def test_login_creates_a_hashed_sliding_session(app, redis, key_prefix):
    body = await login(app, start_param="c_123")
    assert body["driver"] == {"telegram_id": 501, "first_name": "Иван", "username": "driver501"}
    assert body["start_param"] == "c_123" and body["expires_at"]
    token = body["session_token"]
    assert len(token) >= 43  # 32 random bytes
    keys = [k async for k in redis.scan_iter(match=f"{key_prefix}session:*")]
    assert keys == [f"{key_prefix}session:{token_digest(token)}"]
    assert token not in (await redis.get(keys[0]))
    await redis.expire(keys[0], 100)
    _, response = await app.asgi_client.get("/api/whoami", headers=auth(token))
    assert response.json["driver"]["telegram_id"] == 501
    assert await redis.ttl(keys[0]) > 86000  # using the session renewed it
    rows = await app.ctx.services.database.run(lambda: list(DriverRecord.select()))
    assert [r.telegram_id for r in rows] == [501]
    audit = await app.ctx.services.database.run(lambda: [e.action for e in AuditEvent.select()])
    assert "driver.login" in audit


@pytest.mark.parametrize("payload", [
    {"init_data": "user=%7B%22id%22%3A1%7D&auth_date=1&hash=" + "0" * 64},
    {"init_data": sign_init_data("1:other-bot-token-000000000000000000", {"id": 1, "first_name": "x"})},
    {"init_data": sign_init_data(TEST_BOT_TOKEN, {"id": 1, "first_name": "x"}, auth_date=1_000_000_000)},
])
async def test_invalid_init_data_is_401_json(app, payload):
    _, response = await app.asgi_client.post("/api/session", json=payload)
    assert response.status == 401
    assert response.json["error"]["code"] == "unauthorized" and "Telegram" in response.json["error"]["message"]


async def test_missing_init_data_is_400_with_field(app):
    _, response = await app.asgi_client.post("/api/session", json={"nope": 1})
    assert response.status == 400 and response.json["error"]["fields"] == {"init_data": "Обязательное поле"}


async def test_api_needs_a_session(app):
    for path in ["/api/cargos", "/api/cargos/1", "/api/points?q=Мо", "/api/dictionaries"]:
        _, response = await app.asgi_client.get(path, headers=auth("made-up-token"))
        assert response.status == 401 and response.json["error"]["code"] == "unauthorized", path


async def test_logout_ends_the_session(app):
    token = (await login(app))["session_token"]
    _, response = await app.asgi_client.delete("/api/session", headers=auth(token))
    assert response.status == 204
    _, response = await app.asgi_client.get("/api/whoami", headers=auth(token))
    assert response.status == 401


async def test_sessions_are_isolated(app):
    first = (await login(app, 501))["session_token"]
    second = (await login(app, 502))["session_token"]
    _, a = await app.asgi_client.get("/api/whoami", headers=auth(first))
    _, b = await app.asgi_client.get("/api/whoami", headers=auth(second))
    assert a.json["driver"]["telegram_id"] == 501 and b.json["driver"]["telegram_id"] == 502


async def test_cargo_list_cards_and_meta(app):
    token = (await login(app))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos?from=1&from_radius=50&limit=5", headers=auth(token))
    assert response.status == 200
    body = response.json
    assert len(body["items"]) <= 5 and set(body["meta"]) == {"limit", "offset", "total", "next_offset", "stale", "fetched_at"}
    card = body["items"][0]
    assert {"id", "from", "to", "weight_t", "volume_m3", "price_rub", "rate_rub_per_km", "truck_types", "load_types", "company"} <= set(card)


async def test_filter_errors_name_every_field(app):
    token = (await login(app))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos?wv=big&limit=100&date=2020-01-01&truck_types=a", headers=auth(token))
    assert response.status == 400
    error = response.json["error"]
    assert error["code"] == "invalid_filter" and set(error["fields"]) == {"wv", "limit", "date", "truck_types"}
    _, response = await app.asgi_client.get("/api/cargos?wv=1-2&wv=3-4", headers=auth(token))
    assert response.status == 400 and "wv" in response.json["error"]["fields"]


async def test_drivers_share_the_cache(app, standin):
    one = (await login(app, 601))["session_token"]
    two = (await login(app, 602))["session_token"]
    await app.asgi_client.get("/api/cargos?to=2&truck_types=1,6", headers=auth(one))
    await app.asgi_client.get("/api/cargos?truck_types=6,1&to=2", headers=auth(two))
    assert standin.calls["GET /v2/cargos/views"] == 1


async def test_detail_points_dictionaries(app, standin):
    token = (await login(app))["session_token"]
    cargo = standin.dataset.cargos[5]
    _, response = await app.asgi_client.get(f"/api/cargos/{cargo['id']}", headers=auth(token))
    assert response.status == 200 and response.json["comment"] == cargo["extra"]["note"]
    _, response = await app.asgi_client.get("/api/cargos/123", headers=auth(token))
    assert response.status == 404 and response.json["error"]["message"] == "Груз не найден или уже снят"
    _, response = await app.asgi_client.get("/api/cargos/abc", headers=auth(token))
    assert response.status == 404
    _, response = await app.asgi_client.get("/api/points?q=М", headers=auth(token))
    assert response.status == 400 and "q" in response.json["error"]["fields"]
    _, response = await app.asgi_client.get("/api/points?q=Каз", headers=auth(token))
    assert response.json["items"][0]["name"] == "Казань"
    _, response = await app.asgi_client.get("/api/dictionaries", headers=auth(token))
    assert response.json["truck_types"] and response.json["load_types"]


async def test_contacts_to_chat_of_a_load_gone_say_so_in_russian(app):
    token = (await login(app))["session_token"]
    await app.ctx.services.flags.set("paywall", False)
    _, response = await app.asgi_client.post("/api/cargos/123/contact-to-chat", headers=auth(token))
    assert response.status == 404 and response.json["error"]["message"] == "Груз не найден или уже снят"
    _, response = await app.asgi_client.post("/api/cargos/abc/contact-to-chat", headers=auth(token))
    assert response.status == 404 and response.json["error"]["message"] == "Груз не найден"


async def test_upstream_down_without_cache_is_a_json_503(app, standin):
    token = (await login(app))["session_token"]
    standin.fail_next("/v1/auth/login", 503, times=50)
    _, response = await app.asgi_client.get("/api/cargos?limit=7", headers=auth(token))
    assert response.status == 503 and response.json["error"]["code"] == "upstream_unavailable"


async def test_rate_limit_per_driver(make_app):
    app = make_app(rate_limit_api_burst=3, rate_limit_api_per_minute=6)
    token = (await login(app))["session_token"]
    statuses = [(await app.asgi_client.get("/api/whoami", headers=auth(token)))[1] for _ in range(5)]
    assert [r.status for r in statuses] == [200, 200, 200, 429, 429]
    assert statuses[-1].json["error"]["code"] == "rate_limited" and int(statuses[-1].headers["retry-after"]) >= 1
    other = (await login(app, 777))["session_token"]  # another driver has their own bucket
    assert (await app.asgi_client.get("/api/whoami", headers=auth(other)))[1].status == 200


async def test_login_rate_limit_per_ip(make_app):
    app = make_app(rate_limit_login_burst=2, rate_limit_login_per_minute=2)
    statuses = [(await app.asgi_client.post("/api/session", json={"init_data": init_data()}))[1].status for _ in range(4)]
    assert statuses == [200, 200, 429, 429]


async def test_mini_app_page_headers(app):
    _, response = await app.asgi_client.get("/")
    assert response.status == 200 and "Грузы" in response.text
    assert "x-frame-options" not in {k.lower() for k in response.headers}
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' https://telegram.org" in csp and "frame-ancestors" in csp
    assert "https://telegram.org/js/telegram-web-app.js" in response.text
    import re

    asset = re.search(r'/static/app\.[0-9a-f]{12}\.js', response.text).group(0)
    _, js = await app.asgi_client.get(asset)
    assert js.status == 200 and "immutable" in js.headers["cache-control"]


async def test_without_bot_token_login_is_not_configured(make_app):
    app = make_app(telegram_bot_token=None)  # live mode: no demo token
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data()})
    assert response.status == 503 and response.json["error"]["code"] == "not_configured"


async def test_a_body_that_is_not_json_is_a_field_error(app):
    _, response = await app.asgi_client.post("/api/session", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status == 400 and response.json["error"]["fields"] == {"body": "invalid JSON"}
