"""Dock waits: the bot asks once after an accepted load's dates pass (Bot API stand-in), answers aggregate
per address and per company with a minimum count, and the list filter «без долгих простоев»."""

from __future__ import annotations

import datetime as dt

from cargotool.core.insights.models import Trip
from cargotool.core.insights.trust import address_key
from cargotool.core.insights.waits import median_of
from cargotool.core.storage.models import utcnow
from tests.integration.test_insights_trust import accepted, detail
from tests.integration import test_responses_bot as bot_tests
from tests.integration.test_responses_bot import DRIVER, deliver, session, webhook

# the bot tests' fixtures: an app with the Bot API stand-in
app, bot_settings, telegram = bot_tests.app, bot_tests.bot_settings, bot_tests.telegram

LABELS = ["до 1 ч", "1–3 ч", "3–6 ч", "6–12 ч", "больше суток", "не грузился"]


def press(data, user_id, update_id, message_id=77):
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "data": data, "from": {"id": user_id, "first_name": "Иван"},
        "message": {"message_id": message_id, "chat": {"id": user_id, "type": "private"}, "text": "вопрос"}}}


async def make_due(app, hours_ago=2):
    services = app.ctx.services
    await services.insights.trips.sync()
    past = utcnow() - dt.timedelta(hours=hours_ago)
    await services.database.run(lambda: Trip.update(loading_until=past - dt.timedelta(days=1), unloading_until=past).execute())


def test_median_needs_enough_answers_and_ignores_not_loaded():
    assert median_of(["1_3", "3_6"])["text"] == "нет данных"
    assert median_of(["none", "none", "none"])["median"] is None  # answers, but no waiting time among them
    shown = median_of(["lt1", "6_12", "gt24", "none"])
    assert shown["median"] == "6_12" and shown["answers"] == 4 and shown["long"] is True
    assert median_of(["lt1", "1_3", "6_12", "gt24"])["median"] == "1_3"  # the lower median
    assert median_of(["lt1", "1_3", "3_6"])["long"] is False


async def test_the_bot_asks_once_and_records_the_drivers_answers(app, standin, telegram):
    headers = await session(app)
    cargo_id = await accepted(app, standin, 13, headers)
    services = app.ctx.services
    await deliver(app)
    telegram.calls.clear()
    assert await services.wait_questions.ask_due() == 0  # the dates have not passed yet
    await make_due(app)
    assert await services.wait_questions.ask_due() == 1
    assert await services.wait_questions.ask_due() == 0  # once
    await deliver(app)
    [question] = telegram.sent("sendMessage", DRIVER)
    assert "погрузке" in question.params["text"] and cargo_id in question.params["text"]
    buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == LABELS
    trip = await services.database.run(lambda: Trip.get(Trip.cargo_id == cargo_id))

    assert (await webhook(app, press(f"wt:{trip.id}:l:1_3", 999, 5001))).status == 200  # not their trip
    await deliver(app)
    assert telegram.sent("answerCallbackQuery")[-1].params["show_alert"] is True
    assert (await services.database.run(lambda: Trip.get_by_id(trip.id))).load_wait is None

    await webhook(app, press(f"wt:{trip.id}:l:1_3", DRIVER, 5002))
    await deliver(app)
    assert telegram.sent("answerCallbackQuery")[-1].params["text"] == "Спасибо! Записали: 1–3 ч"
    assert "Ваш ответ: 1–3 ч" in telegram.sent("editMessageText", DRIVER)[-1].params["text"]
    unloading = telegram.sent("sendMessage", DRIVER)[-1]
    assert "выгрузке" in unloading.params["text"]
    await webhook(app, press(f"wt:{trip.id}:u:none", DRIVER, 5003))
    await deliver(app)
    stored = await services.database.run(lambda: Trip.get_by_id(trip.id))
    assert (stored.load_wait, stored.unload_wait) == ("1_3", "none")
    assert len(telegram.sent("sendMessage", DRIVER)) == 2  # no third question


async def test_waits_show_from_three_answers_and_the_long_wait_filter(app, standin):
    services = app.ctx.services
    inn = standin.dataset.cargos[0]["company"]["inn"]
    same = [i for i, c in enumerate(standin.dataset.cargos) if c["company"]["inn"] == inn][:3]
    cargo_ids = []
    for n, index in enumerate(same):
        cargo_ids.append(await accepted(app, standin, index, await session(app, 900 + n)))
    await services.insights.trips.sync()
    viewer = await session(app, 950)
    waits = (await detail(app, viewer, cargo_ids[0])).json["waits"]
    assert waits["company"]["text"] == "нет данных" and waits["loading"]["text"] == "нет данных"

    for n, code in enumerate(["6_12", "gt24", "3_6"]):
        await services.database.run(lambda n=n, code=code: Trip.update(load_wait=code).where(
            Trip.driver_id == 900 + n).execute())
    services.insights.forget_contexts()  # the answers were written behind its back (a detail's copy lives 30 s)
    waits = (await detail(app, viewer, cargo_ids[0])).json["waits"]
    assert waits["min_answers"] == 3
    assert waits["company"]["median_label"] == "6–12 ч" and waits["company"]["answers"] == 3
    assert waits["company"]["long"] is True and waits["company"]["text"] == "простой 6–12 ч (медиана, ответов: 3)"

    # the same dock spelt differently by CargoTech counts as one address
    body = (await detail(app, viewer, cargo_ids[0])).json
    dock = body["from"]["address"]
    assert address_key(dock) == address_key("г. " + dock.upper().replace(",", " ,"))
    await services.database.run(lambda: Trip.update(from_address_key=address_key(dock)).execute())
    services.insights.forget_contexts()
    waits = (await detail(app, viewer, cargo_ids[0])).json["waits"]
    assert waits["loading"]["median_label"] == "6–12 ч" and waits["unloading"]["text"] == "нет данных"

    items = []  # the filter applies to the 100 freshest loads, as the orders do: two pages of 50
    for offset in (0, 50):
        _, page = await app.asgi_client.get(f"/api/cargos?limit=50&offset={offset}", headers=viewer)
        items += page.json["items"]
    long = [c for c in items if (c["company"] or {}).get("inn") == inn]
    assert long and all(c["waits"]["long"] for c in long)
    _, filtered = await app.asgi_client.get("/api/cargos?limit=50&no_long_waits=1", headers=viewer)
    assert filtered.json["meta"]["hidden_long_waits"] == len(long)
    kept = [c["id"] for c in items if c["id"] not in {x["id"] for x in long}]
    assert [c["id"] for c in filtered.json["items"]] == kept[:50]
    _, bad = await app.asgi_client.get("/api/cargos?no_long_waits=maybe", headers=viewer)
    assert bad.status == 400 and "no_long_waits" in bad.json["error"]["fields"]
