"""The bot's side of alerts: `/mute 2h`, `/unmute`, `/drive`, `/quiet`, shared live location, and the alert
buttons («Не присылать по этому поиску», «Отменить автоотклик»); `register` puts them into the bot's router.
(`/forget_location` is privacy's: it withdraws the consent, which erases the location.)"""

from __future__ import annotations

import re
from typing import Any

from ..errors import NotFound
from ..messaging.router import Answer, Router
from .auto import AutoResponder
from .delivery import Alerter
from .rules import mute_seconds
from .searches import SearchStore
from ..numbers import plain_int

COMMANDS = {  # the command and its line in the bot's menu
    "/mute": "Пауза уведомлений о грузах, например /mute 2h",
    "/unmute": "Снова присылать уведомления",
    "/drive": "Я за рулём: копить уведомления до остановки",
    "/quiet": "Тихие часы, например /quiet 22:00-07:00",
}
PREFIX = "al"
CALLBACK_RE = re.compile(r"^al:(off|undo):([0-9a-f-]{1,40})$")
HELP_LINES = (
    "• /mute 2h — не присылать уведомления о грузах 2 часа, /unmute — снова присылать\n"
    "• /quiet 22:00-07:00 — тихие часы (по Москве), /quiet off — без них\n"
    "• /drive — я за рулём: копить уведомления до остановки (ещё раз — выключить)\n"
    "• Поделитесь геопозицией в реальном времени — пока машина едет, уведомления подождут"
)
SEARCHES_HELP = "• «Мои поиски» в приложении: сохраните поиск — я пришлю новые грузы по нему"


class AlertCommands:
    def __init__(self, alerter: Alerter, searches: SearchStore, auto: AutoResponder | None) -> None:
        self._alerter = alerter
        self._searches = searches
        self._auto = auto

    async def command(self, driver_id: int, command: str, argument: str) -> str:
        if command == "/mute":
            seconds = mute_seconds(argument or "2h")
            if seconds is None:
                return "Не понял срок. Например: /mute 2h или /mute 30m (не больше 72 часов)."
            await self._alerter.mute(driver_id, seconds)
            hours, minutes = divmod(seconds // 60, 60)
            span = " ".join(p for p in (f"{hours} ч" if hours else "", f"{minutes} мин" if minutes else "") if p)
            return f"Уведомления о грузах выключены на {span}. Что появится — пришлю одним списком потом. /unmute — включить."
        if command == "/unmute":
            await self._alerter.unmute(driver_id)
            return "Уведомления о грузах снова включены."
        if command == "/drive":
            driving = await self._alerter.toggle_driving(driver_id)
            return ("Хорошего пути! Уведомления подождут; /drive ещё раз — когда остановитесь." if driving
                    else "Режим «за рулём» выключен: накопленное пришлю сейчас.")
        if command == "/quiet":
            text = argument.strip().lower()
            if not text:
                return f"Тихие часы сейчас: {await self._alerter.quiet_hours_of(driver_id)} (по Москве). Изменить: /quiet 23:00-06:00 или /quiet off."
            try:
                await self._alerter.set_quiet_hours(driver_id, text)
            except ValueError:
                return "Не понял. Например: /quiet 22:00-07:00 (по Москве) или /quiet off."
            return "Тихих часов нет." if text == "off" else f"Тихие часы: {text} по Москве. Что появится ночью — пришлю утром списком."
        return ""

    async def location(self, driver_id: int, message: dict[str, Any]) -> None:
        """A live location (the first message or an edit). Non-live locations are not stored."""
        location = message.get("location") or {}
        lat, lon = location.get("latitude"), location.get("longitude")
        if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
            return
        sent = message.get("date")
        live = location.get("live_period")
        until = float(sent) + float(live) if isinstance(sent, (int, float)) and isinstance(live, (int, float)) else None
        at = message.get("edit_date") or sent
        if not isinstance(at, (int, float)):
            return
        await self._alerter.locations.update(driver_id, float(lat), float(lon), float(at), until)

    async def callback(self, driver_id: int, data: str) -> str | None:
        """Answer text for an alert button, or None when `data` is not an alert button."""
        match = CALLBACK_RE.match(data)
        if not match:
            return None
        action, value = match.groups()
        if action == "off":
            search_id = plain_int(value)
            if search_id is None:
                return "Эта кнопка больше не работает"
            try:
                search = await self._searches.pause(driver_id, search_id)
            except NotFound:
                return "Этого поиска уже нет"
            if search.kind is not None:  # a feature's own search (e.g. «Свободен с…»): not among «Мои поиски»
                return f"Больше не пришлю грузы по «{search.name}». Включить снова — сохраните «Свободен с…» ещё раз в приложении."
            return f"Больше не пришлю грузы по поиску «{search.name}». Включить снова — в «Мои поиски»."
        if self._auto is not None and await self._auto.undo(driver_id, value):
            return "Автоотклик отменён — диспетчеры его не увидят"
        return "Поздно: автоотклик уже отправлен или отменён"

    async def on_callback(self, query: dict[str, Any], answer: Answer) -> None:
        presser_id = (query.get("from") or {}).get("id")
        text = await self.callback(presser_id, str(query.get("data") or "")) if isinstance(presser_id, int) else None
        await answer(query, text or "Эта кнопка больше не работает", False)


def register(router: Router, commands: AlertCommands) -> None:
    """The alert commands, their /help lines, the alert buttons (`al:…`) and shared live locations."""
    for name, menu in COMMANDS.items():
        router.command(name, _replying(commands, name), section="alerts", menu=menu)
    router.help(SEARCHES_HELP, "searches")
    router.help(HELP_LINES, "alerts")
    router.callback(PREFIX, commands.on_callback)
    router.location(commands.location)


def _replying(commands: AlertCommands, name: str):
    async def run(chat_id: int, argument: str) -> tuple[str, None]:
        return await commands.command(chat_id, name, argument), None
    return run
