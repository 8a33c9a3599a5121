"""Favourites and hiding over the API (issue 21 §5): every route, validation, limits, auth; hidden loads and
companies leave the list; the snapshot when the load is gone; «Удалить мои данные» deletes them."""

from __future__ import annotations

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.integration.test_api import auth, login

Sanic.test_mode = True

VALID_INN = "7707083893"  # a real company's INN (check digit right)
PERSON_INN = "500100732259"
COMPANY = {"id": 1599999, "inn": VALID_INN, "name": "ПАО «Проверка»", "type": "broker", "security_status": 0}


@pytest.fixture
def app(settings, redis, standin):
    app_settings = settings.replace(shortlist_max_favourites=2, shortlist_max_hidden=2)
    return create_app(app_settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def _token(app, user_id=601):
    return auth((await login(app, user_id))["session_token"])


async def _ids(app, headers, **params):
    _, page = await app.asgi_client.get("/api/cargos", headers=headers, params={"limit": "50", **params})
    assert page.status == 200, page.text
    return page.json


async def test_favourite_put_get_list_delete_and_idempotence(app, standin):
    headers = await _token(app)
    cargo_id = str(standin.dataset.cargos[0]["id"])
    _, added = await app.asgi_client.put(f"/api/favourites/{cargo_id}", headers=headers)
    assert added.status == 201, added.text
    item = added.json["favourite"]
    assert item["cargo_id"] == cargo_id and item["gone"] is False and item["card"]["display"]["route"]
    _, again = await app.asgi_client.put(f"/api/favourites/{cargo_id}", headers=headers)
    assert again.status == 200 and again.json["favourite"]["cargo_id"] == cargo_id
    _, one = await app.asgi_client.get(f"/api/favourites/{cargo_id}", headers=headers)
    assert one.status == 200 and one.json["favourite"]["card"]["id"] == item["card"]["id"]
    _, listed = await app.asgi_client.get("/api/favourites", headers=headers)
    assert [f["cargo_id"] for f in listed.json["items"]] == [cargo_id] and listed.json["limit"] == 2
    _, removed = await app.asgi_client.delete(f"/api/favourites/{cargo_id}", headers=headers)
    assert removed.status == 204
    _, absent = await app.asgi_client.delete(f"/api/favourites/{cargo_id}", headers=headers)
    assert absent.status == 204  # absent: the end state is what was asked
    _, missing = await app.asgi_client.get(f"/api/favourites/{cargo_id}", headers=headers)
    assert missing.status == 404


async def test_routes_need_a_session_and_a_load_id(app):
    for method, path in (("get", "/api/favourites"), ("put", "/api/favourites/1"), ("get", "/api/hidden"),
                         ("put", f"/api/hidden/companies/{VALID_INN}"), ("delete", "/api/hidden/cargos/1")):
        _, answer = await getattr(app.asgi_client, method)(path)
        assert answer.status == 401, path
    headers = await _token(app)
    _, bad = await app.asgi_client.put("/api/favourites/abc", headers=headers)
    assert bad.status == 404
    _, gone = await app.asgi_client.put("/api/favourites/999999999", headers=headers)
    assert gone.status == 404 and gone.json["error"]["message"] == "Груз не найден или уже снят"


async def test_favourites_and_hidden_limits(app, standin):
    headers = await _token(app)
    ids = [str(c["id"]) for c in standin.dataset.cargos[:3]]
    for cargo_id in ids[:2]:
        _, ok = await app.asgi_client.put(f"/api/favourites/{cargo_id}", headers=headers)
        assert ok.status == 201
    _, full = await app.asgi_client.put(f"/api/favourites/{ids[2]}", headers=headers)
    assert full.status == 409 and full.json["error"]["code"] == "shortlist_full" and "cargo_id" in full.json["error"]["fields"]
    for cargo_id in ids[:2]:
        _, ok = await app.asgi_client.put(f"/api/hidden/cargos/{cargo_id}", headers=headers)
        assert ok.status == 201
    _, full = await app.asgi_client.put(f"/api/hidden/companies/{VALID_INN}", headers=headers)
    assert full.status == 409 and "inn" in full.json["error"]["fields"]
    _, again = await app.asgi_client.put(f"/api/hidden/cargos/{ids[0]}", headers=headers)
    assert again.status == 200  # already hidden: not counted twice


@pytest.mark.parametrize("inn, message", [("123", "ИНН — 10 цифр у компании или 12 у ИП"),
                                          ("7707083894", "Неверная контрольная цифра ИНН"),
                                          ("500100732258", "Неверная контрольная цифра ИНН"),
                                          ("77070838a3", "ИНН — 10 цифр у компании или 12 у ИП")])
async def test_inn_is_checked(app, inn, message):
    headers = await _token(app)
    for method in ("put", "delete"):
        _, answer = await getattr(app.asgi_client, method)(f"/api/hidden/companies/{inn}", headers=headers)
        assert answer.status == 400 and answer.json["error"]["fields"] == {"inn": message}


async def test_hide_company_with_a_name_then_show_again(app):
    headers = await _token(app)
    _, hidden = await app.asgi_client.put(f"/api/hidden/companies/{PERSON_INN}", headers=headers, json={"name": "ИП Иванов"})
    assert hidden.status == 201 and hidden.json["hidden_company"] == {"inn": PERSON_INN, "name": "ИП Иванов"}
    _, bad = await app.asgi_client.put(f"/api/hidden/companies/{VALID_INN}", headers=headers, json={"name": 5})
    assert bad.status == 400 and "name" in bad.json["error"]["fields"]
    _, listed = await app.asgi_client.get("/api/hidden", headers=headers)
    assert [c["inn"] for c in listed.json["companies"]] == [PERSON_INN] and listed.json["cargos"] == []
    _, shown = await app.asgi_client.delete(f"/api/hidden/companies/{PERSON_INN}", headers=headers)
    assert shown.status == 204
    _, listed = await app.asgi_client.get("/api/hidden", headers=headers)
    assert listed.json["companies"] == []


async def test_hidden_loads_and_companies_leave_the_list_only_for_that_driver(app, standin):
    marked = standin.publish({**standin.dataset.cargos[-1], "id": 4_000_001, "company": COMPANY})
    headers, other = await _token(app), await _token(app, 602)
    before = await _ids(app, headers)
    first = next(str(c["id"]) for c in before["items"] if str(c["id"]) != str(marked["id"]))
    assert str(marked["id"]) in {str(c["id"]) for c in before["items"]}
    await app.asgi_client.put(f"/api/hidden/cargos/{first}", headers=headers)
    await app.asgi_client.put(f"/api/hidden/companies/{VALID_INN}", headers=headers)
    after = await _ids(app, headers)
    shown = {str(c["id"]) for c in after["items"]}
    assert first not in shown and str(marked["id"]) not in shown
    assert after["meta"]["hidden_by_driver"] == 2, (len(before["items"]), len(after["items"]), first, marked["id"])
    sorted_page = await _ids(app, headers, sort="price")
    assert first not in {str(c["id"]) for c in sorted_page["items"]}
    assert first in {str(c["id"]) for c in (await _ids(app, other))["items"]}  # others keep the shared page
    await app.asgi_client.delete(f"/api/hidden/cargos/{first}", headers=headers)
    assert first in {str(c["id"]) for c in (await _ids(app, headers))["items"]}


async def test_favourites_are_flagged_on_a_personal_page_only(app, standin):
    headers = await _token(app)
    first = str(standin.dataset.cargos[0]["id"])
    await app.asgi_client.put(f"/api/favourites/{first}", headers=headers)
    plain = await _ids(app, headers)
    assert all("favourite" not in c for c in plain["items"])  # favourites alone keep the shared bytes
    personal = await _ids(app, headers, sort="price")
    assert [c["favourite"] for c in personal["items"] if str(c["id"]) == first] == [True]


async def test_the_detail_says_whether_the_load_is_a_favourite_of_this_driver(app, standin):
    headers, other = await _token(app), await _token(app, 602)
    first = str(standin.dataset.cargos[0]["id"])

    async def favourite(who) -> object:
        _, detail = await app.asgi_client.get(f"/api/cargos/{first}", headers=who)
        assert detail.status == 200, detail.text
        return detail.json["favourite"]

    assert await favourite(headers) is False
    await app.asgi_client.put(f"/api/favourites/{first}", headers=headers)
    assert await favourite(headers) is True and await favourite(other) is False  # the driver's own
    await app.asgi_client.delete(f"/api/favourites/{first}", headers=headers)
    assert await favourite(headers) is False


async def test_the_snapshot_stays_when_the_load_is_gone(app, standin):
    headers = await _token(app)
    cargo_id = str(standin.dataset.cargos[0]["id"])
    _, added = await app.asgi_client.put(f"/api/favourites/{cargo_id}", headers=headers)
    route = added.json["favourite"]["card"]["display"]["route"]
    standin.withdraw(cargo_id)
    redis = app.ctx.services.redis  # the shared cache forgets it too (as after its TTL); only this test's keys:
    stale = [key async for key in redis.scan_iter(match=app.ctx.services.keys("cache:*"))]  # other workers share the DB
    assert stale
    await redis.delete(*stale)
    _, listed = await app.asgi_client.get("/api/favourites", headers=await _token(app))
    [item] = listed.json["items"]
    assert item["gone"] is True and item["status_text"] == "снят" and item["card"]["display"]["route"] == route


async def test_forget_me_deletes_favourites_and_hidden(app, standin):
    headers = await _token(app)
    cargo_id = str(standin.dataset.cargos[0]["id"])
    await app.asgi_client.put(f"/api/favourites/{cargo_id}", headers=headers)
    await app.asgi_client.put(f"/api/hidden/companies/{VALID_INN}", headers=headers)
    _, forgotten = await app.asgi_client.delete("/api/me", headers=headers)
    assert forgotten.status == 200, forgotten.text
    assert "избранные грузы, скрытые грузы и скрытые компании" in forgotten.json["deleted"]
    headers = await _token(app)
    _, favourites = await app.asgi_client.get("/api/favourites", headers=headers)
    _, hidden = await app.asgi_client.get("/api/hidden", headers=headers)
    assert favourites.json["items"] == [] and hidden.json["companies"] == []


async def test_the_snapshot_keeps_contacts_only_with_access(app, standin):
    headers = await _token(app)
    services = app.ctx.services
    cargo_id = str(standin.dataset.cargos[0]["id"])
    await services.flags.set("paywall", True)
    await services.flags.set("paywall.contacts", True)
    _, added = await app.asgi_client.put(f"/api/favourites/{cargo_id}", headers=headers)
    card = added.json["favourite"]["card"]
    assert card["contacts"] == [] and card["contacts_hidden"] is True
    await services.flags.set("paywall.contacts", False)
    _, again = await app.asgi_client.put(f"/api/favourites/{cargo_id}", headers=headers)
    assert again.json["favourite"]["card"]["contacts"] and "contacts_hidden" not in again.json["favourite"]["card"]
