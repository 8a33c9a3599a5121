"""A driver the bot could not reach (a Bot API 403) is reachable again once they write to the bot, log in with
`allows_write_to_pm`, or grant `requestWriteAccess` in the Mini App (issue 18). Through the webhook, the
outbox and the Bot API stand-in, with the alerts watcher driven by hand."""

from __future__ import annotations

import pytest

from cargotool.bootstrap import build_services
from cargotool.core.drivers.initdata import sign_init_data, validate_init_data
from cargotool.core.storage.models import AuditEvent, DriverRecord
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import TEST_BOT_TOKEN, close_services
from tests.integration.test_alerts import KAZAN, MOSCOW, load
from tests.integration.test_responses_bot import (DRIVER, bot_settings, cargo_of, deliver, press, respond, session,
                                                  telegram, webhook)

__all__ = ["bot_settings", "telegram"]  # fixtures used here


@pytest.fixture
async def app(bot_settings, redis, standin, telegram):
    settings = bot_settings.replace(alerts_quiet_hours="off")  # alerts must not wait for the morning
    services = build_services(settings, redis=redis, transport=StandInTransport(standin),
                              bot_transport=telegram.transport())
    await services.flags.set("paywall", False)
    yield create_app(settings, services=services)
    await close_services(services)


def message(text, update_id, chat_id=DRIVER):
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 1700000000, "text": text,
            "chat": {"id": chat_id, "type": "private"}, "from": {"id": chat_id, "first_name": "Иван"}}}


def texts_to(telegram, chat_id=DRIVER):
    return [c.params["text"] for c in telegram.sent("sendMessage", chat_id)]


async def blocked_at(app):
    return (await app.ctx.services.database.run(lambda: DriverRecord.get_by_id(DRIVER))).bot_blocked_at


async def reachable_events(app):
    return await app.ctx.services.database.run(lambda: [
        e.details for e in AuditEvent.select().where(AuditEvent.action == "driver.bot_reachable").order_by(AuditEvent.id)])


async def test_after_a_403_start_brings_back_the_next_status_and_the_next_alert(app, standin, telegram):
    svc = app.ctx.services
    headers = await session(app)
    _, saved = await app.asgi_client.post("/api/searches", headers=headers, json={
        "name": "Москва → Казань", "filters": {"from": str(MOSCOW), "to": str(KAZAN)}})
    assert saved.status == 201 and saved.json["search"]["alerts"] is True
    assert (await svc.watcher.tick())["alerts"] == 0  # the first look is a baseline
    first = (await respond(app, headers, cargo_of(standin, 4))).json["response"]["id"]
    second = (await respond(app, headers, cargo_of(standin, 5))).json["response"]["id"]
    await deliver(app)

    telegram.blocked_chats.add(DRIVER)  # Telegram refuses: the driver never started the bot, or blocked it
    assert (await webhook(app, press(first, "view", update_id=1))).status == 200
    await deliver(app)
    assert await blocked_at(app) is not None
    load(standin)
    assert (await svc.watcher.tick())["alerts"] == 0  # silenced while the mark is on

    telegram.blocked_chats.discard(DRIVER)
    before = len(texts_to(telegram))
    assert (await webhook(app, message("/start", update_id=2))).status == 200
    await deliver(app)
    assert await blocked_at(app) is None
    assert await reachable_events(app) == ['{"via": "message"}']

    assert (await webhook(app, press(second, "accept", update_id=3))).status == 200
    wanted = load(standin)
    assert (await svc.watcher.tick())["alerts"] == 1
    await deliver(app)
    start_reply, *rest = texts_to(telegram)[before:]
    assert start_reply.startswith("Здравствуйте!")
    assert any(t.startswith("✅ Ваш отклик принят!") for t in rest)
    [alert] = [c for c in telegram.sent("sendMessage", DRIVER)[before:] if c.params["text"].startswith("🔔")]
    assert alert.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"].endswith(f"?load={wanted['id']}")


async def test_the_write_access_service_note_clears_the_mark_without_a_reply(app, telegram):
    svc = app.ctx.services
    await session(app)
    await svc.reach.lost(DRIVER)
    note = message("", update_id=7)
    del note["message"]["text"]
    note["message"]["write_access_allowed"] = {"from_request": True}
    await svc.bot.handle(note)
    assert await svc.reach.can_write(DRIVER)
    await deliver(app)
    assert texts_to(telegram) == []  # no help text sent unasked


async def test_a_database_outage_does_not_keep_the_bot_from_answering(app, telegram, monkeypatch):
    svc = app.ctx.services
    await session(app)

    async def down(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(svc.reach, "regained", down)
    await svc.bot.handle(message("/help", update_id=8))
    await deliver(app)
    assert len(texts_to(telegram)) == 1


async def test_any_message_clears_the_mark_on_the_telethon_path_too(app):
    svc = app.ctx.services
    await session(app)
    await svc.reach.lost(DRIVER)
    answered = []
    telethon_handlers = svc.bot.with_answerer(lambda *args: answered.append(args))  # what `cargotool bot run` uses
    await telethon_handlers.handle(message("спасибо", update_id=5))
    assert await svc.reach.can_write(DRIVER)


async def test_messages_from_a_reachable_driver_write_nothing(app, monkeypatch):
    svc = app.ctx.services
    await session(app)
    updates = []
    original = DriverRecord.update.__func__
    monkeypatch.setattr(DriverRecord, "update", classmethod(lambda cls, *a, **kw: updates.append(kw) or original(cls, *a, **kw)))
    for update_id in range(10, 13):
        await svc.bot.handle(message("/help", update_id=update_id))
    assert updates == [] and await reachable_events(app) == []
    await svc.reach.lost(DRIVER)
    first_403 = await blocked_at(app)
    await svc.reach.lost(DRIVER)  # a second 403 keeps the first time
    assert first_403 is not None and await blocked_at(app) == first_403
    for update_id in range(20, 23):
        await svc.bot.handle(message("/help", update_id=update_id))
    assert await reachable_events(app) == ['{"via": "message"}']  # cleared once, by the first message
    assert [u for u in updates if u.get("bot_blocked_at", 0) is None] == [{"bot_blocked_at": None}]


async def test_a_login_that_allows_write_to_pm_clears_the_mark(app):
    svc = app.ctx.services
    await session(app)
    await svc.reach.lost(DRIVER)

    async def login(**user):
        init_data = sign_init_data(TEST_BOT_TOKEN, {"id": DRIVER, "first_name": "Иван", **user})
        _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data})
        assert response.status == 200
        return response.json["bot_can_write"]

    assert await login() is False
    assert await login(allows_write_to_pm="yes") is False  # only true (JSON, or the string some clients send)
    assert not await svc.reach.can_write(DRIVER)
    assert await login(allows_write_to_pm=True) is True
    assert await svc.reach.can_write(DRIVER)
    assert await login() is True  # stays clear
    assert await reachable_events(app) == ['{"via": "login"}']


async def test_the_write_access_endpoint(app):
    svc = app.ctx.services
    headers = await session(app)
    client = app.asgi_client
    await svc.reach.lost(DRIVER)
    assert (await client.get("/api/me/bot-access", headers=headers))[1].json == {"bot_can_write": False}
    _, refused = await client.post("/api/me/bot-access", headers=headers, json={"granted": False})
    assert refused.status == 200 and refused.json == {"bot_can_write": False}
    for bad in ({}, {"granted": "true"}, {"granted": 1}):
        _, answer = await client.post("/api/me/bot-access", headers=headers, json=bad)
        assert answer.status == 400 and answer.json["error"]["fields"] == {"granted": "Нужно true или false"}
    _, answer = await client.post("/api/me/bot-access", headers=headers, json=[])
    assert answer.status == 400 and set(answer.json["error"]["fields"]) == {"body"}  # not an object at all
    assert not await svc.reach.can_write(DRIVER)
    for _ in range(2):  # granted twice: cleared once
        _, granted = await client.post("/api/me/bot-access", headers=headers, json={"granted": True})
        assert granted.status == 200 and granted.json == {"bot_can_write": True}
    assert (await client.get("/api/me/bot-access", headers=headers))[1].json == {"bot_can_write": True}
    assert await svc.reach.can_write(DRIVER)
    assert await reachable_events(app) == ['{"via": "write_access"}']
    assert (await client.get("/api/me/bot-access"))[1].status == 401


def test_allows_write_to_pm_is_read_from_the_launch_data():
    def user(**extra):
        signed = sign_init_data(TEST_BOT_TOKEN, {"id": 7, "first_name": "Ё", **extra})
        return validate_init_data(signed, TEST_BOT_TOKEN).user

    assert user(allows_write_to_pm=True).allows_write_to_pm is True
    assert user().allows_write_to_pm is False
    assert user(allows_write_to_pm="true").allows_write_to_pm is True  # as aiogram's vector sends flags
    assert user(allows_write_to_pm="false").allows_write_to_pm is False
    assert user(allows_write_to_pm=1).allows_write_to_pm is False
