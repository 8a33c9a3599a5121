"""The bot's behaviour, independent of transport: a Bot API `Update` (a dict) in, replies out.

Webhook (server/webhooks.py) and the telethon runner (cli/bot.py) both feed updates here. Replies go
through the outbox; only callback answers are sent at once (Telegram wants them within seconds).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ..cargo.formatting import format_rub, to_moscow
from ..alerts.commands import COMMANDS as ALERT_COMMANDS, HELP_LINES as ALERT_HELP
from ..errors import CargotoolError
from ..responses.service import ResponseService, status_word
from .api import BotApi
from .buttons import open_load_button, webapp_button
from .outbox import Outbox

log = logging.getLogger(__name__)

HELP = (
    "Я помогаю водителям находить грузы CargoTech.\n\n"
    "• Откройте приложение кнопкой ниже: фильтры, грузы, контакты, отклики.\n"
    "• /responses — ваши отклики и их статусы\n"
    "• /status — подписка и последние отклики\n"
    "• «Мои поиски» в приложении: сохраните поиск — я пришлю новые грузы по нему\n"
    "• /help — эта подсказка\n"
    "• /privacy — как мы обращаемся с вашими данными, /forget_me — удалить их\n"
    + ALERT_HELP + "\n\n"
    "О каждом решении диспетчера по вашему отклику я напишу сюда."
)
CALLBACK_RE = re.compile(r"^resp:(\d{1,12}):(accept|decline|view)$")


class BotHandlers:
    def __init__(self, *, responses: ResponseService, outbox: Outbox, api: BotApi | None, webapp_url: str,
                 dispatcher_chat_id: int | None, admin_ids: tuple[int, ...], answerer=None,
                 subscriptions=None, alerts=None) -> None:
        """`answerer(query, text, alert)` answers a button press; default: Bot API answerCallbackQuery
        (the telethon runner answers through MTProto instead)."""
        self._answerer = answerer
        self._subscriptions = subscriptions
        self._responses = responses
        self._outbox = outbox
        self._api = api
        self._webapp_url = webapp_url
        self._dispatcher_chat = dispatcher_chat_id
        self._admins = set(admin_ids)
        self._alerts = alerts  # core.alerts.commands.AlertCommands, or None
        self.callbacks: dict[str, Any] = {}  # button prefix → `handler(query, answer)`, for other modules' buttons
        self.on_private_message: list[Any] = []  # `hook(chat_id)` for every message a driver writes to the bot
        self.commands: dict[str, Any] = {}  # "/name" → `handler(chat_id, argument) -> (text, keyboard)`, other modules'
        self.location_gate: Any = None  # `gate(chat_id, message) -> bool`: may this location be used (consent)?

    def with_answerer(self, answerer) -> "BotHandlers":
        """The same handlers, answering button presses through `answerer(query, text, alert)`."""
        handlers = BotHandlers(responses=self._responses, outbox=self._outbox, api=self._api, webapp_url=self._webapp_url,
                               dispatcher_chat_id=self._dispatcher_chat, admin_ids=tuple(self._admins), answerer=answerer,
                               subscriptions=self._subscriptions, alerts=self._alerts)
        handlers.callbacks = self.callbacks
        handlers.on_private_message = self.on_private_message
        handlers.commands = self.commands
        handlers.location_gate = self.location_gate
        return handlers

    async def handle(self, update: dict[str, Any]) -> None:
        update_id = update.get("update_id")
        if isinstance(update.get("callback_query"), dict):
            await self._callback(update["callback_query"])
        elif isinstance(update.get("message"), dict):
            await self._message(update["message"], update_id)
        elif isinstance(update.get("edited_message"), dict):  # live location moves arrive as edits
            await self._location(update["edited_message"])

    async def _location(self, message: dict[str, Any]) -> bool:
        chat = message.get("chat") or {}
        if self._alerts is None or chat.get("type") != "private" or not isinstance(message.get("location"), dict):
            return False
        if self.location_gate is not None and not await self.location_gate(chat["id"], message):
            return True  # not to be used (yet): the gate asked the driver
        await self._alerts.location(chat["id"], message)
        return True

    # ---- messages -----------------------------------------------------------------------------------

    async def _message(self, message: dict[str, Any], update_id: Any) -> None:
        chat = message.get("chat") or {}
        if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
            return  # the dispatcher group talks to people, not to the bot
        for hook in self.on_private_message:
            await hook(chat["id"])
        if "write_access_allowed" in message:
            return  # Telegram's service note that the driver let the bot write (the hooks saw it): nothing to answer
        if await self._location(message):
            return
        text = (message.get("text") or "").strip()
        command, _, argument = text.partition(" ")
        command = command.split("@", 1)[0].lower()
        if command == "/start":
            await self._start(chat["id"], argument.strip(), update_id)
        elif command in ("/responses", "/status"):
            await self._responses_list(chat["id"], update_id, with_subscription=command == "/status")
        elif command in self.commands:
            text, keyboard = await self.commands[command](chat["id"], argument)
            await self._reply(chat["id"], text, update_id, keyboard=keyboard)
        elif self._alerts is not None and command in ALERT_COMMANDS:
            await self._reply(chat["id"], await self._alerts.command(chat["id"], command, argument), update_id)
        else:
            await self._reply(chat["id"], HELP, update_id, keyboard=[[self._app_button()]])

    async def _start(self, chat_id: int, payload: str, update_id: Any) -> None:
        match = re.fullmatch(r"c_(\d{1,20})", payload)
        if match:
            await self._reply(chat_id, "Открываю груз — нажмите кнопку:", update_id,
                              keyboard=[[open_load_button(self._webapp_url, match.group(1))]])
            return
        await self._reply(chat_id, "Здравствуйте! " + HELP, update_id, keyboard=[[self._app_button()]])

    async def _responses_list(self, chat_id: int, update_id: Any, with_subscription: bool) -> None:
        views = await self._responses.mine(chat_id, limit=5)
        lines = []
        if with_subscription and self._subscriptions is not None:
            status = await self._subscriptions.status(chat_id)
            if status.active:
                lines.append(f"Подписка активна до {to_moscow(status.expires_at).strftime('%d.%m.%Y')}.")
            elif status.expires_at:
                lines.append(f"Подписка закончилась {to_moscow(status.expires_at).strftime('%d.%m.%Y')}.")
            else:
                lines.append("Подписки нет: список грузов открыт, контакты и отклики — с подпиской.")
        if not views:
            lines.append("Откликов пока нет. Найдите груз в приложении и нажмите «Откликнуться».")
        else:
            lines.append("Последние отклики:")
            for view in views:
                route = (view.cargo.get("display") or {}).get("route") or f"груз {view.cargo_id}"
                when = to_moscow(view.updated_at).strftime("%d.%m %H:%M")
                lines.append(f"• {route} — {format_rub(view.rate_kopecks)}, {status_word(view.status)} ({when})")
        await self._reply(chat_id, "\n".join(lines), update_id, keyboard=[[self._app_button()]])

    def _app_button(self) -> dict[str, Any]:
        return webapp_button(self._webapp_url, "Открыть грузы")

    async def _reply(self, chat_id: int, text: str, update_id: Any, keyboard: list | None = None) -> None:
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if keyboard:
            params["reply_markup"] = {"inline_keyboard": keyboard}
        await self._outbox.send("sendMessage", params, key=f"reply:{update_id}" if update_id is not None else None)

    # ---- dispatcher buttons -----------------------------------------------------------------------

    async def _callback(self, query: dict[str, Any]) -> None:
        other = self.callbacks.get(str(query.get("data") or "").split(":", 1)[0])
        if other is not None:
            await other(query, self._answer)
            return
        presser_id = (query.get("from") or {}).get("id")
        if self._alerts is not None and isinstance(presser_id, int):
            answer = await self._alerts.callback(presser_id, str(query.get("data") or ""))
            if answer is not None:
                await self._answer(query, answer)
                return
        match = CALLBACK_RE.match(str(query.get("data") or ""))
        if not match:
            await self._answer(query, "Эта кнопка больше не работает")
            return
        presser = query.get("from") or {}
        message_chat = ((query.get("message") or {}).get("chat") or {}).get("id")
        allowed = presser.get("id") in self._admins or (
            self._dispatcher_chat is not None and message_chat == self._dispatcher_chat)
        if not allowed:
            await self._answer(query, "Извините, решения по откликам принимают только диспетчеры", alert=True)
            return
        who = " ".join(p for p in (presser.get("first_name"), presser.get("last_name")) if p) or str(presser.get("id"))
        if presser.get("username"):
            who += f" (@{presser['username']})"
        try:
            view, changed = await self._responses.decide(int(match.group(1)), match.group(2), f"dispatcher:{presser.get('id')} {who}")
        except CargotoolError as exc:
            await self._answer(query, exc.message, alert=True)
            return
        if changed:
            await self._answer(query, {"accept": "Принято ✅", "decline": "Отклонено", "view": "Водитель увидит, что вы смотрите"}[match.group(2)])
        else:
            await self._answer(query, f"Уже решено: отклик {status_word(view.status)}", alert=True)

    async def _answer(self, query: dict[str, Any], text: str, alert: bool = False) -> None:
        if self._answerer is not None:
            await self._answerer(query, text, alert)
            return
        if self._api is None or not query.get("id"):
            return
        try:
            await self._api.call("answerCallbackQuery", {"callback_query_id": query["id"], "text": text, "show_alert": alert})
        except CargotoolError as exc:  # an expired query (older than ~15 s) cannot be answered: harmless
            log.info("could not answer a callback query: %s", exc.message)

