"""The bot's behaviour, independent of transport: a Bot API `Update` (a dict) in, replies out.

Webhook (server/webhooks.py) and the telethon runner (cli/bot.py) both feed updates here. Everything a
driver can say or press is looked up in the router the features registered into; replies go through
the outbox, only callback answers are sent at once (Telegram wants them within seconds).
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import CargotoolError
from ..messaging.api import BotApi
from ..messaging.outbox import Outbox
from ..messaging.router import Answer, Command, Router

log = logging.getLogger(__name__)


class BotHandlers:
    def __init__(self, *, router: Router, outbox: Outbox, api: BotApi | None, fallback: Command,
                 answerer: Answer | None = None) -> None:
        """`fallback(chat_id, text)` answers what no command matches (the /help text). `answerer(query, text,
        alert)` answers a button press; default: Bot API answerCallbackQuery (the telethon runner answers
        through MTProto instead)."""
        self._router = router
        self._outbox = outbox
        self._api = api
        self._fallback = fallback
        self._answerer = answerer

    def menu(self) -> list[dict[str, str]]:
        """The bot's command menu (`setMyCommands`), from what the features registered (messaging/router.py)."""
        return self._router.menu()

    def with_answerer(self, answerer: Answer) -> "BotHandlers":
        """The same handlers, answering button presses through `answerer(query, text, alert)`."""
        return BotHandlers(router=self._router, outbox=self._outbox, api=self._api, fallback=self._fallback,
                           answerer=answerer)

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
        handler = self._router.location_handler
        if handler is None or chat.get("type") != "private" or not isinstance(message.get("location"), dict):
            return False
        gate = self._router.gate
        if gate is not None and not await gate(chat["id"], message):
            return True  # not to be used (yet): the gate asked the driver
        await handler(chat["id"], message)
        return True

    async def _message(self, message: dict[str, Any], update_id: Any) -> None:
        chat = message.get("chat") or {}
        private = chat.get("type") == "private" and isinstance(chat.get("id"), int)
        if private:
            for hook in self._router.private_message_hooks:
                await hook(chat["id"])
            if "write_access_allowed" in message:
                return  # Telegram's service note that the driver let the bot write (the hooks saw it): no answer
        for message_hook in self._router.message_hooks:
            if await message_hook(message, update_id):
                return
        if not private:
            return  # the dispatcher group talks to people, not to the bot
        if await self._location(message):
            return
        text = (message.get("text") or "").strip()
        command, _, argument = text.partition(" ")
        handler = self._router.find_command(command.split("@", 1)[0].lower()) or self._fallback
        text, keyboard = await handler(chat["id"], argument)
        await self._reply(chat["id"], text, update_id, keyboard=keyboard)

    async def _reply(self, chat_id: int, text: str, update_id: Any, keyboard: list | None = None) -> None:
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if keyboard:
            params["reply_markup"] = {"inline_keyboard": keyboard}
        await self._outbox.send("sendMessage", params, key=f"reply:{update_id}" if update_id is not None else None)

    async def _callback(self, query: dict[str, Any]) -> None:
        handler = self._router.find_callback(str(query.get("data") or ""))
        if handler is None:
            await self._answer(query, "Эта кнопка больше не работает")
            return
        await handler(query, self._answer)

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
