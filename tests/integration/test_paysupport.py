"""/paysupport: the help text with the refund policy, the driver's message reaching the dispatcher chat
(with who wrote it and their payments), and an operator's reply reaching the driver — through the
webhook, the update inbox and the outbox, against the Bot API stand-in."""

from __future__ import annotations

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from cargotool.standin.telegram import BotApiStandIn
from tests.conftest import close_services
from tests.integration.stars_helpers import DISPATCH_CHAT, HOOK_SECRET, PLANS_STARS, process, validate_calls, webhook

Sanic.test_mode = True

DRIVER = 501


@pytest.fixture
def telegram():
    return BotApiStandIn()


def make_app(settings, redis, standin, telegram, chat=DISPATCH_CHAT):
    configured = settings.replace(plans_stars=PLANS_STARS, telegram_webhook_secret=HOOK_SECRET, outbox_enabled="off",
                                  telegram_dispatcher_chat_id=chat, webapp_url="https://app.example.ru")
    services = build_services(configured, redis=redis, transport=StandInTransport(standin), bot_transport=telegram.transport())
    return create_app(configured, services=services)


@pytest.fixture
async def app(settings, redis, standin, telegram):
    app = make_app(settings, redis, standin, telegram)
    yield app
    await close_services(app.ctx.services)
    validate_calls(telegram)


def driver_says(text, update_id, user_id=DRIVER):
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1, "text": text,
        "from": {"id": user_id, "is_bot": False, "first_name": "Иван", "last_name": "Петров", "username": "ivan_p"},
        "chat": {"id": user_id, "type": "private"}}}


async def say(app, text, update_id):
    assert (await webhook(app, driver_says(text, update_id))).status == 200
    await process(app)


async def test_paysupport_explains_the_policy_and_forwards_the_next_message(app, telegram):
    await app.ctx.services.subscriptions.grant(DRIVER, 3, "test")
    await say(app, "/paysupport", 1)
    [help_message] = telegram.sent("sendMessage", DRIVER)
    text = help_message.params["text"]
    assert "Возврат" in text and "звёзды вернутся" in text and "на ту же карту" in text and "Напишите одним сообщением" in text
    assert not telegram.sent("sendMessage", DISPATCH_CHAT)
    await say(app, "Списали 250 звёзд, а подписки нет <b>", 2)
    [forwarded] = telegram.sent("sendMessage", DISPATCH_CHAT)
    body = forwarded.params["text"]
    assert forwarded.params["parse_mode"] == "HTML"
    assert "Вопрос об оплате" in body and "Иван Петров" in body and "@ivan_p" in body and f"id {DRIVER}" in body
    assert "Списали 250 звёзд, а подписки нет &lt;b&gt;" in body and "Платежей нет" in body
    assert telegram.sent("sendMessage", DRIVER)[-1].params["text"].startswith("Передал операторам")
    await say(app, "а это просто сообщение", 3)  # the wait is over: no second forward
    assert len(telegram.sent("sendMessage", DISPATCH_CHAT)) == 1


async def test_paysupport_with_text_forwards_at_once_and_an_operator_reply_comes_back(app, telegram):
    await app.ctx.services.subscriptions.grant(DRIVER, 3, "test")
    payment = await app.ctx.services.stars.create(DRIVER, "3m")
    await say(app, "/paysupport верните деньги за 3 месяца", 11)
    [forwarded] = telegram.sent("sendMessage", DISPATCH_CHAT)
    assert "верните деньги за 3 месяца" in forwarded.params["text"]
    assert f"3m, ⭐ 650, ждёт оплаты, <code>{payment.id}</code>" in forwarded.params["text"]
    sent_id = forwarded.message_id
    operator = {"update_id": 12, "message": {
        "message_id": 99, "date": 1, "text": "Вернули, проверьте баланс",
        "from": {"id": 42, "is_bot": False, "first_name": "Анна"}, "chat": {"id": DISPATCH_CHAT, "type": "supergroup"},
        "reply_to_message": {"message_id": sent_id, "date": 1, "chat": {"id": DISPATCH_CHAT, "type": "supergroup"}}}}
    await webhook(app, operator)
    await process(app)
    assert telegram.sent("sendMessage", DRIVER)[-1].params["text"] == "Ответ оператора об оплате:\n\nВернули, проверьте баланс"


async def test_another_command_after_paysupport_is_a_command(app, telegram):
    await say(app, "/paysupport", 21)
    await say(app, "/status", 22)
    await say(app, "не передавай это", 23)
    assert not telegram.sent("sendMessage", DISPATCH_CHAT)
    assert "Подписки нет" in telegram.sent("sendMessage", DRIVER)[1].params["text"]


async def test_paysupport_without_a_dispatcher_chat_says_so_and_logs_the_setting(settings, redis, standin, telegram, caplog):
    app = make_app(settings, redis, standin, telegram, chat=None)
    try:
        with caplog.at_level("WARNING", logger="cargotool.core.billing.paysupport"):
            await say(app, "/paysupport", 31)
        text = telegram.sent("sendMessage", DRIVER)[0].params["text"]
        assert "Возврат" in text and "не получается" in text and "TELEGRAM" not in text
        assert any("TELEGRAM_DISPATCHER_CHAT_ID" in r.getMessage() for r in caplog.records)
    finally:
        await close_services(app.ctx.services)
