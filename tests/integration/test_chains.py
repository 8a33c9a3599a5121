"""Chains home over HTTP on the stand-in: the answer, validation, the home city, and the CargoTech call budget
(≤ 1 + k list calls on a cold cache, k ≤ 3, no detail call; none on a warm one)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.clock import moscow_today
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.integration.privacy_helpers import allow_position
from tests.integration.test_api import auth, login

Sanic.test_mode = True
VIEWS, DETAIL = "GET /v2/cargos/views", "GET /v1/carrier/cargos/{id}"
MOSCOW, ROSTOV, BELGOROD = 1, 8, 19  # the stand-in's chains: Белгород → Липецк or Тула → Москва


@pytest.fixture
def app(settings, redis, standin):
    quiet = settings.replace(outbox_enabled="off")  # no background work (e.g. the alerts watcher) calling CargoTech
    return create_app(quiet, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


def day(n: int) -> str:
    return (moscow_today() + dt.timedelta(days=n)).isoformat()


async def get_chains(app, token, **args):
    _, response = await app.asgi_client.get("/api/chains", params=args, headers=auth(token))
    return response


async def test_chains_beat_the_direct_trip_within_the_call_budget(app, standin):
    token = (await login(app))["session_token"]
    standin.reset_counters()
    response = await get_chains(app, token, to=MOSCOW, by=day(4), **{"from": BELGOROD, "from_name": "Белгород"})
    assert response.status == 200, response.text
    body = response.json
    via = body["via"]
    assert {city["name"] for city in via} == {"Липецк", "Тула"} and body["meta"]["lists"] == 1 + len(via)
    assert standin.calls[VIEWS] <= 1 + len(via) and standin.calls[DETAIL] == 0  # cold cache: the budget
    chains = body["chains"]
    assert len(chains) == 3
    assert [c["rub_per_km"] for c in chains] == sorted((c["rub_per_km"] for c in chains), reverse=True)
    direct = body["direct"]
    assert direct["legs"][0]["route"] == "Белгород → Москва" and direct["text"].startswith("1 рейс, 690\u202fкм, 75\u202f₽/км")
    ids = {str(c["id"]) for c in standin.dataset.cargos}
    for chain in chains:
        assert chain["rub_per_km"] > direct["rub_per_km"]
        assert re.fullmatch(r"2 рейса, [\d\u202f]+\u202fкм, \d+\u202f₽/км с порожними, в Москве (в|во) \w\w",
                            chain["text"]), chain["text"]
        first, second = chain["legs"]
        assert {first["id"], second["id"]} <= ids
        assert first["route"].startswith("Белгород → ") and second["route"].endswith(" → Москва")
        assert first["unloading_day"] <= second["loading_day"] and chain["home_day"] <= day(4)
        km = sum(leg["loaded_km"] + leg["empty_km"] for leg in chain["legs"]) + chain["final_empty_km"]
        assert chain["km"] == km and chain["price_rub"] == sum(int(leg["price_rub"]) for leg in chain["legs"])
    best = chains[0]
    assert [leg["route"] for leg in best["legs"]] == ["Белгород → Липецк", "Липецк → Москва"]
    assert best["price_rub"] == 100_000 and best["km"] == 900 and best["rub_per_km"] == round(100_000 / 900, 1)
    assert body["target"] == {"point_id": MOSCOW, "name": "Москва", "by": day(4), "home": False}
    assert body["start"]["name"] == "Белгород"

    standin.reset_counters()  # warm: every page from the shared cache
    again = await get_chains(app, token, to=MOSCOW, by=day(4), **{"from": BELGOROD})
    assert again.status == 200 and again.json["chains"] == chains
    assert standin.calls[VIEWS] == 0 and standin.calls[DETAIL] == 0


async def test_another_driver_shares_the_cached_pages(app, standin):
    first = (await login(app, user_id=601))["session_token"]
    second = (await login(app, user_id=602))["session_token"]
    assert (await get_chains(app, first, to=ROSTOV, by=day(4), **{"from": MOSCOW, "from_name": "Москва"})).status == 200
    standin.reset_counters()
    assert (await get_chains(app, second, to=ROSTOV, by=day(4), **{"from": MOSCOW, "from_name": "Москва"})).status == 200
    assert standin.calls[VIEWS] == 0


async def test_bad_input_is_a_400_naming_each_field(app, standin):
    token = (await login(app))["session_token"]
    standin.reset_counters()
    cases = [
        ({}, {"to", "by"}),
        ({"to": "Ростов", "by": day(3)}, {"to"}),
        ({"to": ROSTOV, "by": day(-1), "from": MOSCOW}, {"by"}),
        ({"to": ROSTOV, "by": day(15), "from": MOSCOW}, {"by"}),
        ({"to": ROSTOV, "by": "завтра", "from": MOSCOW}, {"by"}),
        ({"to": ROSTOV, "by": day(3), "from": MOSCOW, "from_date": day(5)}, {"by"}),
    ]
    for args, fields in cases:
        response = await get_chains(app, token, **args)
        assert response.status == 400, (args, response.text)
        error = response.json["error"]
        assert error["code"] == "invalid_input" and set(error["fields"]) == fields, (args, error)
        assert all(re.search("[а-я]", text) for text in error["fields"].values())
    # no position and no start city: said in Russian, before any CargoTech call
    response = await get_chains(app, token, to=ROSTOV, by=day(3))
    assert response.status == 400 and set(response.json["error"]["fields"]) == {"from"}
    assert "укажите город отправления" in response.json["error"]["message"]
    assert standin.calls[VIEWS] == 0


async def test_the_start_is_the_city_nearest_to_the_driver(app):
    token = (await login(app))["session_token"]
    await allow_position(app, token)
    _, response = await app.asgi_client.get("/api/cargos", headers=auth(token))  # the server learns the cities
    assert response.status == 200
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.70, "lon": 37.55}, headers=auth(token))
    assert response.status == 200, response.text
    response = await get_chains(app, token, to=ROSTOV, by=day(5), to_name="Ростов-на-Дону")
    assert response.status == 200, response.text
    assert response.json["start"]["point_id"] == MOSCOW and response.json["start"]["day"] == day(0)


async def test_the_home_city_is_kept_and_named_home(app):
    token = (await login(app))["session_token"]
    _, response = await app.asgi_client.get("/api/me/home", headers=auth(token))
    assert response.status == 200 and response.json == {"home": None}
    _, response = await app.asgi_client.put("/api/me/home", json={"point_id": 0, "name": ""}, headers=auth(token))
    assert response.status == 400 and "point_id" in response.json["error"]["fields"]
    _, response = await app.asgi_client.put("/api/me/home", json={"point_id": MOSCOW, "name": "Москва"}, headers=auth(token))
    assert response.status == 200 and response.json == {"home": {"point_id": MOSCOW, "name": "Москва"}}
    _, response = await app.asgi_client.get("/api/me/home", headers=auth(token))
    assert response.json["home"]["point_id"] == MOSCOW
    response = await get_chains(app, token, to=MOSCOW, by=day(4), **{"from": BELGOROD})  # the home's name is known
    assert response.status == 200 and response.json["target"]["home"] is True and response.json["chains"]
    assert all(re.search(r", дома (в|во) \w\w$", chain["text"]) for chain in response.json["chains"])
    _, response = await app.asgi_client.delete("/api/me/home", headers=auth(token))
    assert response.status == 200 and response.json == {"home": None}
