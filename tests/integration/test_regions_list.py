"""A whole region per side (`from_region`, `to_region`; issue 22 §3) on the list: the query around the region's
centre, only the loads in the region kept (`meta.hidden_outside_region`), the field errors (with the other compound filters' in test_alongway.py), and the CargoTech
calls (counted at the stand-in): one list call per region when cold, none when warm."""

from __future__ import annotations

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.integration.test_api import auth, login

Sanic.test_mode = True
VIEWS, POINTS = "GET /v2/cargos/views", "GET /v1/dictionaries/points"
KRASNODAR_KRAI = {9, 42}  # the stand-in's cities of Краснодарский край (38): Краснодар, Новороссийск
ROSTOV_OBLAST = {8}  # and of Ростовская область (61): Ростов-на-Дону


@pytest.fixture
def app(settings, redis, standin):
    quiet = settings.replace(outbox_enabled="off")  # no background work (e.g. the alerts watcher) calling CargoTech
    return create_app(quiet, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def _headers(app, user_id=521):
    return auth((await login(app, user_id))["session_token"])


def _from(standin, cities) -> set[str]:
    return {str(c["id"]) for c in standin.dataset.cargos if c["points"]["start"]["city"]["id"] in cities}


async def test_a_region_of_loading_keeps_only_its_loads_within_one_list_call(app, standin):
    headers = await _headers(app)
    views, points = standin.calls[VIEWS], standin.calls[POINTS]
    _, response = await app.asgi_client.get("/api/cargos", headers=headers, params={"from_region": "61", "limit": "50"})
    assert response.status == 200, response.text
    items, meta = response.json["items"], response.json["meta"]
    assert items and {item["from"]["city_id"] for item in items} <= ROSTOV_OBLAST
    assert {item["id"] for item in items} <= _from(standin, ROSTOV_OBLAST)
    # the region's radius around Ростов (316 km) reaches Краснодар (another region): its loads came back, hidden
    assert meta["hidden_outside_region"] > 0
    assert standin.calls[VIEWS] - views == 1  # one list call for the region
    assert standin.calls[POINTS] - points == 1  # and one place search for its centre, the first time
    views, points = standin.calls[VIEWS], standin.calls[POINTS]
    _, again = await app.asgi_client.get("/api/cargos", headers=await _headers(app, 522), params={"from_region": "61"})
    assert again.status == 200 and {i["id"] for i in again.json["items"]} <= {i["id"] for i in items}
    assert (standin.calls[VIEWS], standin.calls[POINTS]) == (views, points)  # warm: no call at all


async def test_a_region_each_side_combines_with_the_other_filters(app, standin):
    headers = await _headers(app)
    views = standin.calls[VIEWS]
    params = {"from_region": "38", "to_region": "73", "limit": "50", "price_min": "1"}
    _, response = await app.asgi_client.get("/api/cargos", headers=headers, params=params)
    assert response.status == 200, response.text
    for item in response.json["items"]:
        assert item["from"]["city_id"] in KRASNODAR_KRAI and item["to"]["city_id"] in {3, 43}  # Казань, Набережные Челны
    assert standin.calls[VIEWS] - views <= 1  # one (centre, centre) pair
    _, city = await app.asgi_client.get("/api/cargos", headers=headers, params={"from_region": "38", "to": "1"})
    assert city.status == 200, city.text
    assert {item["to"]["city_id"] for item in city.json["items"]} <= {1}


async def test_a_region_whose_centre_the_marketplace_does_not_know_is_a_field_error(app):
    # Красногорск (Московская область's centre) is not among the stand-in's points
    _, response = await app.asgi_client.get("/api/cargos", headers=await _headers(app), params={"to_region": "47"})
    assert response.status == 400, response.text
    assert set(response.json["error"]["fields"]) == {"to_region"}


async def test_regions_autocomplete_offers_a_region_by_the_words_typed(app):
    headers = await _headers(app)
    _, response = await app.asgi_client.get("/api/regions", headers=headers, params={"q": "Ростовская обл."})
    assert response.status == 200, response.text
    assert response.json == {"items": [{"id": "61", "name": "Ростовская область", "capital": "Ростов-на-Дону"}]}
    _, short = await app.asgi_client.get("/api/regions", headers=headers, params={"q": "Ро"})
    assert short.status == 200 and short.json == {"items": []}
    _, long = await app.asgi_client.get("/api/regions", headers=headers, params={"q": "я" * 65})
    assert long.status == 400 and set(long.json["error"]["fields"]) == {"q"}
    _, anonymous = await app.asgi_client.get("/api/regions", params={"q": "Ростовская"})
    assert anonymous.status == 401
