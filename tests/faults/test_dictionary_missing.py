"""A dictionary CargoTech does not have (HTTP 404) is `null` in `GET /api/dictionaries`, as the README
promises, and the other dictionary is still there: the answer is a 200, not a 404."""

from __future__ import annotations

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import TEST_BOT_TOKEN

Sanic.test_mode = True


@pytest.fixture
def app(settings, redis, standin):
    return create_app(settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def dictionaries(app):
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": 501, "first_name": "Иван"})
    _, login = await app.asgi_client.post("/api/session", json={"init_data": init_data})
    _, response = await app.asgi_client.get("/api/dictionaries",
                                            headers={"Authorization": f"Bearer {login.json['session_token']}"})
    assert response.status == 200, response.text
    return response.json


@pytest.mark.parametrize("missing, present", [("load_types", "truck_types"), ("truck_types", "load_types")])
async def test_a_missing_dictionary_is_null(app, standin, missing, present):
    standin.drop_dictionary(missing)
    answer = await dictionaries(app)
    assert answer[missing] is None and answer[present]
    assert standin.calls[f"GET /v1/dictionaries/{missing}"] >= 1  # asked, and answered 404


async def test_both_missing_is_still_a_200(app, standin):
    standin.drop_dictionary("load_types")
    standin.drop_dictionary("truck_types")
    assert await dictionaries(app) == {"truck_types": None, "load_types": None}
