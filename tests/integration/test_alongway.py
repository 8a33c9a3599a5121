"""Several cities per side and «по пути» on the list (issue 22 §3): the merged loads, the corridor filter,
the field errors, and the CargoTech call budget (counted at the stand-in); `nav_url` on the detail (§4)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.cargo.filters import MAX_PLACES
from cargotool.core.corridor import on_way
from cargotool.core.regions import MAX_REGIONS
from cargotool.core.insights.gazetteer import default_gazetteer
from cargotool.core.loads.models import GeoPoint
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.integration.test_api import auth, login

Sanic.test_mode = True
VIEWS = "GET /v2/cargos/views"


@pytest.fixture
def app(settings, redis, standin):
    quiet = settings.replace(outbox_enabled="off")  # no background work (e.g. the alerts watcher) calling CargoTech
    return create_app(quiet, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def _headers(app, user_id=511):
    return auth((await login(app, user_id))["session_token"])


def _where(name: str) -> GeoPoint:
    return GeoPoint(*default_gazetteer().coordinates(name))


async def test_several_cities_per_side_merge_their_queries_within_the_budget(app, standin):
    headers = await _headers(app)
    before = standin.calls[VIEWS]
    _, response = await app.asgi_client.get("/api/cargos", headers=headers, params={"from": "1,9", "limit": "50"})
    assert response.status == 200, response.text
    items = response.json["items"]
    assert {item["from"]["city_id"] for item in items} == {1, 9}  # both cities' loads, nothing else
    assert len({item["id"] for item in items}) == len(items)
    expected = {str(c["id"]) for c in standin.dataset.cargos if c["points"]["start"]["city"]["id"] in (1, 9)}
    assert {item["id"] for item in items} <= expected
    assert standin.calls[VIEWS] - before <= 2  # one list call per city, through the shared cache
    calls = standin.calls[VIEWS]
    _, again = await app.asgi_client.get("/api/cargos", headers=await _headers(app, 512), params={"from": "9,1"})
    assert again.status == 200 and standin.calls[VIEWS] == calls  # another driver, the same cached pages


async def test_the_most_cities_cost_at_most_the_budget(app, standin):
    headers = await _headers(app)
    before = standin.calls[VIEWS]
    cities = ",".join(str(i) for i in range(1, MAX_PLACES + 1))
    _, response = await app.asgi_client.get("/api/cargos", headers=headers, params={"from": cities, "to": "3"})
    assert response.status == 200, response.text
    assert {item["to"]["city_id"] for item in response.json["items"]} <= {3}
    assert standin.calls[VIEWS] - before <= MAX_PLACES


async def test_along_the_way_keeps_loads_within_the_corridor_going_that_way(app, standin):
    headers = await _headers(app)
    await app.ctx.services.insights.point_names.learn({1: "Москва", 3: "Казань"})
    before = standin.calls[VIEWS]
    params = {"route_from": "1", "route_to": "3", "corridor_km": "150", "limit": "50"}
    _, response = await app.asgi_client.get("/api/cargos", headers=headers, params=params)
    assert response.status == 200, response.text
    assert standin.calls[VIEWS] - before <= 1  # one radius query around the start
    moscow, kazan = _where("Москва"), _where("Казань")
    items = response.json["items"]
    for item in items:
        assert on_way(_where(item["from"]["city"]), _where(item["to"]["city"]), moscow, kazan, 150)
    # what the stand-in holds near Moscow and along the way, among the freshest 50 the query reads
    along = [c for c in standin.dataset.cargos if c["points"]["start"]["city"]["id"] == 1
             and c["points"]["finish"]["city"]["id"] in (3, 4, 23)]
    assert along, "the stand-in has Moscow → Vladimir/Nizhny/Kazan loads"
    assert items, "some of them are among the freshest"
    _, back = await app.asgi_client.get("/api/cargos", headers=headers, params={**params, "route_from": "3", "route_to": "1"})
    assert back.status == 200
    assert not {i["id"] for i in items} & {i["id"] for i in back.json["items"]}  # the other direction: none of them


@pytest.mark.parametrize("params, fields", [
    ({"from": "1,x"}, {"from"}),
    ({"from": ",".join(str(i) for i in range(1, MAX_PLACES + 2))}, {"from"}),
    ({"from": "1,2,3", "to": "4,5"}, {"to"}),
    ({"route_from": "1"}, {"route_to", "corridor_km"}),
    ({"route_from": "1", "route_to": "3", "corridor_km": "0"}, {"corridor_km"}),
    ({"route_from": "1", "route_to": "1", "corridor_km": "50"}, {"route_to"}),
    ({"route_from": "1", "route_to": "3", "corridor_km": "50", "from": "2"}, {"from"}),
    ({"from": "1,2", "mode": "my"}, {"mode"}),
    # a whole region per side (test_regions_list.py)
    ({"from_region": "38", "from": "9"}, {"from"}),
    ({"from_region": "99"}, {"from_region"}),
    ({"to_region": "Ростовская"}, {"to_region"}),
    ({"from_region": ",".join(["38", "61", "73", "16"][:MAX_REGIONS + 1])}, {"from_region"}),
    ({"from_region": "38", "from_radius": "50"}, {"from_radius"}),
    ({"from_region": "38", "route_from": "1", "route_to": "3", "corridor_km": "50"}, {"from_region"}),
    ({"from_region": "38", "mode": "my"}, {"mode"}),
])
async def test_bad_compound_filters_name_their_fields(app, params, fields):
    _, response = await app.asgi_client.get("/api/cargos", headers=await _headers(app), params=params)
    assert response.status == 400, response.text
    assert response.json["error"]["code"] == "invalid_filter"
    assert set(response.json["error"]["fields"]) == fields


async def test_a_route_between_unknown_cities_is_a_field_error(app):
    params = {"route_from": "991", "route_to": "992", "corridor_km": "50"}
    _, response = await app.asgi_client.get("/api/cargos", headers=await _headers(app), params=params)
    assert response.status == 400, response.text
    assert set(response.json["error"]["fields"]) == {"route_from", "route_to"}


async def test_saved_searches_accept_several_cities_and_the_corridor(app):
    headers = await _headers(app)
    for filters in ({"from": "1,9", "to": "3"}, {"route_from": "1", "route_to": "3", "corridor_km": "100"}):
        _, created = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": filters, "alerts": True})
        assert created.status == 201, created.text
        assert created.json["search"]["filters"] == filters


async def test_each_address_on_the_detail_carries_its_route_link(app, standin):
    headers = await _headers(app)
    cargo = standin.dataset.cargos[0]
    _, response = await app.asgi_client.get(f"/api/cargos/{cargo['id']}", headers=headers)
    assert response.status == 200, response.text
    for side, point in (("from", "start"), ("to", "finish")):
        url = response.json[side]["nav_url"]
        assert url.startswith("https://yandex.ru/maps/?")
        assert parse_qs(urlsplit(url).query) == {"text": [cargo["points"][point]["address"]]}
