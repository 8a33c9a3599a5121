"""«Успеваю?» (issue 21 §6): `reach` on cards and the detail for a driver with a position, the hours driven
today (`PUT /api/me/driving`), the list's `reachable=1` and `sort=arrival`, and saved searches with «успеваю»
in alert delivery."""

from __future__ import annotations

import datetime as dt

import pytest
from prometheus_client import REGISTRY
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.cargo.filters import InvalidFilter
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport

from cargotool.core.clock import MOSCOW as MSK
from cargotool.core.drivetime import MOSCOW as DRIVETIME_MOSCOW
from tests.integration.privacy_helpers import allow_position
from tests.integration.test_alerts import DRIVER, KAZAN, MOSCOW, OTHER, alerts_to, deliver, load
from tests.integration.test_alerts import make_services, svc, telegram  # noqa: F401 (fixtures)
from tests.integration.test_api import auth, login

KAZAN_POINT = {"lat": 55.7961, "lon": 49.1064}
VLADIVOSTOK = {"lat": 43.1155, "lon": 131.8855}
TEXTS = {"ok": "успеваете к погрузке (≈ ", "tight": "впритык (≈ ", "no": "не успеть без нарушения режима труда и отдыха (≈ "}

Sanic.test_mode = True


@pytest.fixture
def app(settings, redis, standin):
    quiet = settings.replace(outbox_enabled="off")  # no background work calling CargoTech
    return create_app(quiet, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def _driver(app, driver_id: int, position: dict | None = None) -> str:
    token = (await login(app, driver_id))["session_token"]
    await allow_position(app, token)
    if position is not None:
        _, response = await app.asgi_client.put("/api/me/position", json=position, headers=auth(token))
        assert response.status == 200
    return token


async def _list(app, token: str, query: str) -> dict:
    _, response = await app.asgi_client.get(f"/api/cargos?{query}", headers=auth(token))
    assert response.status == 200, response.text
    return response.json


def _hidden_counted(name: str) -> float:
    """The metric `cargotool_list_hidden_total{filter=name}` of this process."""
    return REGISTRY.get_sample_value("cargotool_list_hidden_total", {"filter": name}) or 0.0


def test_both_moscows_are_one_zone():
    assert MSK.key == DRIVETIME_MOSCOW.key


async def test_cards_and_detail_carry_reach_only_with_a_position(app):
    token = await _driver(app, 811)
    page = await _list(app, token, "from=1&limit=10")
    assert page["items"] and all("reach" not in card for card in page["items"])
    await app.asgi_client.put("/api/me/position", json=KAZAN_POINT, headers=auth(token))
    page = await _list(app, token, "from=1&limit=10")
    for card in page["items"]:  # every load starts in Moscow, ≈ 900 km from Kazan
        reach = card["reach"]
        assert reach["verdict"] in TEXTS and reach["text"].startswith(TEXTS[reach["verdict"]])
        arrival = dt.datetime.fromisoformat(reach["arrival"])
        assert arrival.utcoffset() == dt.timedelta(hours=3)
        assert arrival > dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=14)  # ≈ 900 km at 60 km/h, a break
    other = await _driver(app, 812)
    assert all("reach" not in c for c in (await _list(app, other, "from=1&limit=10"))["items"])  # not leaked
    _, response = await app.asgi_client.get(f"/api/cargos/{page['items'][0]['id']}", headers=auth(token))
    assert response.status == 200 and response.json["reach"]["verdict"] in TEXTS
    _, response = await app.asgi_client.get(f"/api/cargos/{page['items'][0]['id']}", headers=auth(other))
    assert response.status == 200 and "reach" not in response.json


@pytest.mark.parametrize("payload", [{"driven_today_h": -1}, {"driven_today_h": 13.5}, {"driven_today_h": "5"},
                                     {"driven_today_h": True}, {"driven_today_h": None}, {}, [5]])
async def test_bad_driving_hours_are_field_errors(app, payload):
    token = await _driver(app, 813)
    _, response = await app.asgi_client.put("/api/me/driving", json=payload, headers=auth(token))
    assert response.status == 400, response.text
    assert "driven_today_h" in response.json["error"]["fields"] or payload == [5]


async def test_hours_driven_today_delay_the_arrival_and_count_today_only(app):
    token = await _driver(app, 814, KAZAN_POINT)
    _, response = await app.asgi_client.get("/api/me/driving", headers=auth(token))
    assert response.json == {"driven_today_h": 0, "date": dt.datetime.now(MSK).date().isoformat()}
    before = {c["id"]: c["reach"]["arrival"] for c in (await _list(app, token, "from=1&limit=10"))["items"]}
    _, response = await app.asgi_client.put("/api/me/driving", json={"driven_today_h": 8.5}, headers=auth(token))
    assert response.status == 200 and response.json["driven_today_h"] == 8.5
    _, response = await app.asgi_client.get("/api/me/driving", headers=auth(token))
    assert response.json["driven_today_h"] == 8.5
    after = {c["id"]: c["reach"]["arrival"] for c in (await _list(app, token, "from=1&limit=10"))["items"]}
    assert before.keys() == after.keys()
    # 900 km after 8.5 h driven: half an hour, then an 11 h rest first — every arrival is later
    assert all(dt.datetime.fromisoformat(after[i]) > dt.datetime.fromisoformat(before[i]) for i in before)
    services = app.ctx.services
    tomorrow = dt.datetime.now(MSK) + dt.timedelta(days=1)
    assert await services.insights.reach.driven_today(814, tomorrow) == 0  # the next Moscow day it counts no more
    assert await services.insights.reach.driven_today(814) == 8.5
    ttl = await services.redis.ttl(services.keys("drivetime:today:814"))
    assert 0 < ttl <= 24 * 3600  # gone by itself at Moscow midnight
    await services.forgetter.forget(814, via="app")  # «Удалить мои данные» forgets it at once
    assert await services.insights.reach.driven_today(814) == 0


async def test_reachable_filter_and_arrival_sort_over_the_window(app):
    far = await _driver(app, 815, VLADIVOSTOK)  # ≈ 8 000 km by road: several days away
    near = await _driver(app, 816, KAZAN_POINT)
    everything = (await _list(app, far, "limit=50&sort=arrival"))
    verdicts = [c["reach"]["verdict"] for c in everything["items"]]
    assert "no" in verdicts
    arrivals = [c["reach"]["arrival"] for c in everything["items"] if "reach" in c]
    assert arrivals == sorted(arrivals) and everything["meta"]["sort"]["by"] == "arrival"
    assert everything["meta"]["reach_known"] is True

    counted_before = _hidden_counted("unreachable")
    total_no = 0
    offset = 0
    while offset is not None:
        page = await _list(app, far, f"limit=50&offset={offset}&reachable=1")
        assert all(c.get("reach", {}).get("verdict") != "no" for c in page["items"])
        total_no = page["meta"]["hidden_unreachable"]
        offset = page["meta"]["next_offset"]
    window = (await _list(app, far, "limit=50&offset=50&sort=arrival"))["items"] + everything["items"]
    assert total_no == sum(1 for c in window if c["reach"]["verdict"] == "no") > 0
    assert _hidden_counted("unreachable") == counted_before + total_no  # once per list, not per page
    kept_near = await _list(app, near, "limit=50&reachable=1")
    assert kept_near["meta"]["hidden_unreachable"] < total_no  # nearer, more loads within reach

    nowhere = await _driver(app, 817)
    page = await _list(app, nowhere, "limit=20&reachable=1")
    assert page["meta"]["reach_known"] is False and page["meta"]["hidden_unreachable"] == 0
    _, response = await app.asgi_client.get("/api/cargos?reachable=yes", headers=auth(nowhere))
    assert response.status == 400 and "reachable" in response.json["error"]["fields"]


async def test_a_reachable_search_alerts_only_loads_the_driver_can_reach(svc, standin, telegram):  # noqa: F811
    """«Успеваю» is the driver's: two drivers with the same search, one far away, one near; a third without it."""
    third = 503
    for driver in (DRIVER, OTHER):
        await svc.searches.create(driver, {"filters": {"from": str(MOSCOW), "to": str(KAZAN), "reachable": "1"}})
    await svc.searches.create(third, {"filters": {"from": str(MOSCOW), "to": str(KAZAN)}})
    await svc.insights.profiles.set_position(DRIVER, VLADIVOSTOK, svc.insights.point_names)
    await svc.insights.profiles.set_position(third, VLADIVOSTOK, svc.insights.point_names)
    [(mine, _)] = await svc.searches.mine(DRIVER)
    assert mine.filters["reachable"] == "1" and mine.reachable
    with pytest.raises(InvalidFilter) as bad:
        await svc.searches.create(third, {"filters": {"from": str(KAZAN), "reachable": "yes"}})
    assert bad.value.fields == {"reachable": "Допустимо: 1 или 0"}
    await svc.watcher.tick()
    tomorrow = (dt.datetime.now(MSK) + dt.timedelta(days=1)).date().isoformat()
    points = {"first_date": tomorrow, "last_date": tomorrow}
    cargo = load(standin)
    cargo["points"]["start"].update(points)
    result = await svc.watcher.tick()
    assert result["hits"] == 3
    await deliver(svc)
    assert alerts_to(telegram, DRIVER) == []  # Vladivostok → Moscow by tomorrow: no legal plan
    assert len(alerts_to(telegram, OTHER)) == 1  # no position: nothing says it is out of reach
    assert len(alerts_to(telegram, third)) == 1  # far away, but the search did not ask


async def test_an_alert_says_whether_the_driver_makes_it_what_is_left_and_how_they_are_paid(svc, standin, telegram):  # noqa: F811
    """The alert carries the driver's own card lines: the verdict (near, far, no position), the net (with fuel
    figures) and the payment terms the load states."""
    near, far, nowhere = DRIVER, OTHER, 504
    for driver in (near, far, nowhere):
        await svc.searches.create(driver, {"filters": {"from": str(MOSCOW), "to": str(KAZAN)}})
    await svc.insights.profiles.set_position(near, KAZAN_POINT, svc.insights.point_names)
    await svc.insights.profiles.set_fuel(near, {"l_per_100km": 32, "price_rub": 65})
    await svc.insights.profiles.set_position(far, VLADIVOSTOK, svc.insights.point_names)
    await svc.watcher.tick()
    tomorrow = (dt.datetime.now(MSK) + dt.timedelta(days=1)).date().isoformat()
    in_a_week = (dt.datetime.now(MSK) + dt.timedelta(days=7)).date().isoformat()
    cargo = load(standin)
    cargo["points"]["start"].update({"first_date": in_a_week, "last_date": in_a_week})
    cargo["payment"] = {"vat": False, "in_cash": True}  # the list's structured block (a list has no comment)
    await svc.watcher.tick()
    await deliver(svc)
    [to_near], [to_far], [to_nowhere] = (_texts(telegram, d) for d in (near, far, nowhere))
    assert TEXTS["ok"] in to_near and "Чистыми ≈ " in to_near
    assert "\nОплата: без НДС, наличными" in to_near
    assert TEXTS["tight"] not in to_near and "🕒" not in to_nowhere
    assert "Чистыми" not in to_far and "Чистыми" not in to_nowhere  # no fuel figures: no net
    cargo = load(standin)
    cargo["points"]["start"].update({"first_date": tomorrow, "last_date": tomorrow})
    cargo.pop("payment", None)
    await svc.watcher.tick()
    await deliver(svc)
    assert TEXTS["no"] in _texts(telegram, far)[-1]  # Vladivostok → Moscow by tomorrow, as the card says
    assert "\n🕒 " in to_far and "\nОплата: без НДС, наличными" in to_far
    assert "Оплата:" not in _texts(telegram, far)[-1]  # terms not stated: no line (the card says «не указаны»)


def _texts(bot, driver: int) -> list[str]:
    return [call.params["text"] for call in alerts_to(bot, driver)]
