"""Saved searches over the API: same field errors as the list, the per-driver cap, ownership, counts."""

from __future__ import annotations

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.standin import StandInTransport
from cargotool.server.app import create_app
from tests.integration.test_api import auth, login

Sanic.test_mode = True


@pytest.fixture
def app(settings, redis, standin):
    app_settings = settings.replace(alerts_max_searches=3)
    return create_app(app_settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def _token(app, user_id=501):
    return auth((await login(app, user_id))["session_token"])


async def test_create_list_update_delete(app):
    headers = await _token(app)
    _, created = await app.asgi_client.post("/api/searches", headers=headers, json={
        "name": "Москва → Казань", "filters": {"from": 1, "from_radius": "50", "to": "3", "wv": "20-83"}, "alerts": True})
    assert created.status == 201, created.text
    search = created.json["search"]
    assert search["id"] and search["name"] == "Москва → Казань" and search["alerts"] is True
    assert search["filters"] == {"from": "1", "from_radius": "50", "to": "3", "wv": "20-83"}
    assert search["new_count"] == 0 and search["auto_response"] is None

    _, listed = await app.asgi_client.get("/api/searches", headers=headers)
    assert [s["id"] for s in listed.json["items"]] == [search["id"]]

    _, patched = await app.asgi_client.patch(f"/api/searches/{search['id']}", headers=headers, json={
        "alerts": False, "name": "Казань", "auto_response": {"rate_min": 60}})
    assert patched.status == 200, patched.text
    assert patched.json["search"]["alerts"] is False and patched.json["search"]["name"] == "Казань"
    assert patched.json["search"]["auto_response"] == {"rate_min": 60, "price_min": None}

    _, deleted = await app.asgi_client.delete(f"/api/searches/{search['id']}", headers=headers)
    assert deleted.status == 204
    _, listed = await app.asgi_client.get("/api/searches", headers=headers)
    assert listed.json["items"] == []


async def test_filters_get_the_same_field_errors_as_the_list(app):
    headers = await _token(app)
    bad = {"from_radius": "9999", "wv": "abc", "date": "24.11.2026", "colour": "red"}
    _, from_list = await app.asgi_client.get("/api/cargos", headers=headers, params=bad)
    _, from_save = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": bad, "alerts": True})
    assert from_list.status == from_save.status == 400
    assert from_save.json["error"]["code"] == from_list.json["error"]["code"] == "invalid_filter"
    assert from_save.json["error"]["fields"] == from_list.json["error"]["fields"]
    assert {"from_radius", "wv", "date", "colour"} <= set(from_save.json["error"]["fields"])


async def test_bad_bodies_name_their_fields(app):
    headers = await _token(app)
    for body, field in (({"filters": [], "alerts": True}, "filters"), ({"filters": {}, "alerts": "yes"}, "alerts"),
                        ({"filters": {}, "name": ""}, "name"), ({"filters": {}, "auto_response": {"rate_min": -1}},
                                                                "auto_response.rate_min"),
                        ({"filters": {}, "auto_response": {}}, "auto_response")):
        _, response = await app.asgi_client.post("/api/searches", headers=headers, json=body)
        assert response.status == 400, body
        assert field in response.json["error"]["fields"], (body, response.json)
    _, response = await app.asgi_client.post("/api/searches", headers=headers, content=b"{not json")
    assert response.status == 400 and "body" in response.json["error"]["fields"]


async def test_at_most_the_configured_number_per_driver(app):
    headers = await _token(app)
    for n in range(3):
        _, response = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": {"from": str(n + 1)}})
        assert response.status == 201
        assert response.json["search"]["name"] == f"Поиск {n + 1}"
    _, response = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": {"from": "9"}})
    assert response.status == 409 and response.json["error"]["code"] == "too_many_searches"
    other = await _token(app, user_id=777)  # the cap is per driver
    _, response = await app.asgi_client.post("/api/searches", headers=other, json={"filters": {"from": "9"}})
    assert response.status == 201


async def test_an_identical_search_is_named_not_saved_twice(app):
    headers = await _token(app)
    _, first = await app.asgi_client.post("/api/searches", headers=headers, json={
        "name": "Обратно из Казани", "filters": {"from": "3", "from_radius": "50"}})
    assert first.status == 201, first.text
    # the same upstream query written differently (a number, the default point type)
    _, again = await app.asgi_client.post("/api/searches", headers=headers, json={
        "name": "Казань", "filters": {"from": 3, "from_radius": "50", "from_type": "2"}})
    assert again.status == 409 and again.json["error"]["code"] == "duplicate_search", again.text
    assert "«Обратно из Казани»" in again.json["error"]["message"]
    _, listed = await app.asgi_client.get("/api/searches", headers=headers)
    assert [s["name"] for s in listed.json["items"]] == ["Обратно из Казани"]
    _, wider = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": {"from": "3", "from_radius": "100"}})
    assert wider.status == 201  # another radius is another search
    other = await _token(app, user_id=778)  # and another driver's identical search is theirs
    _, theirs = await app.asgi_client.post("/api/searches", headers=other, json={"filters": {"from": "3", "from_radius": "50"}})
    assert theirs.status == 201


async def test_a_driver_sees_and_changes_only_their_own(app):
    mine, theirs = await _token(app, 501), await _token(app, 502)
    _, created = await app.asgi_client.post("/api/searches", headers=mine, json={"filters": {"from": "1"}})
    search_id = created.json["search"]["id"]
    _, listed = await app.asgi_client.get("/api/searches", headers=theirs)
    assert listed.json["items"] == []
    for call in (app.asgi_client.patch(f"/api/searches/{search_id}", headers=theirs, json={"name": "x"}),
                 app.asgi_client.delete(f"/api/searches/{search_id}", headers=theirs)):
        _, response = await call
        assert response.status == 404 and response.json["error"]["code"] == "not_found"
    _, response = await app.asgi_client.get("/api/searches")
    assert response.status == 401


async def test_new_load_count_since_last_opened(app):
    headers = await _token(app)
    _, created = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": {"from": "1"}})
    search_id = created.json["search"]["id"]
    await app.ctx.services.searches.record_hits([(search_id, "101"), (search_id, "102"), (search_id, "101")])
    _, listed = await app.asgi_client.get("/api/searches", headers=headers)
    assert listed.json["items"][0]["new_count"] == 2
    _, opened = await app.asgi_client.patch(f"/api/searches/{search_id}", headers=headers, json={"opened": True})
    assert opened.status == 200
    _, listed = await app.asgi_client.get("/api/searches", headers=headers)
    assert listed.json["items"][0]["new_count"] == 0


@pytest.mark.parametrize("method, path, body", [
    ("post", "/api/searches", {"name": "a\u0000b", "filters": {}}),
    ("post", "/api/searches", {"filters": {"from": "1\u0000"}}),
    ("post", "/api/searches", {"filters": {"from": "9" * 40}}),
    ("post", "/api/searches", {"filters": {"from": 10 ** 40}}),
    ("post", "/api/searches", {"filters": {}, "auto_response": {"rate_min": 10 ** 40}}),
    ("post", "/api/searches", {"filters": {"\u0000": "1"}}),
    ("patch", "/api/searches/99999999999999999999999", {"name": "x"}),
    ("patch", "/api/searches/0", {"name": "x"}),
])
async def test_hostile_input_is_a_4xx_never_a_500(app, method, path, body):
    headers = await _token(app)
    _, response = await getattr(app.asgi_client, method)(path, headers=headers, json=body)
    assert 400 <= response.status < 500, (path, body, response.status, response.text)
    assert response.json["error"]["code"]


async def test_only_with_price_is_kept_with_a_search_and_counts_for_sameness(app):
    """«Только с ценой» is our filter, not CargoTech's: a search keeps it (the list runs it as saved), and a
    search that differs only by it is another search."""
    headers = await _token(app, user_id=778)
    _, priced = await app.asgi_client.post("/api/searches", headers=headers, json={
        "filters": {"from": "3", "with_price": "1"}})
    assert priced.status == 201, priced.text
    assert priced.json["search"]["filters"] == {"from": "3", "with_price": "1"}
    _, again = await app.asgi_client.post("/api/searches", headers=headers, json={
        "filters": {"from": 3, "with_price": "true"}})
    assert again.status == 409 and again.json["error"]["code"] == "duplicate_search"
    _, any_price = await app.asgi_client.post("/api/searches", headers=headers, json={
        "filters": {"from": "3", "with_price": "0"}})
    assert any_price.status == 201 and "with_price" not in any_price.json["search"]["filters"]
    _, bad = await app.asgi_client.post("/api/searches", headers=headers, json={"filters": {"from": "3", "with_price": "да"}})
    assert bad.status == 400 and bad.json["error"]["fields"]["with_price"] == "Допустимо: 1 или 0"
