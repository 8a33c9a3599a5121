"""A session whose driver row vanished (deleted, or a database restored from before the driver's first
login) gets a fresh login (issue 18.4): a 401 — what the Mini App answers by logging in again — and the
session is dropped; not «Отклик изменился одновременно с другого устройства» nor a 500."""

from __future__ import annotations

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.storage.models import DriverRecord
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import close_services
from tests.faults.pg_faults import login_body
from tests.integration.test_billing import make_settings, yookassa  # noqa: F401 (a fixture)

Sanic.test_mode = True
DRIVER = 640


@pytest.fixture(autouse=True)
def loopback_peer(monkeypatch):
    monkeypatch.setattr("cargotool.server.client_ip.peer_address", lambda request: "127.0.0.1")


@pytest.fixture
async def app(settings, redis, standin, yookassa):  # noqa: F811
    services = build_services(make_settings(settings, yookassa), redis=redis, transport=StandInTransport(standin))
    await services.flags.set("paywall", False)
    yield create_app(services.settings, services=services)
    await close_services(services)


async def signed_in(app) -> dict:
    _, response = await app.asgi_client.post("/api/session", json=login_body(DRIVER))
    assert response.status == 200, response.text
    return {"Authorization": f"Bearer {response.json['session_token']}"}


async def forget_the_driver(app) -> None:
    database = app.ctx.services.database
    deleted = await database.run(lambda: DriverRecord.delete().where(DriverRecord.telegram_id == DRIVER).execute())
    assert deleted == 1


async def assert_fresh_login_asked(app, response, headers) -> None:
    assert response.status == 401 and response.json["error"]["code"] == "unauthorized", response.text
    assert response.json["error"]["message"] == "Сессия устарела, войдите заново"
    _, again = await app.asgi_client.get("/api/responses", headers=headers)
    assert again.status == 401, "the session was dropped"


async def test_responding_without_a_driver_row_asks_for_a_fresh_login(app, standin):
    cargo_id = str(standin.dataset.cargos[0]["id"])
    headers = await signed_in(app)
    await forget_the_driver(app)
    _, response = await app.asgi_client.post(f"/api/cargos/{cargo_id}/responses", json={"rate_rub": 1000}, headers=headers)
    await assert_fresh_login_asked(app, response, headers)

    headers = await signed_in(app)  # what the Mini App does on a 401: the login writes the row again
    _, response = await app.asgi_client.post(f"/api/cargos/{cargo_id}/responses", json={"rate_rub": 1000}, headers=headers)
    assert response.status == 201, response.text
