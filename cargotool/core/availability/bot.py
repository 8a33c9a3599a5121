"""`/free` in the dispatcher chat: the free trucks as a Russian list. Only the dispatcher chat and the admins
(in a private chat with the bot) get it; a driver's /free falls through to the /help answer."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from ..clock import moscow_today
from ..messaging.outbox import Outbox
from ..messaging.router import Router
from ..storage.db import Database
from .board import board_text, free_trucks

COMMAND = "/free"
HELP = "• «🚚 Свободен» в приложении: скажите, где и с какого дня вы свободны — я пришлю грузы оттуда"


class FreeCommand:
    def __init__(self, database: Database, outbox: Outbox, dispatcher_chat_id: int | None, admin_ids: tuple[int, ...],
                 today: Callable[[], dt.date] = moscow_today) -> None:
        self._db = database
        self._outbox = outbox
        self._chat = dispatcher_chat_id
        self._admins = set(admin_ids)
        self._today = today

    async def on_message(self, message: dict[str, Any], update_id: Any = None) -> bool:
        """The router's message hook: answers `/free` (or `/free@bot`) where dispatchers are, else passes."""
        text = (message.get("text") or "").strip()
        if text.split(" ", 1)[0].split("@", 1)[0].lower() != COMMAND:
            return False
        chat = message.get("chat") or {}
        sender = (message.get("from") or {}).get("id")
        dispatchers = self._chat is not None and chat.get("id") == self._chat
        admin = chat.get("type") == "private" and sender in self._admins
        if not (dispatchers or admin):
            return False
        answer = board_text(await free_trucks(self._db, self._today()))
        await self._outbox.send("sendMessage", {"chat_id": chat["id"], "text": answer[:4000]},
                                key=f"reply:{update_id}" if update_id is not None else None)
        return True


def register(router: Router, command: FreeCommand) -> None:
    router.message_hook(command.on_message)
    router.help(HELP, "searches")
