"""Responses, the dispatcher chat and the bot, against a local Bot API stand-in that records every call.
Delivery is driven by hand (`deliver`) so each test sees exactly what was sent."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.core.storage.models import DriverRecord, Response
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from cargotool.standin.telegram import BotApiStandIn
from tests.conftest import TEST_BOT_TOKEN, close_services

Sanic.test_mode = True

DISPATCH_CHAT = -1001234567890
ADMIN = 42
DRIVER = 501
HOOK_SECRET = "hook-secret-123456"


@pytest.fixture
def telegram():
    return BotApiStandIn()


@pytest.fixture
def bot_settings(settings):
    return settings.replace(telegram_dispatcher_chat_id=DISPATCH_CHAT, admin_telegram_ids=(ADMIN,),
                            telegram_webhook_secret=HOOK_SECRET, outbox_enabled="off",
                            webapp_url="https://app.example.ru")


@pytest.fixture
async def app(bot_settings, redis, standin, telegram):
    services = build_services(bot_settings, redis=redis, transport=StandInTransport(standin),
                              bot_transport=telegram.transport())
    await services.flags.set("paywall", False)  # these tests are about responses; the paywall has its own
    yield create_app(bot_settings, services=services)
    await close_services(services)


async def deliver(app, timeout: float = 8.0) -> int:
    """Process updates and deliver the outbox until both are empty (the per-chat pace makes this take
    about a second per extra message to one chat)."""
    services = app.ctx.services
    total = 0
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        await services.updates.process_due()
        total += await services.outbox.deliver_due(limit=50)
        if await services.outbox.queue.size() == 0 and await services.updates.queue.size() == 0:
            return total
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not drain")


async def session(app, user_id=DRIVER, first_name="Иван", username="ivan"):
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": first_name, "username": username})
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data})
    return {"Authorization": f"Bearer {response.json['session_token']}"}


async def respond(app, headers, cargo_id, **body):
    body.setdefault("rate_rub", 100000)
    return (await app.asgi_client.post(f"/api/cargos/{cargo_id}/responses", json=body, headers=headers))[1]


def press(response_id, action, user_id=ADMIN, chat_id=DISPATCH_CHAT, update_id=9000):
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "data": f"resp:{response_id}:{action}",
        "from": {"id": user_id, "first_name": "Анна", "username": "anna"},
        "message": {"message_id": 1001, "chat": {"id": chat_id, "type": "supergroup"}}}}


async def webhook(app, update, secret=HOOK_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return (await app.asgi_client.post("/webhooks/telegram", json=update, headers=headers))[1]


def cargo_of(standin, index=0):
    return str(standin.dataset.cargos[index]["id"])


async def test_a_response_posts_one_dispatcher_message_with_buttons(app, standin, telegram):
    headers = await session(app)
    cargo_id = cargo_of(standin)
    created = await respond(app, headers, cargo_id, rate_rub=95000, comment="Могу завтра с утра", phone="8 (911) 222-33-44")
    assert created.status == 201
    body = created.json["response"]
    assert body["status"] == "sent" and body["rate_rub"] == 95000 and body["phone"] == "+7 911 222-33-44"
    again = await respond(app, headers, cargo_id, rate_rub=95000, comment="Могу завтра с утра", phone="+79112223344")
    assert again.status == 200 and again.json["response"]["id"] == body["id"]  # a double tap changes nothing
    await deliver(app)
    [message] = telegram.sent("sendMessage", DISPATCH_CHAT)
    text = message.params["text"]
    assert "Отклик №" in text and "95" in text and "Могу завтра с утра" in text and "@ivan" in text and cargo_id in text
    buttons = [b["text"] for row in message.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[:2] == ["Принять", "Отклонить"]
    view = await app.ctx.services.responses.get(body["id"])
    assert view.dispatcher_message_id is not None


async def test_concurrent_double_tap_creates_one_response(app, standin, telegram):
    headers = await session(app)
    cargo_id = cargo_of(standin, 1)
    results = await asyncio.gather(*(respond(app, headers, cargo_id, rate_rub=70000) for _ in range(4)))
    assert sorted(r.status for r in results).count(201) == 1
    count = await app.ctx.services.database.run(lambda: Response.select().count())
    assert count == 1
    await deliver(app)
    assert len(telegram.sent("sendMessage", DISPATCH_CHAT)) == 1


async def test_changing_the_offer_updates_and_tells_the_dispatchers(app, standin, telegram):
    headers = await session(app)
    cargo_id = cargo_of(standin, 2)
    first = (await respond(app, headers, cargo_id, rate_rub=80000)).json["response"]
    await deliver(app)
    updated = await respond(app, headers, cargo_id, rate_rub=85000)
    assert updated.status == 200 and updated.json["response"]["id"] == first["id"]
    await deliver(app)
    edits = telegram.sent("editMessageText", DISPATCH_CHAT)
    assert len(edits) == 1 and "(обновлён)" in edits[0].params["text"] and "85" in edits[0].params["text"]
    notices = [c for c in telegram.sent("sendMessage", DISPATCH_CHAT) if "изменил ставку" in c.params["text"]]
    assert len(notices) == 1


async def test_dispatcher_accepts_driver_is_notified_once(app, standin, telegram):
    headers = await session(app)
    response_id = (await respond(app, headers, cargo_of(standin, 3))).json["response"]["id"]
    await deliver(app)
    update = press(response_id, "accept")
    assert (await webhook(app, update)).status == 200
    assert (await webhook(app, update)).json["duplicate"] is True  # Telegram redelivers: handled once
    await deliver(app)
    view = await app.ctx.services.responses.get(response_id)
    assert view.status == "accepted" and "anna" in view.decided_by
    [answer] = telegram.sent("answerCallbackQuery")
    assert answer.params["text"].startswith("Принято")
    [edit] = telegram.sent("editMessageText", DISPATCH_CHAT)
    assert "✅ Принят — Анна (@anna)" in edit.params["text"] and edit.params["reply_markup"] == {"inline_keyboard": []}
    [dm] = telegram.sent("sendMessage", DRIVER)
    assert "принят" in dm.params["text"]
    assert dm.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"].endswith(f"?load={view.cargo_id}")
    history = [e.status for e in await app.ctx.services.responses.history(response_id)]
    assert history == ["sent", "accepted"]
    _, mine = await app.asgi_client.get("/api/responses", headers=headers)
    assert mine.json["items"][0]["status"] == "accepted"


async def test_a_stranger_cannot_decide(app, standin, telegram):
    headers = await session(app)
    response_id = (await respond(app, headers, cargo_of(standin, 4))).json["response"]["id"]
    await webhook(app, press(response_id, "accept", user_id=777, chat_id=777, update_id=9100))
    await deliver(app)
    assert (await app.ctx.services.responses.get(response_id)).status == "sent"
    [answer] = telegram.sent("answerCallbackQuery")
    assert answer.params["show_alert"] is True and "только диспетчеры" in answer.params["text"]


async def test_concurrent_presses_first_decision_wins(app, standin, telegram):
    headers = await session(app)
    response_id = (await respond(app, headers, cargo_of(standin, 5))).json["response"]["id"]
    await deliver(app)
    bot = app.ctx.services.bot
    await asyncio.gather(bot.handle(press(response_id, "accept", update_id=1)),
                         bot.handle(press(response_id, "decline", update_id=2)))
    status = (await app.ctx.services.responses.get(response_id)).status
    assert status in ("accepted", "declined")
    answers = [a.params["text"] for a in telegram.sent("answerCallbackQuery")]
    assert len(answers) == 2 and sum(a.startswith("Уже решено") for a in answers) == 1
    await deliver(app)
    assert len(telegram.sent("sendMessage", DRIVER)) == 1


async def test_webhook_needs_the_secret(app):
    update = {"update_id": 5, "message": {"chat": {"id": DRIVER, "type": "private"}, "text": "/help"}}
    assert (await webhook(app, update, secret=None)).status == 401
    assert (await webhook(app, update, secret="wrong")).status == 401
    assert await app.ctx.services.updates.queue.size() == 0
    assert (await webhook(app, {"no": "id"})).status == 400


async def test_the_same_update_twice_is_handled_once(app, telegram):
    update = {"update_id": 77, "message": {"chat": {"id": DRIVER, "type": "private"}, "text": "/start c_6236980000"}}
    await webhook(app, update)
    await webhook(app, update)
    await deliver(app)
    [reply] = telegram.sent("sendMessage", DRIVER)
    assert reply.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"].endswith("?load=6236980000")


async def test_bot_commands(app, standin, telegram):
    headers = await session(app)
    await respond(app, headers, cargo_of(standin, 6), rate_rub=123000)
    for update_id, text in ((1, "/help"), (2, "/responses"), (3, "/status@cargotool_bot"), (4, "/start")):
        await webhook(app, {"update_id": update_id, "message": {"chat": {"id": DRIVER, "type": "private"}, "text": text}})
    await deliver(app)
    texts = [c.params["text"] for c in telegram.sent("sendMessage", DRIVER)]
    assert len(texts) == 4
    assert "/responses" in texts[0] and "123 000" in texts[1].replace("\u202f", " ") and "Подписки нет" in texts[2]
    assert texts[3].startswith("Здравствуйте")


async def test_429_is_delivered_after_retry_after(app, telegram):
    outbox = app.ctx.services.outbox
    telegram.fail_next("sendMessage", 429, retry_after=1)
    await outbox.send("sendMessage", {"chat_id": DRIVER, "text": "привет"})
    assert await outbox.deliver_due() == 0
    assert telegram.sent("sendMessage") == []
    assert await outbox.deliver_due() == 0  # not yet due
    await asyncio.sleep(1.1)
    assert await outbox.deliver_due() == 1
    assert [c.params["text"] for c in telegram.sent("sendMessage")] == ["привет"]


async def test_per_chat_pace_is_about_one_message_a_second(app, telegram):
    outbox = app.ctx.services.outbox
    for n in range(3):
        await outbox.send("sendMessage", {"chat_id": DRIVER, "text": f"m{n}"})
    deadline = asyncio.get_running_loop().time() + 5
    while len(telegram.sent("sendMessage")) < 3 and asyncio.get_running_loop().time() < deadline:
        await outbox.deliver_due()
        await asyncio.sleep(0.05)
    calls = telegram.sent("sendMessage")
    assert [c.params["text"] for c in calls] == ["m0", "m1", "m2"]
    assert calls[2].at - calls[0].at >= 1.8


async def test_outbox_survives_a_restart_between_queue_and_send(bot_settings, redis, standin, telegram):
    first = build_services(bot_settings, redis=redis, transport=StandInTransport(standin), bot_transport=telegram.transport())
    await first.outbox.send("sendMessage", {"chat_id": DRIVER, "text": "не потеряется"}, key="restart-test")
    await first.http.aclose()  # the process "dies" before sending
    second = build_services(bot_settings, redis=redis, transport=StandInTransport(standin), bot_transport=telegram.transport())
    assert await second.outbox.deliver_due() == 1
    assert [c.params["text"] for c in telegram.sent("sendMessage")] == ["не потеряется"]
    assert await second.outbox.send("sendMessage", {"chat_id": DRIVER, "text": "x"}, key="restart-test") is None
    await close_services(second)
    await close_services(first)


async def test_a_driver_who_blocked_the_bot_is_marked_and_not_retried(app, standin, telegram):
    headers = await session(app)
    response_id = (await respond(app, headers, cargo_of(standin, 8))).json["response"]["id"]
    await deliver(app)
    telegram.blocked_chats.add(DRIVER)
    await app.ctx.services.bot.handle(press(response_id, "decline", update_id=3))
    await deliver(app)
    driver = await app.ctx.services.database.run(lambda: DriverRecord.get_by_id(DRIVER))
    assert driver.bot_blocked_at is not None
    assert await app.ctx.services.outbox.queue.size() == 0
    await app.ctx.services.outbox.send("sendMessage", {"chat_id": DRIVER, "text": "ещё"})  # not for a DM of status
    view = await app.ctx.services.responses.get(response_id)
    assert view.status == "declined"


async def test_withdraw_and_expiry(app, standin, telegram):
    headers = await session(app)
    withdrawn_cargo, stale_cargo = cargo_of(standin, 9), cargo_of(standin, 10)
    await respond(app, headers, withdrawn_cargo)
    stale_id = (await respond(app, headers, stale_cargo)).json["response"]["id"]
    await deliver(app)
    _, response = await app.asgi_client.delete(f"/api/cargos/{withdrawn_cargo}/responses", headers=headers)
    assert response.status == 200 and response.json["response"]["status"] == "withdrawn"
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=30)
    await app.ctx.services.database.run(lambda: Response.update(updated_at=old).where(Response.id == stale_id).execute())
    assert await app.ctx.services.responses.expire_due() == 1
    await deliver(app)
    assert (await app.ctx.services.responses.get(stale_id)).status == "expired"
    dms = [c.params["text"] for c in telegram.sent("sendMessage", DRIVER)]
    assert len(dms) == 1 and "истёк" in dms[0]
    edits = [c.params["text"] for c in telegram.sent("editMessageText", DISPATCH_CHAT)]
    assert any("Отозван" in t for t in edits) and any("Истёк" in t for t in edits)


async def test_a_load_gone_upstream_expires_its_response(app, standin):
    headers = await session(app)
    cargo_id = cargo_of(standin, 11)
    response_id = (await respond(app, headers, cargo_id)).json["response"]["id"]
    app.ctx.services.cargos._local.clear()
    await app.ctx.services.redis.delete(*[k async for k in app.ctx.services.redis.scan_iter(match=f"{app.ctx.services.keys.prefix}cache:detail:*")])
    standin._by_id.pop(cargo_id)  # the load was taken off CargoTech
    assert await app.ctx.services.responses.expire_due() == 1
    assert (await app.ctx.services.responses.get(response_id)).status == "expired"


@pytest.mark.parametrize("body, fields", [
    ({"rate_rub": "сто"}, {"rate_rub"}),
    ({"rate_rub": 10.5}, {"rate_rub"}),
    ({"rate_rub": 5}, {"rate_rub"}),
    ({"rate_rub": 100000, "comment": "x" * 501}, {"comment"}),
    ({"rate_rub": 100000, "phone": "call me"}, {"phone"}),
    ({"rate_rub": True, "extra": 1}, {"rate_rub"}),  # a wrong type is answered first (server/validation.py)
    ({"rate_rub": 100000, "extra": 1}, {"extra"}),
])
async def test_response_validation(app, standin, body, fields):
    headers = await session(app)
    _, response = await app.asgi_client.post(f"/api/cargos/{cargo_of(standin)}/responses", json=body, headers=headers)
    assert response.status == 400 and set(response.json["error"]["fields"]) == fields


async def test_responses_are_private_and_loads_must_exist(app, standin):
    mine = await session(app, DRIVER)
    other = await session(app, 502, "Пётр", "petr")
    await respond(app, mine, cargo_of(standin, 12))
    _, response = await app.asgi_client.get("/api/responses", headers=other)
    assert response.json["items"] == []
    _, response = await app.asgi_client.delete(f"/api/cargos/{cargo_of(standin, 12)}/responses", headers=other)
    assert response.status == 404
    assert (await respond(app, mine, "123")).status == 404


async def test_accepted_response_cannot_be_changed(app, standin):
    headers = await session(app)
    cargo_id = cargo_of(standin, 13)
    response_id = (await respond(app, headers, cargo_id)).json["response"]["id"]
    await app.ctx.services.bot.handle(press(response_id, "accept", update_id=11))
    assert (await respond(app, headers, cargo_id, rate_rub=1000)).status == 409


async def test_contact_to_chat_without_a_bot_names_no_setting_to_the_driver(app, standin, caplog, monkeypatch):
    headers = await session(app)
    monkeypatch.setattr(app.ctx.services.contacts, "bot_configured", False)
    _, response = await app.asgi_client.post(f"/api/cargos/{standin.dataset.cargos[14]['id']}/contact-to-chat",
                                             headers=headers)
    assert response.status == 503
    assert response.json["error"]["message"] == "Бот сейчас не может прислать контакты — перепишите их с экрана"
    assert "TELEGRAM_BOT_TOKEN" in caplog.text  # the operator's log line names it


async def test_contact_to_chat(app, standin, telegram):
    headers = await session(app)
    cargo = standin.dataset.cargos[14]
    _, response = await app.asgi_client.post(f"/api/cargos/{cargo['id']}/contact-to-chat", headers=headers)
    assert response.status == 202
    await deliver(app)
    [message] = telegram.sent("sendMessage", DRIVER)
    assert cargo["contacts"][0]["phones"][0] in message.params["text"]
