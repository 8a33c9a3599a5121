"""Postings of one trip (issue 21 §4) through the app: the shared list folds the stand-in's reposts into one
card with `group`, the detail of each posting carries the group, and alerts come once per trip."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.cargo.formatting import THIN_SPACE
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from cargotool.standin.dataset import COMPANIES
from cargotool.standin.reposts import FIRST_REPOST_ID
from tests.integration.test_alerts import alerts_to, deliver, load, make_services, svc, telegram  # noqa: F401 (fixtures)
from tests.integration.test_api import auth, login

Sanic.test_mode = True
SHIPPERS_OWN = "6236981221"  # the sample's load 33, posted by its shipper and resold by two brokers
RESOLD = [str(FIRST_REPOST_ID), str(FIRST_REPOST_ID + 1)]


@pytest.fixture
def app(settings, redis, standin):
    return create_app(settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def test_the_list_folds_reposts_into_the_shippers_card_and_keeps_paging_honest(app, standin):
    token = (await login(app, 731))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos?limit=20&offset=20", headers=auth(token))
    assert response.status == 200
    page = response.json
    ids = [card["id"] for card in page["items"]]
    assert SHIPPERS_OWN in ids and not set(RESOLD) & set(ids)  # one card per trip
    card = next(card for card in page["items"] if card["id"] == SHIPPERS_OWN)
    s = THIN_SPACE
    assert card["group"] == {
        "count": 3,
        "text": f"выставлен 3 компаниями: 136{s}800 / 128{s}000 / 121{s}000{s}₽; грузовладелец — ООО «Черноземье Трейд»",
        "postings": [{"id": SHIPPERS_OWN, "company": "ООО «Черноземье Трейд»", "price_rub": 136_800},
                     {"id": RESOLD[0], "company": "ООО «ГрузЛайн»", "price_rub": 128_000},
                     {"id": RESOLD[1], "company": "ООО «Кубань Логистик»", "price_rub": 121_000}]}
    meta = page["meta"]
    # `total` and `next_offset` count postings as the marketplace does; `folded` says how many hide in a group
    assert meta["folded"] == 2 and len(ids) == 18 and meta["next_offset"] == 40
    assert meta["total"] == len(standin.dataset.cargos)
    assert sum(1 for c in page["items"] if "group" in c) == 1

    _, first = await app.asgi_client.get("/api/cargos?limit=20", headers=auth(token))
    assert "folded" not in first.json["meta"] and all("group" not in c for c in first.json["items"])


async def test_every_posting_of_a_group_shows_the_group_on_its_detail(app, standin):
    token = (await login(app, 732))["session_token"]
    _, listed = await app.asgi_client.get("/api/cargos?limit=20&offset=20", headers=auth(token))
    group = next(c for c in listed.json["items"] if c["id"] == SHIPPERS_OWN)["group"]
    for cargo_id in [SHIPPERS_OWN, *RESOLD]:
        _, response = await app.asgi_client.get(f"/api/cargos/{cargo_id}", headers=auth(token))
        assert response.status == 200 and response.json["group"] == group
    alone = next(c["id"] for c in listed.json["items"] if "group" not in c)
    _, response = await app.asgi_client.get(f"/api/cargos/{alone}", headers=auth(token))
    assert response.status == 200 and "group" not in response.json


async def test_a_trip_posted_three_times_is_one_alert_naming_the_others(svc, standin, telegram):  # noqa: F811
    await svc.searches.create(501, {"name": "Из Москвы", "filters": {"from": "1"}})
    await svc.watcher.tick()  # the board as it is: no alerts
    shipper = next(c for c in COMPANIES if c["type"] == "shipper")
    original = load(standin, weight=19800, volume=82, price=10_500_000, price_carrier=None, company=shipper)
    day = dt.date.fromisoformat(original["points"]["start"]["first_date"][:10])
    for n, (company, price) in enumerate(((COMPANIES[0], 9_800_000), (COMPANIES[1], 9_200_000))):
        resold = copy.deepcopy(original)
        resold["points"]["start"]["last_date"] = (day + dt.timedelta(days=1)).isoformat()  # a broker widens the window
        standin.publish({**resold, "id": 8_100_000_000 + n, "company": company, "price": price, "weight": 20000})
    other = load(standin, weight=5000, volume=20)  # another load from Moscow: an alert of its own
    result = await svc.watcher.tick()
    assert result["alerts"] == 2
    await deliver(svc)
    messages = alerts_to(telegram, 501)
    assert len(messages) == 2
    by_load = {m.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"].rsplit("=", 1)[1]: m for m in messages}
    assert set(by_load) == {str(original["id"]), str(other["id"])}  # the shipper's own posting, not a reseller's
    s = THIN_SPACE
    assert by_load[str(original["id"])].params["text"].endswith(
        f"\n👥 Этот же груз выставлен 3 компаниями: 105{s}000 / 98{s}000 / 92{s}000{s}₽; грузовладелец — {shipper['name']}")
    assert "👥" not in by_load[str(other["id"])].params["text"]
    assert (await svc.watcher.tick())["alerts"] == 0  # the resold postings were claimed: never alerted later
