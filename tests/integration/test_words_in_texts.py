"""Declined cities and agreeing plurals where drivers read them: the trip back (server text and the field the
Mini App builds its phrases from), the lane market's basis, plan titles, the saved-search cap. Real Redis,
SQLite, the CargoTech stand-in."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import subprocess
import sys
import time

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.alerts.searches import SearchStore, TooManySearches
from cargotool.core.billing.plans import Plan
from cargotool.core.cargotech.query import query_key
from cargotool.core.insights.lanes import Market
from cargotool.core.storage.db import Database
from cargotool.core.storage.migrations import migrate
from cargotool.core import words
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.integration.test_api import auth, login

Sanic.test_mode = True

# The stand-in's first load ends in Krasnodar, the issue's own example («о новых грузах из Краснодар»).
KRASNODAR_LOAD = 0
CHELYABINSK_LOAD = 5
# «груз» after a number, by its last digits, written out by hand
LOADS = {"1": "груз", "2": "груза", "3": "груза", "4": "груза", "11": "грузов", "12": "грузов"}


def loads_word(count: int) -> str:
    tail = str(count)[-2:] if str(count)[-2:] in LOADS else str(count)[-1]
    return LOADS.get(tail, "грузов")


@pytest.fixture
def app(settings, redis, standin):
    quiet = settings.replace(outbox_enabled="off")
    return create_app(quiet, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


async def test_the_trip_back_from_krasnodar_reads_right(app, standin):
    token = (await login(app, 760))["session_token"]
    cargo = standin.dataset.cargos[KRASNODAR_LOAD]
    assert cargo["points"]["finish"]["city"]["name"] == "Краснодар"
    _, response = await app.asgi_client.get(f"/api/cargos/{cargo['id']}", headers=auth(token))
    assert response.status == 200, response.text
    backhaul = response.json["backhaul"]
    assert backhaul["city"] == "Краснодар"  # the existing field is unchanged
    assert backhaul["from_text"] == "из Краснодара"
    match = re.fullmatch(r"Обратно из Краснодара: (от )?(\d+) (груз|груза|грузов) за 3 дня", backhaul["text"])
    assert match, backhaul["text"]
    assert match.group(3) == loads_word(int(match.group(2)))


async def test_a_trip_back_beyond_the_window_reads_from_n_in_the_genitive(app, standin):
    token = (await login(app, 762))["session_token"]
    cargo = standin.dataset.cargos[KRASNODAR_LOAD]
    finish = cargo["points"]["finish"]
    unloading = dt.date.fromisoformat(finish["first_date"][:10])
    template = standin.dataset.cargos[1]

    def leaving_krasnodar(n: int, day: dt.date) -> dict:
        start = {**finish, "type": 1, "position": 1, "first_date": day.isoformat(), "last_date": day.isoformat()}
        return {**template, "id": 7100000000 + n, "points": {**template["points"], "start": start}}

    for n in range(30):  # older, loading after the trip-back days
        standin.publish(leaving_krasnodar(n, unloading + dt.timedelta(days=10)))
    for n in range(30, 111):  # the 81 freshest, loading on the unloading day: with 19 of those above they fill the window
        standin.publish(leaving_krasnodar(n, unloading))
    _, response = await app.asgi_client.get(f"/api/cargos/{cargo['id']}?radius=0", headers=auth(token))
    backhaul = response.json["backhaul"]
    assert backhaul["count_is_lower_bound"] is True and backhaul["count"] == 81
    assert backhaul["text"] == "Обратно из Краснодара: от 81 груза за 3 дня"  # not «от 81 груз»


async def test_the_trip_back_says_where_from_even_when_cargotech_fails(app, standin):
    token = (await login(app, 761))["session_token"]
    cargo = standin.dataset.cargos[CHELYABINSK_LOAD]
    assert cargo["points"]["finish"]["city"]["name"] == "Челябинск"
    await app.asgi_client.get("/api/cargos?limit=1", headers=auth(token))
    standin.fail_next("/v2/cargos/views", 503, times=100)
    _, response = await app.asgi_client.get(f"/api/cargos/{cargo['id']}", headers=auth(token))
    assert response.json["backhaul"]["available"] is False
    assert response.json["backhaul"]["from_text"] == "из Челябинска"


@pytest.mark.parametrize("points, days, text", [(10, 60, "По 10 грузам за 60 дней"), (21, 1, "По 21 грузу за 1 день"),
                                                (34, 22, "По 34 грузам за 22 дня"), (111, 31, "По 111 грузам за 31 день")])
def test_the_lane_markets_basis(points, days, text):
    market = Market(low=6000, median=7000, high=8000, points=points, days=days)
    assert market.for_rate(7000)["basis_text"] == text


@pytest.mark.parametrize("days, title", [(30, "1 месяц"), (21, "21 день"), (45, "45 дней"), (92, "92 дня"), (1, "1 день")])
def test_plan_titles(days, title):
    assert Plan("p", days, 100_00).title == title


@pytest.mark.parametrize("cap, words", [(1, "не больше 1 поиска"), (3, "не больше 3 поисков")])
async def test_the_saved_search_cap_agrees_with_its_number(tmp_path, cap, words):
    database = Database(f"sqlite:///{tmp_path / 'searches.sqlite3'}")
    migrate(database)
    try:
        store = SearchStore(database, cap, key_of=lambda query: query_key(query, paged=False))
        for n in range(cap):
            await store.create(901, {"filters": {"from": str(n + 1)}})
        with pytest.raises(TooManySearches) as refused:
            await store.create(901, {"filters": {"from": "99"}})
        assert f"Можно сохранить {words} — удалите ненужный" == str(refused.value.message)
        assert refused.value.fields == {"filters": words}
    finally:
        database.close()


def test_importing_the_app_does_not_load_the_dictionary():
    code = "import sys, cargotool.server.app, cargotool.core.words; assert 'pymorphy3' not in sys.modules, 'loaded'"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120).returncode == 0


async def test_each_worker_builds_the_dictionary_at_start_off_the_event_loop(app, monkeypatch):
    monkeypatch.setattr(words, "_analyser", None)
    words.declined.cache_clear()
    _, response = await app.asgi_client.get("/healthz")  # starts the app; nothing here declines a city
    assert response.status == 200
    deadline = time.monotonic() + 60
    while words._analyser is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert words._analyser is not None
