"""New-load alerts end to end in one process: the stand-in CargoTech publishes loads, the watcher looks
(`tick()` driven by hand), the outbox delivers to the Bot API stand-in. Real Redis, SQLite."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from cargotool.bootstrap import build_services
from cargotool.core.alerts.rules import in_quiet_hours, mute_seconds
from cargotool.core.cargo.filters import InvalidFilter
from cargotool.core.storage.models import AlertDelivery, DriverRecord, Response
from cargotool.standin import StandInTransport
from cargotool.standin.dataset import new_cargo
from cargotool.standin.telegram import BotApiStandIn
from tests.conftest import close_services
from tests.integration.privacy_helpers import allow_live_location

DRIVER = 501
OTHER = 502
MOSCOW, KAZAN, SPB = 1, 3, 2


@pytest.fixture
def telegram():
    return BotApiStandIn()


@pytest.fixture
async def make_services(settings, redis, standin, telegram):
    built = []

    def make(geo=None, **overrides):
        values = {"outbox_enabled": "off", "alerts_quiet_hours": "off", "webapp_url": "https://app.example.ru",
                  "alerts_undo_seconds": 1, **overrides}
        if geo is None:
            geo = {cid: (lat, lon) for cid, (_, lat, lon) in standin.dataset.cities.items()}
        services = build_services(settings.replace(**values), redis=redis, transport=StandInTransport(standin),
                                  bot_transport=telegram.transport(), geo=geo)
        built.append(services)
        return services

    yield make
    for services in built:
        await close_services(services)


@pytest.fixture
async def svc(make_services):
    services = make_services()
    await services.flags.set("paywall", False)
    return services


def load(standin, start=MOSCOW, finish=KAZAN, **changes):
    """A new load from `start` to `finish`, published now."""
    cargo = new_cargo(random.Random(), random.randrange(200_000, 900_000), dt.date.today(), standin.dataset.cities,
                      dt.datetime.now(dt.timezone.utc))
    for side, city in (("start", start), ("finish", finish)):
        cargo["points"][side]["city"] = {"id": city, "name": standin.dataset.cities[city][0]}
    cargo.update(changes)
    return standin.publish(cargo)


async def deliver(services, rounds=40):
    import asyncio

    for _ in range(rounds):
        await services.outbox.deliver_due(limit=50)
        if await services.outbox.queue.size() == 0:
            return
        await asyncio.sleep(0.1)


def alerts_to(telegram, chat_id):
    return [c for c in telegram.sent("sendMessage", chat_id)]


async def test_a_new_matching_load_alerts_once_and_old_ones_never(svc, standin, telegram):
    search = await svc.searches.create(DRIVER, {"name": "Москва → Казань", "filters": {"from": str(MOSCOW), "to": str(KAZAN)}})
    first = await svc.watcher.tick()  # the first look records what is on the board: no alerts for it
    assert svc.watcher.mode == "fresh" and first["alerts"] == 0
    wanted = load(standin)
    load(standin, start=SPB, finish=KAZAN)  # another origin: no alert
    result = await svc.watcher.tick()
    assert result["alerts"] == 1
    await deliver(svc)
    [message] = alerts_to(telegram, DRIVER)
    text = message.params["text"]
    assert "«Москва → Казань»" in text and "Москва → Казань" in text and "₽/км" in text and "Погрузка" in text
    buttons = [b for row in message.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["web_app"]["url"].endswith(f"?load={wanted['id']}")
    assert buttons[1] == {"text": "Не присылать по этому поиску", "callback_data": f"al:off:{search.id}"}
    await svc.watcher.tick()
    await deliver(svc)
    assert len(alerts_to(telegram, DRIVER)) == 1
    [(listed, new_count)] = await svc.searches.mine(DRIVER)
    assert new_count == 1
    status = await svc.watcher.status()  # what `cargotool alerts status` prints
    assert status["mode"] == "fresh" and status["searches"] == 1 and status["drivers_with_held_alerts"] == 0
    assert status["cargotech_calls_last_60s"] >= 3 and status["budget_per_minute"] == 20


async def test_a_search_only_with_price_skips_loads_without_one(svc, standin, telegram):
    await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW), "to": str(KAZAN), "with_price": "1"}})
    await svc.watcher.tick()
    load(standin, price=None, price_carrier=None)  # «цена договорная»
    priced = load(standin, price=9_000_000, price_carrier=None)
    result = await svc.watcher.tick()
    assert result["alerts"] == 1
    await deliver(svc)
    [message] = alerts_to(telegram, DRIVER)
    assert message.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"].endswith(f"?load={priced['id']}")
    [(_, new_count)] = await svc.searches.mine(DRIVER)
    assert new_count == 1  # the load without a price is not new for this search either


async def test_one_alert_per_driver_and_load_across_searches_and_restarts(svc, make_services, standin, telegram, redis, key_prefix):
    await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW)}})
    await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW), "from_radius": "100", "to": str(KAZAN)}})
    await svc.searches.create(OTHER, {"filters": {"to": str(KAZAN)}})
    await svc.watcher.tick()
    cargo = load(standin)
    await svc.watcher.tick()
    await deliver(svc)
    assert len(alerts_to(telegram, DRIVER)) == 1 and len(alerts_to(telegram, OTHER)) == 1

    # A restart that also lost what the watcher had seen: the load looks new again, yet nobody is re-alerted.
    await redis.delete(f"{key_prefix}alerts:seen")
    restarted = make_services()
    await restarted.watcher.tick()  # baseline again
    standin.withdraw(cargo["id"])
    standin.publish({**cargo, "updated_at": dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")})
    await restarted.watcher.tick()
    await deliver(restarted)
    assert len(alerts_to(telegram, DRIVER)) == 1 and len(alerts_to(telegram, OTHER)) == 1
    rows = await svc.database.run(lambda: AlertDelivery.select().count())
    assert rows == 2


async def test_paused_searches_count_but_do_not_alert_and_the_button_pauses(svc, standin, telegram):
    search = await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW)}})
    await svc.watcher.tick()
    await svc.bot.handle({"update_id": 1, "callback_query": {"id": "q1", "data": f"al:off:{search.id}",
                                                             "from": {"id": DRIVER}, "message": {"chat": {"id": DRIVER}}}})
    assert (await svc.searches.get(DRIVER, search.id)).alerts is False
    load(standin)
    await svc.watcher.tick()
    await deliver(svc)
    assert alerts_to(telegram, DRIVER) == []
    [(_, new_count)] = await svc.searches.mine(DRIVER)
    assert new_count == 1


async def test_hourly_cap_then_one_digest_dropping_loads_already_gone(make_services, standin, telegram):
    svc = make_services(alerts_per_hour=2)
    await svc.flags.set("paywall", False)
    now = [dt.datetime(2026, 11, 24, 10, 5, tzinfo=dt.timezone.utc).timestamp()]
    svc.alerter.clock = lambda: now[0]
    await svc.searches.create(DRIVER, {"name": "Казань", "filters": {"to": str(KAZAN)}})
    await svc.watcher.tick()
    cargos = [load(standin, start=start) for start in (MOSCOW, SPB, 4, 5, 6)]
    result = await svc.watcher.tick()
    assert result["alerts"] == 2 and svc.alerter.held == 3
    await deliver(svc)
    alerted = {b["web_app"]["url"].rsplit("=", 1)[1] for m in alerts_to(telegram, DRIVER)
               for row in m.params["reply_markup"]["inline_keyboard"] for b in row if "web_app" in b}
    held = [c for c in cargos if str(c["id"]) not in alerted]
    assert len(alerted) == 2 and len(held) == 3
    standin.withdraw(held[0]["id"])  # taken before the digest
    assert (await svc.watcher.tick())["digests"] == 0  # still the same hour: nothing more
    now[0] += 3600
    assert (await svc.watcher.tick())["digests"] == 1
    await deliver(svc)
    messages = alerts_to(telegram, DRIVER)
    assert len(messages) == 3
    digest = messages[-1].params["text"]
    assert "ещё 2 груза по поиску «Казань»" in digest
    gone_route = f"{standin.dataset.cities[held[0]['points']['start']['city']['id']][0]} → Казань"
    kept_routes = {f"{standin.dataset.cities[c['points']['start']['city']['id']][0]} → Казань" for c in held[1:]}
    assert all(route in digest for route in kept_routes) and gone_route not in digest
    [[button]] = messages[-1].params["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Открыть «Казань»" and "?search=" in button["web_app"]["url"]


@pytest.mark.parametrize("moscow_time, quiet", [("21:59", False), ("22:00", True), ("23:30", True), ("00:00", True),
                                                ("03:15", True), ("06:59", True), ("07:00", False), ("12:00", False)])
def test_quiet_hours_cross_midnight(moscow_time, quiet):
    hour, minute = map(int, moscow_time.split(":"))
    moment = dt.datetime(2026, 11, 24, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert in_quiet_hours((22 * 60, 7 * 60), moment) is quiet
    assert in_quiet_hours((13 * 60, 15 * 60), moment) is (13 <= hour < 15)
    assert in_quiet_hours(None, moment) is False


def test_mute_durations():
    assert mute_seconds("2h") == 7200 and mute_seconds("30m") == 1800 and mute_seconds("3 ч") == 3 * 3600
    assert mute_seconds("0h") is None and mute_seconds("100h") is None and mute_seconds("soon") is None


async def test_quiet_hours_hold_alerts_until_morning(make_services, standin, telegram):
    svc = make_services(alerts_quiet_hours="22:00-07:00")
    await svc.flags.set("paywall", False)
    night = dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=3))).timestamp()
    now = [night]
    svc.alerter.clock = lambda: now[0]
    await svc.searches.create(DRIVER, {"name": "Из Москвы", "filters": {"from": str(MOSCOW)}})
    await svc.searches.create(OTHER, {"filters": {"from": str(MOSCOW)}})
    await svc.alerter.set_quiet_hours(OTHER, "off")  # a driver's own choice beats the default
    await svc.watcher.tick()
    load(standin)
    load(standin)
    await svc.watcher.tick()
    now[0] += 3 * 3600  # 02:30: still quiet
    assert (await svc.watcher.tick())["digests"] == 0
    await deliver(svc)
    assert alerts_to(telegram, DRIVER) == [] and len(alerts_to(telegram, OTHER)) == 2
    now[0] += 5 * 3600  # 07:30
    assert (await svc.watcher.tick())["digests"] == 1
    await deliver(svc)
    [digest] = alerts_to(telegram, DRIVER)
    assert "ещё 2 груза по поиску «Из Москвы»" in digest.params["text"]


async def test_mute_and_unmute_from_the_bot(svc, standin, telegram):
    await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW)}})
    await svc.watcher.tick()
    await svc.bot.handle({"update_id": 10, "message": {"text": "/mute 2h", "chat": {"id": DRIVER, "type": "private"}}})
    load(standin)
    await svc.watcher.tick()
    await deliver(svc)
    [reply] = alerts_to(telegram, DRIVER)
    assert "выключены на 2 ч" in reply.params["text"]
    await svc.bot.handle({"update_id": 11, "message": {"text": "/unmute", "chat": {"id": DRIVER, "type": "private"}}})
    await svc.watcher.tick()
    await deliver(svc)
    texts = [c.params["text"] for c in alerts_to(telegram, DRIVER)]
    assert texts[1] == "Уведомления о грузах снова включены." and "ещё 1 груз по поиску" in texts[2]


def _location(update_id, lat, lon, at, sent, edited=True):
    message = {"message_id": 77, "date": sent, "chat": {"id": DRIVER, "type": "private"},
               "location": {"latitude": lat, "longitude": lon, "live_period": 3600}}
    if edited:
        message["edit_date"] = at
    return {"update_id": update_id, "edited_message" if edited else "message": message}


async def test_live_location_holds_alerts_while_moving_and_releases_after_standing(svc, standin, telegram):
    clock = [1_900_000_000.0]
    svc.alerter.locations.clock = lambda: clock[0]
    await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW)}})
    await svc.watcher.tick()
    await allow_live_location(svc.consents, DRIVER)  # asked on the first point otherwise (tests/integration/test_privacy.py)
    sent = clock[0] - 120
    await svc.bot.handle(_location(1, 55.70, 37.60, sent, sent, edited=False))
    await svc.bot.handle(_location(2, 55.70, 37.62, sent + 60, sent))  # ~1.25 km in a minute: 75 km/h
    assert await svc.alerter.locations.latest(DRIVER) == (55.70, 37.62, sent + 60)
    position = await svc.insights.positions.position(DRIVER)  # insights read it too (deadhead, distance)
    assert position.source == "live" and (position.lat, position.lon) == (55.70, 37.62)
    load(standin)
    await svc.watcher.tick()
    await deliver(svc)
    assert alerts_to(telegram, DRIVER) == []  # moving: held
    await svc.bot.handle(_location(3, 55.70, 37.6201, sent + 120, sent))  # crawling now
    clock[0] += 60
    assert (await svc.watcher.tick())["digests"] == 0  # stood still for a minute only
    clock[0] += 3 * 60
    assert (await svc.watcher.tick())["digests"] == 1
    await deliver(svc)
    assert "ещё 1 груз" in alerts_to(telegram, DRIVER)[0].params["text"]

    await svc.bot.handle({"update_id": 4, "message": {"text": "/forget_location", "chat": {"id": DRIVER, "type": "private"}}})
    assert await svc.alerter.locations.latest(DRIVER) is None


async def test_drive_toggles_holding_by_hand(svc, standin, telegram):
    await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW)}})
    await svc.watcher.tick()
    await svc.bot.handle({"update_id": 1, "message": {"text": "/drive", "chat": {"id": DRIVER, "type": "private"}}})
    load(standin)
    await svc.watcher.tick()
    await svc.bot.handle({"update_id": 2, "message": {"text": "/drive", "chat": {"id": DRIVER, "type": "private"}}})
    await svc.watcher.tick()
    await deliver(svc)
    texts = [c.params["text"] for c in alerts_to(telegram, DRIVER)]
    assert texts[0].startswith("Хорошего пути") and texts[1].startswith("Режим «за рулём» выключен")
    assert "ещё 1 груз" in texts[2]


async def test_paywall_alerts_flag_needs_a_subscription(make_services, standin, telegram):
    svc = make_services()
    await svc.flags.set("paywall", True)
    await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW)}})
    await svc.watcher.tick()
    load(standin)
    await svc.watcher.tick()
    await deliver(svc)
    assert alerts_to(telegram, DRIVER) == []
    await svc.flags.set("paywall.alerts", False)
    load(standin)
    await svc.watcher.tick()
    await deliver(svc)
    assert len(alerts_to(telegram, DRIVER)) == 1


async def test_without_sort_the_watcher_polls_the_distinct_queries_within_budget(make_services, standin, telegram):
    standin.sort_supported = False
    svc = make_services(alerts_max_upstream_per_minute=6, alerts_poll_seconds=20)
    await svc.flags.set("paywall", False)
    for driver in range(600, 620):  # 20 searches, 2 distinct queries
        await svc.searches.create(driver, {"filters": {"from": str(MOSCOW if driver % 2 else SPB)}})
    standin.reset_counters()
    await svc.watcher.tick()
    assert svc.watcher.mode == "queries"
    load(standin)
    load(standin, start=SPB)
    await svc.watcher.tick()
    await deliver(svc)
    assert sum(len(alerts_to(telegram, d)) for d in range(600, 620)) == 20
    assert standin.calls["GET /v2/cargos/views"] == 2 + 2 + 2  # detection (newest- and oldest-first), then 2 shared queries a look


async def test_without_sort_a_compound_search_is_not_polled_and_the_others_still_alert(make_services, standin, telegram):
    standin.sort_supported = False
    svc = make_services()
    await svc.flags.set("paywall", False)
    for filters in ({"from_region": "61"}, {"from": f"{MOSCOW},{SPB}"}, {"route_from": "1", "route_to": "3", "corridor_km": "50"}):
        await svc.searches.create(OTHER, {"filters": filters})  # no single CargoTech call asks these
    await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW)}})
    await svc.watcher.tick()
    assert svc.watcher.mode == "queries"
    load(standin)
    assert (await svc.watcher.tick())["alerts"] == 1  # the look does not fail on the compound searches
    await deliver(svc)
    assert len(alerts_to(telegram, DRIVER)) == 1


async def test_auto_response_with_undo_and_daily_cap(make_services, standin, telegram, redis):
    import asyncio

    svc = make_services(alerts_auto_per_day=2, telegram_dispatcher_chat_id=-100500)
    await svc.flags.set("paywall", False)
    await svc.database.run(lambda: DriverRecord.create(telegram_id=DRIVER, first_name="Иван", username="ivan"))
    await svc.searches.create(DRIVER, {"name": "Авто", "filters": {"from": str(MOSCOW)}, "auto_response": {"rate_min": 1}})
    await svc.watcher.tick()
    published = [load(standin) for _ in range(3)]
    await svc.watcher.tick()
    await deliver(svc)
    alerts = {m.params["text"]: m for m in alerts_to(telegram, DRIVER)}
    assert len(alerts) == 3
    undo_of = {}  # load id → its undo button
    for message in alerts.values():
        buttons = [b for row in message.params["reply_markup"]["inline_keyboard"] for b in row]
        load_id = buttons[0]["web_app"]["url"].rsplit("=", 1)[1]
        for button in buttons:
            if button.get("callback_data", "").startswith("al:undo:"):
                undo_of[load_id] = button
    assert len(undo_of) == 2  # the third is over the daily cap
    undone_id, kept_id = sorted(undo_of)
    undo_buttons = [undo_of[undone_id], undo_of[kept_id]]
    first = undo_buttons[0]["callback_data"]
    assert len(first.encode()) <= 64
    await svc.bot.handle({"update_id": 5, "callback_query": {"id": "q", "data": first, "from": {"id": DRIVER}}})
    assert [c.params["text"] for c in telegram.sent("answerCallbackQuery")][-1].startswith("Автоотклик отменён")
    await asyncio.sleep(1.2)  # the undo window (1 s here)
    assert (await svc.watcher.tick())["auto"] == 1
    await deliver(svc)
    rows = await svc.database.run(lambda: list(Response.select()))
    assert len(rows) == 1 and rows[0].comment.startswith("🤖 Автоотклик")
    assert rows[0].cargo_id == kept_id and rows[0].rate_kopecks > 0  # the undone one never became a response
    [dispatcher] = telegram.sent("sendMessage", -100500)
    assert "Автоотклик" in dispatcher.params["text"] and kept_id in dispatcher.params["text"]
    assert undone_id not in dispatcher.params["text"]
    # a late undo changes nothing
    await svc.bot.handle({"update_id": 6, "callback_query": {"id": "q2", "data": undo_buttons[1]["callback_data"], "from": {"id": DRIVER}}})
    assert [c.params["text"] for c in telegram.sent("answerCallbackQuery")][-1].startswith("Поздно")
    capped_id = ({str(c["id"]) for c in published} - set(undo_of)).pop()
    assert capped_id not in {r.cargo_id for r in rows}


async def test_radius_searches_become_decidable_as_city_coordinates_are_learnt(make_services, standin, telegram):
    svc = make_services(geo={})  # as live: CargoTech's points carry no coordinates
    await svc.flags.set("paywall", False)
    search = await svc.searches.create(DRIVER, {"filters": {"from": str(MOSCOW), "from_radius": "50"}})
    await svc.watcher._refresh()
    assert search.id in svc.watcher._index.undecidable  # polled by its own query until Moscow is placed
    await svc.watcher.tick()  # the feed names Москва (and others): the gazetteer places them
    await svc.watcher.tick()
    assert search.id not in svc.watcher._index.undecidable
    podolsk = load(standin, start=39)  # Подольск, ~37 km from Moscow
    await svc.watcher.tick()
    await deliver(svc)
    [alert] = alerts_to(telegram, DRIVER)
    assert alert.params["text"].count("Подольск → Казань") == 1
    assert str(podolsk["id"]) in alert.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"]


async def test_never_twice_on_postgresql_too(make_services, postgres_url, standin, telegram):
    svc = make_services(database_url=postgres_url)
    await svc.flags.set("paywall", False)
    await svc.searches.create(DRIVER, {"name": "A", "filters": {"from": str(MOSCOW)}})
    await svc.searches.create(DRIVER, {"name": "B", "filters": {"to": str(KAZAN)}})
    await svc.alerter.set_quiet_hours(DRIVER, "off")
    await svc.watcher.tick()
    cargo = load(standin)
    await svc.watcher.tick()
    again = make_services(database_url=postgres_url)  # another instance, its own memory, same database
    await again.redis.delete(again.keys("alerts:seen"))  # and Redis forgot what was seen
    await again.watcher.tick()
    standin.withdraw(cargo["id"])
    standin.publish({**cargo, "updated_at": dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")})
    await again.watcher.tick()
    await deliver(svc)
    await deliver(again)
    assert len(alerts_to(telegram, DRIVER)) == 1
    [(first, hits_a), (second, hits_b)] = await svc.searches.mine(DRIVER)
    assert hits_a == hits_b == 1  # both searches count the load; one alert was sent


# ---- a whole region per side (issue 22 §3), quiet hours on at a pinned Moscow midday -------------------------

REGION_DRIVER = 531
ROSTOV, KRASNODAR, KHIMKI = 8, 9, 40
MIDDAY = dt.datetime(2026, 11, 24, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=3))).timestamp()


@pytest.fixture
async def midday_svc(make_services):
    services = make_services(alerts_quiet_hours="22:00-07:00")
    await services.flags.set("paywall", False)
    services.alerter.clock = lambda: MIDDAY  # quiet hours 22:00–07:00 would hold the alerts
    return services


def _alerted(telegram, standin_load) -> bool:
    return any(m.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"].endswith(f"?load={standin_load['id']}")
               for m in alerts_to(telegram, REGION_DRIVER))


async def test_a_region_of_loading_alerts_a_load_from_a_town_in_it_and_not_one_outside(midday_svc, standin, telegram):
    search = await midday_svc.searches.create(REGION_DRIVER, {"name": "Из Ростовской области", "filters": {"from_region": "61"}})
    assert search.filters == {"from_region": "61"}
    await midday_svc.watcher.tick()  # the first look records what is on the board
    inside = load(standin, start=ROSTOV, finish=KAZAN)
    outside = load(standin, start=KRASNODAR, finish=KAZAN)  # within the region's radius of Ростов, but Краснодарский край
    result = await midday_svc.watcher.tick()
    assert result["alerts"] == 1
    await deliver(midday_svc)
    assert _alerted(telegram, inside) and not _alerted(telegram, outside)


async def test_a_region_of_unloading_with_a_city_of_loading(midday_svc, standin, telegram):
    await midday_svc.searches.create(REGION_DRIVER, {"filters": {"from": str(MOSCOW), "to_region": "47"}})  # → Московская область
    await midday_svc.watcher.tick()
    khimki = load(standin, start=MOSCOW, finish=KHIMKI)
    moscow = load(standin, start=MOSCOW, finish=MOSCOW)  # Москва is a region of its own
    assert (await midday_svc.watcher.tick())["alerts"] == 1
    await deliver(midday_svc)
    assert _alerted(telegram, khimki) and not _alerted(telegram, moscow)


async def test_a_bad_region_in_a_saved_search_is_a_field_error(midday_svc):
    with pytest.raises(InvalidFilter) as refused:
        await midday_svc.searches.create(REGION_DRIVER, {"filters": {"from_region": "61", "from": str(ROSTOV)}})
    assert set(refused.value.fields) == {"from"}
