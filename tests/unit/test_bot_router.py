"""The bot's router: features register what they answer; the conversation dispatches through it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cargotool.core.alerts import commands as alert_bot
from cargotool.core.billing import bot as billing_bot
from cargotool.core.bot import commands as conversation_bot
from cargotool.core.bot.commands import Conversation
from cargotool.core.bot.handlers import BotHandlers
from cargotool.core.insights import wait_questions as wait_questions_bot
from cargotool.core.messaging.router import Router
from cargotool.core.privacy import bot as privacy_bot

DRIVER = 501


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict, str | None]] = []

    async def send(self, method: str, params: dict, key: str | None = None, **_) -> None:
        self.sent.append((method, params, key))


class Alerter:
    def __init__(self) -> None:
        self.unmuted: list[int] = []

    async def unmute(self, driver_id: int) -> None:
        self.unmuted.append(driver_id)


class WaitQuestions:
    def __init__(self) -> None:
        self.pressed: list[str] = []

    async def on_callback(self, query, answer) -> None:
        self.pressed.append(query["data"])
        await answer(query, "Спасибо!", False)


def bot(*registers) -> tuple[BotHandlers, Outbox, list]:
    router, outbox, answered = Router(), Outbox(), []
    conversation = Conversation(router=router, responses=None, webapp_url="https://app.example")
    conversation_bot.register(router, conversation)
    for register in registers:
        register(router)

    async def answer(query, text, alert):
        answered.append((text, alert))

    handlers = BotHandlers(router=router, outbox=outbox, api=None, fallback=conversation.help, answerer=answer)
    return handlers, outbox, answered


def message(text: str, update_id: int = 1) -> dict:
    return {"update_id": update_id, "message": {"chat": {"id": DRIVER, "type": "private"}, "text": text}}


def press(data: str) -> dict:
    return {"update_id": 9, "callback_query": {"id": "q1", "from": {"id": DRIVER}, "data": data,
                                               "message": {"message_id": 3, "chat": {"id": DRIVER}}}}


async def test_a_command_registered_by_a_feature_is_dispatched():
    alerter = Alerter()
    handlers, outbox, _ = bot(lambda r: alert_bot.register(r, alert_bot.AlertCommands(alerter, None, None)))
    await handlers.handle(message("/unmute@cargotool_bot", update_id=7))
    assert alerter.unmuted == [DRIVER]
    assert outbox.sent == [("sendMessage", {"chat_id": DRIVER, "text": "Уведомления о грузах снова включены."}, "reply:7")]


async def test_a_callback_prefix_registered_by_a_feature_is_dispatched():
    questions = WaitQuestions()
    handlers, _, answered = bot(lambda r: wait_questions_bot.register(r, questions))
    await handlers.handle(press("wt:12:l:h1"))
    assert questions.pressed == ["wt:12:l:h1"] and answered == [("Спасибо!", False)]


async def test_an_unknown_button_still_gets_an_answer():
    handlers, _, answered = bot()
    await handlers.handle(press("zz:1"))
    assert answered == [("Эта кнопка больше не работает", False)]


async def test_an_unknown_command_or_plain_text_gets_the_help_like_help_does():
    handlers, outbox, _ = bot()
    for update_id, text in ((1, "/help"), (2, "/nosuchcommand"), (3, "привет")):
        await handlers.handle(message(text, update_id))
    help_params = [params for _, params, _ in outbox.sent]
    assert help_params[0] == help_params[1] == help_params[2]
    assert help_params[0]["text"].startswith("Я помогаю водителям находить грузы CargoTech.")
    assert help_params[0]["reply_markup"] == {"inline_keyboard": [[{"text": "Открыть грузы",
                                                                     "web_app": {"url": "https://app.example/"}}]]}


HELP = (
    "Я помогаю водителям находить грузы CargoTech.\n\n"
    "• Откройте приложение кнопкой ниже: фильтры, грузы, контакты, отклики.\n"
    "• /responses — ваши отклики и их статусы\n"
    "• /status — подписка и последние отклики\n"
    "• /paysupport — помощь с оплатой и возвратом\n"
    "• «Мои поиски» в приложении: сохраните поиск — я пришлю новые грузы по нему\n"
    "• /help — эта подсказка\n"
    "• /privacy — как мы обращаемся с вашими данными, /forget_me — удалить их\n"
    "• /mute 2h — не присылать уведомления о грузах 2 часа, /unmute — снова присылать\n"
    "• /quiet 22:00-07:00 — тихие часы (по Москве), /quiet off — без них\n"
    "• /drive — я за рулём: копить уведомления до остановки (ещё раз — выключить)\n"
    "• Поделитесь геопозицией в реальном времени — пока машина едет, уведомления подождут\n"
    "• /forget_location — забыть мою геопозицию\n\n"
    "О каждом решении диспетчера по вашему отклику я напишу сюда."
)


def test_help_is_the_text_drivers_know_whatever_order_the_features_register_in():
    assert _every_feature(Router()).help_text() == HELP


MENU = ["start", "responses", "status", "paysupport", "help", "privacy", "forget_me", "mute", "unmute", "drive",
        "quiet", "forget_location"]


def _every_feature(router: Router) -> Conversation:
    feature = SimpleNamespace(privacy=_noop, forget_me=_noop, forget_location=_noop, on_forget=_noop, on_consent=_noop,
                              location_gate=_noop, location=_noop, on_callback=_noop, command=_noop, on_message=_noop)
    alert_bot.register(router, feature)
    privacy_bot.register(router, feature)
    billing_bot.register(router, feature, feature)
    conversation = Conversation(router=router, responses=None, webapp_url="https://app.example")
    conversation_bot.register(router, conversation)
    return conversation


def test_the_command_menu_is_what_the_features_registered_in_help_order():
    router = Router()
    _every_feature(router)
    menu = router.menu()
    assert [item["command"] for item in menu] == MENU
    assert menu[0] == {"command": "start", "description": "Открыть грузы"}
    assert all(1 <= len(item["description"]) <= 256 for item in menu)
    router.command("/fuel", _noop, section="app", menu="Мой расход топлива")  # a new command: in the menu by itself
    assert [item["command"] for item in router.menu()][:2] == ["start", "fuel"]
    router.command("/secret", _noop)  # no menu line: answered, not offered
    assert "secret" not in {item["command"] for item in router.menu()}


@pytest.mark.parametrize("name, description, section", [
    ("/Fuel", "Расход", "app"), ("/" + "x" * 33, "Расход", "app"), ("/fuel-now", "Расход", "app"),
    ("/fuel", "", "app"), ("/fuel", "д" * 257, "app"), ("/fuel", "Расход", "nowhere"),
])
def test_a_menu_line_telegram_would_refuse_is_refused_at_start_up(name, description, section):
    with pytest.raises(ValueError):
        Router().menu_item(name, description, section)


def test_a_command_in_the_menu_twice_is_refused():
    router = Router()
    router.menu_item("/paysupport", "Помощь с оплатой", "payments")
    with pytest.raises(ValueError, match="twice"):
        router.menu_item("/paysupport", "Помощь с оплатой", "payments")


def test_help_lines_stand_in_their_section_whoever_registers_first():
    router = Router()
    router.help("• alerts", "alerts")
    router.command("/privacy", _noop, help="• privacy", section="privacy")
    router.help("• app", "app")
    router.help("• alerts, second", "alerts")
    assert router.help_lines() == "• app\n• privacy\n• alerts\n• alerts, second"
    with pytest.raises(ValueError):
        router.help("• nowhere", "nowhere")


def test_registering_a_command_or_a_prefix_twice_is_refused_at_start_up():
    router = Router()
    alert_bot.register(router, SimpleNamespace(location=_noop, on_callback=_noop, command=_noop))
    with pytest.raises(ValueError, match="/mute"):
        router.command("/mute", _noop)
    with pytest.raises(ValueError, match="'al'"):
        router.callback("al", _noop)
    with pytest.raises(ValueError, match="location handler"):
        router.location(_noop)
    router.location_gate(_noop)
    with pytest.raises(ValueError, match="location gate"):
        router.location_gate(_noop)


async def _noop(*args):
    return None
