"""Insights: position and economics on cards, lane market rates (thresholds, ageing), the trip back from the
shared cache (upstream calls counted). Real Redis; SQLite and PostgreSQL; the CargoTech stand-in."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.cargotech.mapping import parse_load
from cargotool.core.insights.gazetteer import default_gazetteer
from cargotool.core.insights.lanes import MIN_POINTS, LaneBook
from cargotool.core.insights.models import LaneRate
from cargotool.core.loads.models import Load
from cargotool.core.storage.db import Database
from cargotool.core.storage.migrations import migrate
from cargotool.core.storage.models import utcnow
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.integration.privacy_helpers import allow_position
from tests.integration.test_api import auth, login

Sanic.test_mode = True
VIEWS, DETAIL = "GET /v2/cargos/views", "GET /v1/carrier/cargos/{id}"


def cargo(cargo_id, start="Москва", finish="Казань", body="тент", weight=20000, rate=None) -> Load:
    return parse_load({"id": cargo_id, "weight": weight, "distance": 800, "price": (rate or 0) * 800,
                        "points": {"start": {"city": {"id": 1, "name": start}}, "finish": {"city": {"id": 3, "name": finish}}},
                        "truck_types": [{"id": 1, "name": body}]})


@pytest.fixture
def app(settings, redis, standin):
    quiet = settings.replace(outbox_enabled="off")  # no background work (e.g. the alerts watcher) calling CargoTech
    return create_app(quiet, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


# ---- lanes -------------------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'lanes.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    db = Database(url)
    migrate(db)
    yield db
    db.close()


async def test_a_lane_shows_a_market_only_with_enough_recent_points(database):
    book = LaneBook(database, default_gazetteer())
    now = utcnow()
    # Moscow → Kazan, tent, up to 20 t: MIN_POINTS - 1 loads at 60..78 ₽/km → no market yet.
    await book.record([(cargo(i), 6000 + 200 * i) for i in range(MIN_POINTS - 1)], now=now)
    lane = book.lane(cargo(0))
    assert lane.from_region == "RU-48" and lane.to_region == "RU-73" and lane.weight_class == "до 20 т"
    assert await book.markets([lane], now=now) == {}
    # seeing the same load again refreshes it, never counts twice
    await book.record([(cargo(0), 6000)], now=now)
    assert await book.markets([lane], now=now) == {}
    await book.record([(cargo(99), 9000)], now=now)
    market = (await book.markets([lane], now=now))[lane]
    assert market.points == MIN_POINTS and market.days == 60
    rates = sorted([6000 + 200 * i for i in range(MIN_POINTS - 1)] + [9000])
    assert market.low <= market.median <= market.high and rates[0] <= market.low and market.high <= rates[-1]
    shown = market.for_rate(round(market.median * 1.09))
    assert shown["delta_percent"] == 9
    assert shown["text"] == f"рынок {market.low // 100}–{market.high // 100} ₽/км · эта ставка +9 %"
    # another body type or weight class is another lane
    assert await book.markets([book.lane(cargo(1, body="рефрижератор")), book.lane(cargo(1, weight=5000))], now=now) == {}


async def test_points_older_than_sixty_days_age_out(database):
    book = LaneBook(database, default_gazetteer())
    now = utcnow()
    await book.record([(cargo(i), 7000) for i in range(MIN_POINTS)], now=now - dt.timedelta(days=61))
    await book.record([(cargo(100 + i), 7000) for i in range(3)], now=now - dt.timedelta(days=59))
    lane = book.lane(cargo(0))
    assert await book.markets([lane], now=now) == {}  # the old points no longer count
    table = await book.table(now=now)
    assert [(row["points"], row["from_cities"], row["market"]) for row in table] == [(3, ["Москва"], None)]
    assert await book.age_out(now=now) == MIN_POINTS
    assert await database.run(lambda: LaneRate.select().count()) == 3


async def test_unknown_cities_are_their_own_region(database):
    book = LaneBook(database, default_gazetteer())
    assert book.lane(cargo(1, start="Нигдеград")).from_region == "город:нигдеград"


# ---- position and economics on cards ------------------------------------------------------------------

async def test_position_gives_cards_the_empty_run_for_that_driver_only(app, standin):
    token = (await login(app, 701))["session_token"]
    await allow_position(app, token)
    other = (await login(app, 702))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos?from=1&limit=10", headers=auth(token))
    assert response.status == 200
    assert all("deadhead_km" not in card for card in response.json["items"])

    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.7961, "lon": 49.1064}, headers=auth(token))
    assert response.status == 200 and response.json["position"]["source"] == "device"
    _, response = await app.asgi_client.put("/api/me/fuel", json={"l_per_100km": 32, "price_rub": 70.5}, headers=auth(token))
    assert response.status == 200 and response.json["fuel"] == {"l_per_100km": 32.0, "price_rub": 70.5}
    calls = standin.calls[VIEWS]
    _, response = await app.asgi_client.get("/api/cargos?from=1&limit=10", headers=auth(token))
    assert standin.calls[VIEWS] == calls  # personal figures come from the shared copy
    cards = response.json["items"]
    assert cards
    for card in cards:  # every load starts in Moscow: ≈ 720 km × 1.25 from Kazan
        assert card["from"]["coords_source"] == "gazetteer"
        assert 880 <= card["deadhead_km"] <= 920
        expected = round(card["price_kopecks"] / (card["distance_km"] + card["deadhead_km"]))
        assert card["rate_with_deadhead_rub_km"] == expected / 100
        assert card["display"]["economics"].startswith("≈") and "с порожним" in card["display"]["economics"]
        km = card["distance_km"] + card["deadhead_km"]
        assert card["fuel_estimate"]["km"] == km
        assert card["fuel_estimate"]["fuel_rub"] == round(km * 32 / 100 * 7050) / 100
        assert card["fuel_estimate"]["text"].startswith("оценка:")

    _, response = await app.asgi_client.get("/api/cargos?from=1&limit=10", headers=auth(other))
    assert all("deadhead_km" not in card for card in response.json["items"])  # not leaked to another driver

    _, response = await app.asgi_client.get("/api/cargos?limit=20&sort=rate_with_deadhead", headers=auth(token))
    rates = [c["rate_with_deadhead_kopecks_per_km"] for c in response.json["items"]]
    assert len(rates) == 20 and rates == sorted(rates, reverse=True)
    assert response.json["meta"]["sort"]["by"] == "rate_with_deadhead"
    assert response.json["meta"]["sort"]["scope"] == "window" and response.json["meta"]["sort"]["window"] == 100
    assert len({c["deadhead_km"] for c in response.json["items"]}) > 1

    _, response = await app.asgi_client.delete("/api/me/position", headers=auth(token))
    assert response.status == 200 and response.json["position"] is None
    _, response = await app.asgi_client.get("/api/cargos?from=1&limit=10", headers=auth(token))
    assert all("deadhead_km" not in card for card in response.json["items"])


async def test_home_city_by_point_id(app):
    token = (await login(app, 703))["session_token"]
    await allow_position(app, token)
    _, response = await app.asgi_client.put("/api/me/position", json={"point_id": 3}, headers=auth(token))
    assert response.status == 400 and "point_id" in response.json["error"]["fields"]  # id never seen, no name
    await app.asgi_client.get("/api/cargos?limit=50", headers=auth(token))  # the server learns ids from pages
    _, response = await app.asgi_client.put("/api/me/position", json={"point_id": 3}, headers=auth(token))
    assert response.status == 200
    position = response.json["position"]
    assert position["source"] == "home" and position["label"] == "Казань" and round(position["lat"]) == 56
    _, response = await app.asgi_client.put("/api/me/position", json={"point_id": 999, "name": "Нигдеград"},
                                            headers=auth(token))
    assert response.status == 400 and response.json["error"]["fields"]["point_id"] == "Город не найден в справочнике"
    _, response = await app.asgi_client.get("/api/me/insights", headers=auth(token))
    assert response.json["position"]["label"] == "Казань"


@pytest.mark.parametrize("path, payload, field", [
    ("/api/me/position", {"lat": 91, "lon": 37}, "lat"),
    ("/api/me/position", {"lat": 55, "lon": "east"}, "lon"),
    ("/api/me/position", {"point_id": "три"}, "point_id"),
    ("/api/me/fuel", {"l_per_100km": 0, "price_rub": 60}, "l_per_100km"),
    ("/api/me/fuel", {"l_per_100km": 30, "price_rub": True}, "price_rub"),
])
async def test_bad_position_and_fuel_are_field_errors(app, path, payload, field):
    token = (await login(app, 704))["session_token"]
    await allow_position(app, token)
    _, response = await app.asgi_client.put(path, json=payload, headers=auth(token))
    assert response.status == 400 and field in response.json["error"]["fields"]
    assert "CargoTech" not in str(response.json["error"])  # the app shows these words to the driver


async def test_unknown_sort_and_missing_session(app):
    token = (await login(app, 705))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos?sort=cheapest", headers=auth(token))
    assert response.status == 400 and response.json["error"]["code"] == "invalid_filter"
    assert "sort" in response.json["error"]["fields"]
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 1, "lon": 1})
    assert response.status == 401


async def test_an_order_covers_the_freshest_hundred_loads_not_one_page(app, standin):
    """Sorting one page of 20 would hide a better load on page 2: the order spans two upstream pages of 50,
    read through the shared cache (another driver, another order: no more CargoTech calls)."""
    token = (await login(app, 706))["session_token"]
    await allow_position(app, token)
    plain = []
    for offset in (0, 50):
        _, response = await app.asgi_client.get(f"/api/cargos?limit=50&offset={offset}", headers=auth(token))
        plain += response.json["items"]
    rates = {c["id"]: c["rate_kopecks_per_km"] for c in plain}
    best = sorted((c for c in plain if c["rate_kopecks_per_km"]), key=lambda c: -c["rate_kopecks_per_km"])
    assert any(c["id"] in {x["id"] for x in plain[50:]} for c in best[:20])  # the data has winners on page 2
    calls = standin.calls[VIEWS]
    await app.asgi_client.put("/api/me/position", json={"lat": 55.7961, "lon": 49.1064}, headers=auth(token))

    seen, offset = [], 0
    while offset is not None:
        _, response = await app.asgi_client.get(f"/api/cargos?limit=20&offset={offset}&sort=rate", headers=auth(token))
        assert response.status == 200
        seen += [c["id"] for c in response.json["items"]]
        assert all(c["deadhead_km"] > 0 and "порожним" in c["display"]["economics"] for c in response.json["items"])
        meta = response.json["meta"]
        offset = meta["next_offset"]
    # every card of the window once, across the driver's pages (the sample's reposts are folded into one card)
    assert len(seen) == len(set(seen)) == len(plain) < 100
    assert [rates[i] for i in seen[:len(best)]] == [c["rate_kopecks_per_km"] for c in best]
    assert meta["sort"]["more_upstream"] is True and meta["total"] == len(standin.dataset.cargos)
    assert meta["sort"]["text"].startswith(f"Порядок и отбор — среди 100 самых свежих грузов из {meta['total']}.")

    other = (await login(app, 707))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos?sort=price&with_price=1", headers=auth(other))
    assert all("deadhead_km" not in c and "economics" not in c["display"] for c in response.json["items"])  # not 706's
    prices = [c["price_kopecks"] for c in response.json["items"]]
    assert prices == sorted(prices, reverse=True) and all(prices)
    assert response.json["meta"]["hidden_without_price"] == len(plain) - sum(1 for c in plain if c["price_kopecks"])
    assert standin.calls[VIEWS] == calls  # the same two shared pages served both drivers and both orders


async def test_an_order_over_a_short_list_says_it_is_all(app, standin):
    from collections import Counter

    token = (await login(app, 708))["session_token"]
    starts = Counter(c["points"]["start"]["city"]["id"] for c in standin.dataset.cargos)
    city = next(city for city, n in starts.most_common() if 3 <= n <= 30)
    _, response = await app.asgi_client.get(f"/api/cargos?from={city}&from_radius=0&sort=loading", headers=auth(token))
    meta = response.json["meta"]
    assert response.status == 200 and 0 < meta["sort"]["window"] < 50
    dates = [c["from"]["from"] for c in response.json["items"] if c["from"]["from"]]
    assert dates == sorted(dates)
    assert meta["sort"]["more_upstream"] is False and meta["sort"]["text"] == "Это все грузы по вашему запросу."


async def test_a_failing_second_page_still_orders_the_first(app, standin):
    token = (await login(app, 709))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos?limit=50", headers=auth(token))  # the first page, cached
    standin.fail_next("/v2/cargos/views", 503, times=50)  # CargoTech fails from now on
    _, response = await app.asgi_client.get("/api/cargos?sort=rate", headers=auth(token))
    assert response.status == 200
    sort = response.json["meta"]["sort"]
    assert sort["partial"] is True and sort["window"] == 50 and "недоступна" in sort["text"]
    assert "CargoTech" not in sort["text"]  # a driver reads it: the marketplace is not named


# ---- market on cards ----------------------------------------------------------------------------------

async def test_cards_and_detail_carry_the_lane_market(app, standin):
    token = (await login(app, 706))["session_token"]
    await allow_position(app, token)
    raw = standin.dataset.cargos[0]
    target = parse_load(raw)
    book = app.ctx.services.insights.lanes
    lane_mates = [parse_load({**raw, "id": 9_000_000 + i}) for i in range(MIN_POINTS)]
    await book.record([(c, 5000 + 300 * i) for i, c in enumerate(lane_mates)])
    _, response = await app.asgi_client.get(f"/api/cargos/{target.id}", headers=auth(token))
    market = response.json["market"]
    assert market["points"] >= MIN_POINTS and market["days"] == 60
    assert market["text"].startswith(f"рынок {int(market['low_rub_km'])}–{int(market['high_rub_km'])} ₽/км · эта ставка ")
    rate = response.json["rate_kopecks_per_km"]
    assert market["delta_percent"] == round((rate / 100 / market["median_rub_km"] - 1) * 100)

    start = raw["points"]["start"]["city"]["id"]
    _, response = await app.asgi_client.get(f"/api/cargos?from={start}&limit=50&sort=above_market", headers=auth(token))
    cards = response.json["items"]
    mine = next(c for c in cards if c["id"] == target.id)
    assert mine["market"]["text"] == market["text"]
    deltas = [c["market"]["delta_percent"] for c in cards if c["market"]]
    assert deltas == sorted(deltas, reverse=True) and cards[0]["market"] is not None


# ---- the trip back ------------------------------------------------------------------------------------

async def test_backhaul_is_one_window_per_city_for_every_detail_ending_there(app, standin):
    tokens = [(await login(app, 710 + n))["session_token"] for n in range(2)]
    ending: dict[int, list[dict]] = {}
    for raw in standin.dataset.cargos:
        ending.setdefault(raw["points"]["finish"]["city"]["id"], []).append(raw)
    loads = max(ending.values(), key=len)[:10]  # 10 loads ending in one city …
    unloading_days = {raw["points"]["finish"]["first_date"][:10] for raw in loads}
    assert len(loads) == 10 and len(unloading_days) >= 5  # … on different days (day-by-day queries: many keys)
    await app.asgi_client.get("/api/cargos?limit=1", headers=auth(tokens[0]))  # log in upstream first
    standin.reset_counters()
    bodies = []
    for raw in loads:
        _, response = await app.asgi_client.get(f"/api/cargos/{raw['id']}?radius=100", headers=auth(tokens[0]))
        assert response.status == 200, response.text
        bodies.append(response.json)
    assert standin.calls[DETAIL] == len(loads)
    assert 1 <= standin.calls[VIEWS] <= 3  # one date-less window for the city and radius, shared
    assert len({tuple(b["backhaul"]["dates"]) for b in bodies}) >= 3
    views = standin.calls[VIEWS]
    for raw in loads:  # the same details again, by another driver: nothing new upstream
        await app.asgi_client.get(f"/api/cargos/{raw['id']}?radius=100", headers=auth(tokens[1]))
    assert standin.calls[DETAIL] == len(loads) and standin.calls[VIEWS] == views

    for body in bodies:  # each detail's own dates, checked against the stand-in's data itself
        backhaul = body["backhaul"]
        city = body["to"]["city_id"]
        assert backhaul["city"] == body["to"]["city"] and backhaul["radius_km"] == 100
        assert backhaul["count_is_lower_bound"] is False  # the window held every load from there
        first, last = backhaul["dates"][0], backhaul["dates"][-1]
        assert first == max(body["to"]["from"][:10], first)
        assert dt.date.fromisoformat(last) - dt.date.fromisoformat(first) == dt.timedelta(days=2)
        expected = {str(raw["id"]) for raw in standin.dataset.cargos
                    if standin.matches(raw, [("filter[start_point_id]", str(city)), ("filter[start_point_radius]", "100")])
                    and raw["points"]["start"]["first_date"][:10] <= last
                    and raw["points"]["start"]["last_date"][:10] >= first and str(raw["id"]) != str(body["id"])}
        assert backhaul["count"] == len(expected)
        assert {str(b["id"]) for b in backhaul["best"]} <= expected
        assert backhaul["query"] == {"from": city, "from_radius": 100, "date": first}

    body = bodies[0]  # the same loads as the list with those filters, asked day by day
    backhaul = body["backhaul"]
    seen = {}
    for day in backhaul["dates"]:
        _, response = await app.asgi_client.get(
            f"/api/cargos?from={body['to']['city_id']}&from_radius=100&date={day}&limit=50", headers=auth(tokens[0]))
        seen.update({c["id"]: c for c in response.json["items"] if c["id"] != body["id"]})
    assert backhaul["count"] == len(seen)
    best = sorted((c for c in seen.values() if c["rate_kopecks_per_km"]), key=lambda c: -c["rate_kopecks_per_km"])[:3]
    assert [b["id"] for b in backhaul["best"]] == [c["id"] for c in best]
    assert backhaul["text"].startswith(f"Обратно {backhaul['from_text']}: ")  # «из Краснодара»: test_words_in_texts


async def test_backhaul_is_unavailable_not_an_error_when_cargotech_fails(app, standin):
    token = (await login(app, 720))["session_token"]
    cargo_id = str(standin.dataset.cargos[5]["id"])
    await app.asgi_client.get("/api/cargos?limit=1", headers=auth(token))
    standin.fail_next("/v2/cargos/views", 503, times=100)
    _, response = await app.asgi_client.get(f"/api/cargos/{cargo_id}", headers=auth(token))
    assert response.status == 200
    assert response.json["backhaul"]["available"] is False and response.json["backhaul"]["count"] is None


async def test_bad_backhaul_radius(app):
    token = (await login(app, 721))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos/6236980037?radius=9000", headers=auth(token))
    assert response.status == 400 and "radius" in response.json["error"]["fields"]


def test_lane_rates_never_hold_driver_data():
    columns = set(LaneRate._meta.fields)
    assert not columns & {"driver", "driver_id", "telegram_id", "phone"}
    assert json.dumps(sorted(columns))


# ---- the operator's lane table ------------------------------------------------------------------------

async def test_cli_exports_the_lane_table(tmp_path, key_prefix, services):
    from cargotool.core.cargo.filters import parse_filters
    from tests.integration.cli_helpers import cli_env, run_cli

    env = cli_env(tmp_path, key_prefix, "http://127.0.0.1:9")  # the same database as `services`; no CargoTech needed
    empty = run_cli(["insights", "lanes"], env, tmp_path)
    assert empty.returncode == 0 and "no lanes yet" in empty.stdout
    page = json.loads((await services.cargos.list(parse_filters({"limit": "50"}))).text)  # the server sees a page
    seen, folded = page["items"], page["meta"].get("folded", 0)  # reposts of one trip: one card, every load recorded
    result = run_cli(["insights", "lanes", "--json"], env, tmp_path)
    table = run_cli(["insights", "lanes"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    lanes = json.loads(result.stdout)
    assert lanes["meta"] == {"window_days": 60, "min_points": 10}
    assert sum(row["points"] for row in lanes["items"]) == len({c["id"] for c in seen if c["rate_kopecks_per_km"]}) + folded == 50
    first = lanes["items"][0]
    assert first["from_region"].startswith("RU-") and first["from_cities"] and first["weight_class"]
    assert table.returncode == 0 and first["from_region"] in table.stdout


async def test_the_bots_live_location_is_a_fresher_source(app, redis, key_prefix):
    import asyncio
    import time

    from cargotool.core.alerts.location import LocationStore
    from cargotool.core.insights.positions import LOCAL_SECONDS
    from cargotool.core.storage.redis import Keys

    token = (await login(app, 730))["session_token"]
    await allow_position(app, token)
    _, response = await app.asgi_client.put("/api/me/position", json={"lat": 55.7558, "lon": 37.6176}, headers=auth(token))
    assert response.json["position"]["source"] == "device"
    now = time.time() + 1
    await LocationStore(redis, Keys(key_prefix)).update(730, 55.7961, 49.1064, at=now, live_until=now + 600)  # Kazan
    await asyncio.sleep(LOCAL_SECONDS + 0.1)  # this worker's copy of the position in effect lives that long
    _, response = await app.asgi_client.get("/api/me/insights", headers=auth(token))
    assert response.json["position"]["source"] == "live" and round(response.json["position"]["lon"]) == 49
    _, response = await app.asgi_client.get("/api/cargos?from=1&limit=5", headers=auth(token))
    assert all(880 <= card["deadhead_km"] <= 920 for card in response.json["items"])  # from Kazan to Moscow


async def test_forgetting_the_position_forgets_the_bots_live_location_too(app, redis, key_prefix):
    """DELETE /api/me/position is the driver saying "stop using where I am": the live share must stop
    counting too, and Telegram's further edits of that same share must not bring it back."""
    import time

    from cargotool.core.alerts.location import LocationStore
    from cargotool.core.storage.redis import Keys

    token = (await login(app, 731))["session_token"]
    store = LocationStore(redis, Keys(key_prefix))
    sent = time.time()
    await store.update(731, 55.7961, 49.1064, at=sent, live_until=sent + 600)
    _, response = await app.asgi_client.get("/api/me/insights", headers=auth(token))
    assert response.json["position"]["source"] == "live"

    _, response = await app.asgi_client.delete("/api/me/position", headers=auth(token))
    assert response.status == 200 and response.json["position"] is None
    assert await store.latest(731) is None
    await store.update(731, 55.80, 49.11, at=sent + 30, live_until=sent + 600)  # the same share keeps moving
    await store.update(731, 55.81, 49.12, at=sent + 60, live_until=None)  # an edit that omits the period
    assert await store.latest(731) is None and not await store.moving(731, 15)
    _, response = await app.asgi_client.get("/api/me/insights", headers=auth(token))
    assert response.json["position"] is None

    later = sent + 120  # the driver shares their location again: a new share counts, speed and all
    await store.update(731, 55.82, 49.13, at=later, live_until=later + 900)
    assert (await store.latest(731))[:2] == (55.82, 49.13)
    await store.update(731, 55.82 + 0.009, 49.13, at=later + 60, live_until=later + 900)  # ≈1 km a minute
    assert await store.moving(731, 15)


async def test_no_position_is_cached_long_until_any_driver_gains_one(redis, key_prefix):
    """A list page of a driver without a position reads nothing of theirs while nobody gained a position;
    a position given through another process is seen within EPOCH_CHECK_SECONDS, not NEGATIVE_SECONDS."""
    import asyncio

    from cargotool.core.insights.positions import EPOCH_CHECK_SECONDS, NEGATIVE_SECONDS, Position, PositionReader
    from cargotool.core.storage.redis import Keys

    class Source:
        def __init__(self):
            self.where, self.reads = None, 0

        async def position(self, driver_id):
            self.reads += 1
            return self.where

    source = Source()
    here = PositionReader(source, redis=redis, keys=Keys(key_prefix))
    there = PositionReader(Source(), redis=redis, keys=Keys(key_prefix))  # another worker
    assert await here.position(1) is None
    for _ in range(50):
        assert await here.position(1) is None
    assert source.reads == 1 and NEGATIVE_SECONDS > 10 * EPOCH_CHECK_SECONDS

    source.where = Position(55.79, 49.10, "device", None, 1.0)
    await there.gained()  # e.g. PUT /api/me/position answered by the other worker
    await asyncio.sleep(EPOCH_CHECK_SECONDS + 0.05)
    assert await here.position(1) == source.where and source.reads == 2


async def test_a_live_share_starting_drops_every_no_position(app, redis, key_prefix):
    import time

    token = (await login(app, 733))["session_token"]
    _, response = await app.asgi_client.get("/api/cargos?from=1&limit=5", headers=auth(token))
    assert all("deadhead_km" not in card for card in response.json["items"])  # "no position", cached
    now = time.time()
    await app.ctx.services.alerter.locations.update(733, 55.7961, 49.1064, at=now, live_until=now + 600)
    _, response = await app.asgi_client.get("/api/cargos?from=1&limit=5", headers=auth(token))
    assert all(880 <= card["deadhead_km"] <= 920 for card in response.json["items"])  # at once, in this process


async def test_cli_lists_reports_with_poster_and_shipper(tmp_path, key_prefix, services):
    from cargotool.core.insights.models import DriverReport, Trip
    from cargotool.core.storage.models import utcnow
    from tests.integration.cli_helpers import cli_env, run_cli

    def seed():
        now = utcnow()
        Trip.create(response_id=1, driver_id=501, cargo_id="77", inn="7812345670", company_name="ООО «Брокер»",
                    shipper_inn="7701234567", shipper_name="ООО «ГрузЛайн»", accepted_at=now)
        DriverReport.create(driver_id=501, cargo_id="77", inn="7812345670", shipper_inn="7701234567", kind="not_paid",
                            comment="ждём оплату", created_at=now, updated_at=now)

    await services.database.run(seed)
    env = cli_env(tmp_path, key_prefix, "http://127.0.0.1:9")
    listed = run_cli(["insights", "reports", "--inn", "7701234567", "--json"], env, tmp_path)  # found by the shipper
    assert listed.returncode == 0, listed.stderr
    [line] = json.loads(listed.stdout)["items"]
    assert (line["company"], line["shipper"], line["comment"]) == ("ООО «Брокер»", "ООО «ГрузЛайн»", "ждём оплату")
    table = run_cli(["insights", "reports"], env, tmp_path)
    assert table.returncode == 0 and "ГрузЛайн" in table.stdout and "MSK" in table.stdout
