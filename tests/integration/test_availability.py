"""«Я свободен в … с …» (issue 22 §1) over HTTP and the bot, on the CargoTech and Bot API stand-ins: the driver's
availability (put/get/delete, validation, expiry, the proposal, forget-me), its feed from the shared cache, the
free trucks for dispatchers (the admin route and /free in the dispatcher chat)."""

from __future__ import annotations

import datetime as dt
import re

from cargotool.core.alerts.search_filters import FREE_FROM
from cargotool.core.availability.service import EXPIRE_DAYS, KIND
from cargotool.core.clock import moscow_today
from cargotool.core.insights.gazetteer import default_gazetteer
from cargotool.core.storage.models import SavedSearch
from tests.integration import test_responses_bot as bot_tests
from tests.integration.test_responses_bot import (ADMIN, DISPATCH_CHAT, DRIVER, deliver, respond, session,
                                                  webhook)

# the bot tests' fixtures: an app with the Bot API stand-in, ADMIN the one admin, DISPATCH_CHAT the dispatchers
app, bot_settings, telegram = bot_tests.app, bot_tests.bot_settings, bot_tests.telegram

VIEWS = "GET /v2/cargos/views"
MOSCOW = 1
URL = "/api/me/availability"


def day(n: int) -> str:
    return (moscow_today() + dt.timedelta(days=n)).isoformat()


async def put(app, headers, **body):
    return (await app.asgi_client.put(URL, json=body, headers=headers))[1]


async def get(app, headers, path=URL):
    _, response = await app.asgi_client.get(path, headers=headers)
    assert response.status == 200, response.text
    return response.json


async def system_searches(app) -> list[SavedSearch]:
    return await app.ctx.services.database.run(lambda: list(SavedSearch.select().where(SavedSearch.kind == KIND)))


async def test_put_get_delete(app):
    headers = await session(app)
    assert await get(app, headers) == {"availability": None, "proposal": None}
    saved = await put(app, headers, point_id=MOSCOW, date=day(2), name="Москва")
    assert saved.status == 200, saved.text
    mine = saved.json["availability"]
    assert mine["point_id"] == MOSCOW and mine["name"] == "Москва" and mine["date"] == day(2)
    assert mine["radius_km"] == 50  # the default
    assert re.fullmatch(r"Свободен в Москве с \d{1,2} \w+\.? \((пн|вт|ср|чт|пт|сб|вс)\)", mine["text"]), mine["text"]
    assert mine["expires_on"] == day(2 + EXPIRE_DAYS)
    assert (await get(app, headers))["availability"] == mine
    [search] = await system_searches(app)  # its alerts: one system saved search, not among «Мои поиски»
    assert search.driver_id == DRIVER and '"from": "1"' in search.filters and FREE_FROM in search.filters
    assert (await get(app, headers, "/api/searches"))["items"] == []
    again = await put(app, headers, point_id=MOSCOW, date=day(3), radius_km=120, name="Москва")
    assert again.json["availability"]["radius_km"] == 120 and len(await system_searches(app)) == 1  # replaced
    _, deleted = await app.asgi_client.delete(URL, headers=headers)
    assert deleted.status == 200 and deleted.json == {"availability": None}
    assert (await get(app, headers))["availability"] is None and await system_searches(app) == []


async def test_the_name_comes_from_the_list_when_the_client_sends_only_the_id(app):
    headers = await session(app)
    await get(app, headers, "/api/cargos")  # the server learns the cities' names from the pages it fetches
    saved = await put(app, headers, point_id=MOSCOW, date=day(0), radius_km=0)
    assert saved.status == 200, saved.text
    assert saved.json["availability"]["name"] == "Москва" and saved.json["availability"]["radius_km"] == 0


async def test_bad_input_is_a_400_naming_each_field(app):
    headers = await session(app)
    cases = [
        ({}, {"point_id", "date"}),
        ({"point_id": "1", "date": day(1)}, {"point_id"}),
        ({"point_id": MOSCOW, "date": "завтра", "name": "Москва"}, {"date"}),
        ({"point_id": MOSCOW, "date": day(-1), "name": "Москва"}, {"date"}),
        ({"point_id": MOSCOW, "date": day(31), "name": "Москва"}, {"date"}),
        ({"point_id": MOSCOW, "date": "2026-02-30", "name": "Москва"}, {"date"}),
        ({"point_id": MOSCOW, "date": day(1), "radius_km": 301, "name": "Москва"}, {"radius_km"}),
        ({"point_id": MOSCOW, "date": day(1), "radius_km": True, "name": "Москва"}, {"radius_km"}),
        ({"point_id": MOSCOW, "date": day(1), "radius_km": -5, "name": "Москва"}, {"radius_km"}),
        ({"point_id": True, "date": day(1)}, {"point_id"}),
        ({"point_id": MOSCOW, "date": day(1), "city": "Москва"}, {"city"}),
        ({"point_id": 987654321, "date": day(1)}, {"point_id"}),  # a point the server has never seen, no name
        ({"point_id": 987654321, "date": day(1), "name": "Нигдеград"}, {"point_id"}),  # not in the gazetteer
    ]
    for body, fields in cases:
        response = await put(app, headers, **body)
        assert response.status == 400, (body, response.text)
        error = response.json["error"]
        assert set(error["fields"]) == fields, (body, error)
        assert all(re.search("[а-я]", text) for text in error["fields"].values())
    _, response = await app.asgi_client.put(URL, content=b"[1]", headers=headers)
    assert response.status == 400
    assert (await get(app, headers))["availability"] is None and await system_searches(app) == []


async def test_it_expires_some_days_after_its_day(app):
    headers = await session(app)
    assert (await put(app, headers, point_id=MOSCOW, date=day(0), name="Москва")).status == 200
    availability, today = app.ctx.services.availability, moscow_today()
    last = today + dt.timedelta(days=EXPIRE_DAYS)
    assert await availability.get(DRIVER, last) is not None
    assert await availability.get(DRIVER, last + dt.timedelta(days=1)) is None  # read-time: gone at once
    assert await availability.expire(last) == 0
    assert await availability.expire(last + dt.timedelta(days=1)) == 1  # the hourly job deletes it
    assert await system_searches(app) == [] and (await get(app, headers))["availability"] is None


async def test_the_app_proposes_the_unloading_city_and_day_of_the_accepted_load(app):
    headers = await session(app)
    gazetteer, today = default_gazetteer(), moscow_today().isoformat()
    cards = (await get(app, headers, "/api/cargos?limit=50"))["items"]
    card = next(c for c in cards if gazetteer.find(c["to"]["city"]) and (c["to"]["to"] or "")[:10] >= today)
    created = await respond(app, headers, card["id"])
    assert (await get(app, headers))["proposal"] is None  # not accepted yet
    await app.ctx.services.responses.decide(created.json["response"]["id"], "accept", "dispatcher:1 test")
    proposal = (await get(app, headers))["proposal"]
    unload = card["to"]["to"][:10]
    assert proposal["point_id"] == card["to"]["city_id"] and proposal["name"] == card["to"]["city"]
    assert proposal["date"] == unload and proposal["cargo_id"] == str(card["id"])
    assert proposal["text"].startswith("Свободен ") and proposal["text"].endswith("?")
    # one tap: the proposal as it is is a valid availability, and then it is not proposed again
    taken = await put(app, headers, point_id=proposal["point_id"], date=proposal["date"], name=proposal["name"])
    assert taken.status == 200, taken.text
    assert (await get(app, headers))["proposal"] is None


async def test_the_feed_is_from_there_from_then_from_the_shared_cache(app, standin):
    headers, other = await session(app), await session(app, 502, username="petr")
    await put(app, headers, point_id=MOSCOW, date=day(2), radius_km=50, name="Москва")
    await put(app, other, point_id=MOSCOW, date=day(2), radius_km=50, name="Москва")
    standin.reset_counters()
    feed = await get(app, headers, URL + "/feed")
    assert standin.calls[VIEWS] <= 1
    assert feed["availability"]["point_id"] == MOSCOW and feed["items"], feed
    for card in feed["items"]:
        assert (card["from"]["to"] or card["from"]["from"])[:10] >= day(2), card["from"]
    expected = [c for c in standin.dataset.cargos if c["points"]["start"]["city"]["id"] == MOSCOW
                and c["points"]["start"]["last_date"][:10] >= day(2)]
    assert len(feed["items"]) <= len(expected)
    standin.reset_counters()
    assert (await get(app, other, URL + "/feed"))["items"] == feed["items"]
    assert standin.calls[VIEWS] == 0  # the other driver's feed is the same cached page: no CargoTech call
    gone = feed["items"][0]["id"]
    assert (await app.asgi_client.put(f"/api/hidden/cargos/{gone}", headers=other))[1].status in (200, 201)
    assert gone not in [c["id"] for c in (await get(app, other, URL + "/feed"))["items"]]  # what the driver hid
    await app.asgi_client.delete(URL, headers=headers)
    assert (await get(app, headers, URL + "/feed")) == {"availability": None, "items": [],
                                                        "meta": {"stale": False, "total": 0}}


async def test_the_feeds_cards_are_the_drivers_own_like_the_lists(app):
    """A driver with a position gets `reach` on the feed's cards, as on the list's; another without one does not."""
    headers, other = await session(app), await session(app, 502, username="petr")
    _, consent = await app.asgi_client.put("/api/me/consent", json={"kind": "position", "answer": True}, headers=headers)
    assert consent.status == 200, consent.text
    _, placed = await app.asgi_client.put("/api/me/position", json={"lat": 55.7558, "lon": 37.6173}, headers=headers)
    assert placed.status == 200
    for who in (headers, other):
        await put(app, who, point_id=MOSCOW, date=day(2), radius_km=50, name="Москва")
    mine, theirs = await get(app, headers, URL + "/feed"), await get(app, other, URL + "/feed")
    assert mine["items"] and all("reach" in card for card in mine["items"] if card["from"].get("lat") is not None)
    assert any("reach" in card for card in mine["items"])
    assert not any("reach" in card for card in theirs["items"])


async def test_forget_me_deletes_the_availability(app):
    headers = await session(app)
    await put(app, headers, point_id=MOSCOW, date=day(1), name="Москва")
    _, forgotten = await app.asgi_client.delete("/api/me", headers=headers)
    assert forgotten.status == 200, forgotten.text
    assert "где и с какого дня вы свободны («Свободен с…»)" in forgotten.json["deleted"]
    from cargotool.core.availability.models import DriverAvailability
    rows = await app.ctx.services.database.run(lambda: DriverAvailability.select().count())
    assert rows == 0 and await system_searches(app) == []


async def test_dispatchers_see_the_free_trucks_and_drivers_do_not(app):
    driver, admin = await session(app), await session(app, ADMIN, first_name="Анна", username="anna")
    petr = await session(app, 502, first_name="Пётр", username=None)
    empty = await get(app, admin, "/api/admin/free-trucks")
    assert empty == {"items": [], "text": "Свободных машин нет"}
    await put(app, driver, point_id=MOSCOW, date=day(3), name="Москва")
    await put(app, petr, point_id=MOSCOW, date=day(1), radius_km=0, name="Москва")
    await app.asgi_client.put("/api/me/truck", json={"over_12t": True}, headers=petr)
    body = await get(app, admin, "/api/admin/free-trucks")
    assert [t["driver"] for t in body["items"]] == ["Пётр", "Иван (@ivan)"]  # by day
    first = body["items"][0]
    assert first["city"] == "Москва" and first["date"] == day(1) and first["radius_km"] == 0
    assert body["text"].startswith("Свободные машины:\n1. Пётр — Москва, с ")
    assert "2. Иван (@ivan) — Москва (±50 км), с " in body["text"]
    _, refused = await app.asgi_client.get("/api/admin/free-trucks", headers=driver)
    assert refused.status == 403
    _, anonymous = await app.asgi_client.get("/api/admin/free-trucks")
    assert anonymous.status == 401


def said(update_id, text, chat_id=DISPATCH_CHAT, user_id=ADMIN, kind="supergroup"):
    return {"update_id": update_id, "message": {"message_id": update_id, "text": text,
                                                "from": {"id": user_id, "first_name": "Анна"},
                                                "chat": {"id": chat_id, "type": kind}}}


async def test_free_in_the_dispatcher_chat(app, telegram):
    assert (await webhook(app, said(7001, "/free"))).status == 200
    await deliver(app)
    [none] = telegram.sent("sendMessage", DISPATCH_CHAT)
    assert none.params["text"] == "Свободных машин нет"
    driver = await session(app)
    await put(app, driver, point_id=MOSCOW, date=day(2), name="Москва")
    await webhook(app, said(7002, "/free@cargotool_bot"))
    await deliver(app)
    text = telegram.sent("sendMessage", DISPATCH_CHAT)[-1].params["text"]
    assert re.fullmatch(r"Свободные машины:\n1\. Иван \(@ivan\) — Москва \(±50 км\), с \d{1,2} \w+\.? \(\w\w\)", text), text
    # a driver's /free in a private chat is not the dispatchers' list; another group gets nothing
    await webhook(app, said(7003, "/free", chat_id=DRIVER, user_id=DRIVER, kind="private"))
    await webhook(app, said(7004, "/free", chat_id=-100777))
    await deliver(app)
    [private] = telegram.sent("sendMessage", DRIVER)  # the /help answer, with the driver's line about the feature
    assert "Свободные машины" not in private.params["text"]
    assert "• «🚚 Свободен» в приложении: скажите, где и с какого дня вы свободны" in private.params["text"]
    assert not telegram.sent("sendMessage", -100777)
    await webhook(app, said(7005, "/free", chat_id=ADMIN, user_id=ADMIN, kind="private"))  # an admin, privately
    await deliver(app)
    assert telegram.sent("sendMessage", ADMIN)[-1].params["text"].startswith("Свободные машины:")


async def test_the_system_search_is_not_the_drivers_to_change_or_delete_only_to_pause(app):
    headers = await session(app)
    assert (await put(app, headers, point_id=MOSCOW, date=day(1), name="Москва")).status == 200
    [search] = await system_searches(app)
    path = f"/api/searches/{search.id}"
    _, changed = await app.asgi_client.patch(path, json={"filters": {"from": "3"}}, headers=headers)
    _, renamed = await app.asgi_client.patch(path, json={"name": "x"}, headers=headers)
    _, deleted = await app.asgi_client.delete(path, headers=headers)
    assert (changed.status, renamed.status, deleted.status) == (404, 404, 404)  # as another driver's search
    [kept] = await system_searches(app)
    assert kept.filters == search.filters and kept.name == search.name
    assert (await get(app, headers))["availability"] is not None
    paused = await app.ctx.services.searches.pause(DRIVER, search.id)  # the alert's «Не присылать» button
    assert paused.alerts is False and paused.kind == KIND
    [kept] = await system_searches(app)
    assert kept.alerts is False


async def test_the_city_name_is_the_servers_not_the_clients(app):
    headers = await session(app)
    wrong = await put(app, headers, point_id=MOSCOW, date=day(1), name="Краснодар")  # the server knows no name for 1
    assert wrong.status == 400 and set(wrong.json["error"]["fields"]) == {"point_id"}, wrong.text
    await get(app, headers, "/api/cargos")  # now it has learnt id 1 is Москва
    saved = await put(app, headers, point_id=MOSCOW, date=day(1), name="Краснодар")
    assert saved.status == 200 and saved.json["availability"]["name"] == "Москва", saved.text
    [search] = await system_searches(app)
    assert search.name.startswith("Свободен в Москве")


async def test_the_body_type_from_the_dictionaries_reaches_the_dispatchers_and_the_alerts(app):
    driver, admin = await session(app), await session(app, ADMIN, first_name="Анна", username="anna")
    kind = (await get(app, driver, "/api/dictionaries"))["truck_types"][0]
    saved = await put(app, driver, point_id=MOSCOW, date=day(1), name="Москва", body_type=kind["id"])
    assert saved.status == 200, saved.text
    mine = saved.json["availability"]
    assert (mine["body_type"], mine["body_name"]) == (kind["id"], kind["name"])
    [search] = await system_searches(app)
    assert f'"truck_types": "{kind["id"]}"' in search.filters  # its alerts: that body type only, as the feed
    body = await get(app, admin, "/api/admin/free-trucks")
    assert body["items"][0]["body"] == kind["name"] and f", {kind['name']}" in body["text"]
    for bad in (999_999, "1", True, 0):
        refused = await put(app, driver, point_id=MOSCOW, date=day(1), name="Москва", body_type=bad)
        assert refused.status == 400 and set(refused.json["error"]["fields"]) == {"body_type"}, (bad, refused.text)
    assert (await get(app, driver))["availability"]["body_type"] == kind["id"]  # unchanged by the refused ones
    again = await put(app, driver, point_id=MOSCOW, date=day(1), name="Москва")  # without: any body type
    assert again.json["availability"]["body_type"] is None
    [search] = await system_searches(app)
    assert "truck_types" not in search.filters


async def test_the_row_and_its_search_are_written_and_expired_together(app, monkeypatch):
    from cargotool.core.alerts.searches import SearchStore
    from cargotool.core.availability.models import DriverAvailability
    availability, today = app.ctx.services.availability, moscow_today()
    await session(app)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(SearchStore, "write_system", staticmethod(broken))
        try:
            await availability.set(DRIVER, {"point_id": MOSCOW, "date": today.isoformat(), "name": "Москва"}, today)
        except RuntimeError:
            pass
    count = await app.ctx.services.database.run(lambda: DriverAvailability.select().count())
    assert count == 0 and await system_searches(app) == []  # neither, not an orphan of one
    await availability.set(DRIVER, {"point_id": MOSCOW, "date": today.isoformat(), "name": "Москва"}, today)
    later = today + dt.timedelta(days=EXPIRE_DAYS + 1)
    with monkeypatch.context() as patched:
        patched.setattr(SearchStore, "delete_system", staticmethod(broken))
        try:
            await availability.expire(later)
        except RuntimeError:
            pass
    assert await availability.get(DRIVER, today) is not None and len(await system_searches(app)) == 1
    assert await availability.expire(later) == 1 and await system_searches(app) == []
