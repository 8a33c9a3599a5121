"""The Sanic app: health pages and JSON errors."""

from __future__ import annotations

import redis.asyncio as aioredis
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport

Sanic.test_mode = True  # several apps named "cargotool" in one test process


def app_with(settings, redis, standin):
    return create_app(settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def test_healthz_and_readyz(settings, redis, standin):
    app = app_with(settings, redis, standin)
    _, response = await app.asgi_client.get("/healthz")
    assert response.status == 200 and response.json == {"status": "ok"}
    _, response = await app.asgi_client.get("/readyz")
    assert response.status == 200
    assert response.json == {"status": "ready", "checks": {"redis": "ok", "database": "ok", "schema": "ok",
                                                           "writable": "ok", "cargotech": "live"}}


async def test_readyz_names_the_failing_part(settings, standin):
    dead_redis = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    app = app_with(settings, dead_redis, standin)
    _, response = await app.asgi_client.get("/readyz")
    assert response.status == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["redis"].startswith("error:") and response.json["checks"]["database"] == "ok"


async def test_unknown_path_is_a_json_error(settings, redis, standin):
    app = app_with(settings, redis, standin)
    _, response = await app.asgi_client.get("/no/such/page")
    assert response.status == 404
    assert response.json["error"]["code"] == "not_found"


async def test_openapi_document_is_served(settings, redis, standin):
    app = app_with(settings, redis, standin)
    _, response = await app.asgi_client.get("/docs/openapi.json")
    assert response.status == 200 and "/readyz" in response.json["paths"]
