"""The dispatcher chat's decision buttons (`resp:<id>:accept|decline|view`, core/responses/chat.py draws
them): only the dispatcher chat and the admins may decide."""

from __future__ import annotations

import re
from typing import Any

from ..errors import CargotoolError
from ..messaging.router import Answer, Router
from .service import ResponseService, status_word

PREFIX = "resp"
CALLBACK_RE = re.compile(r"^resp:(\d{1,12}):(accept|decline|view)$")
DONE = {"accept": "Принято ✅", "decline": "Отклонено", "view": "Водитель увидит, что вы смотрите"}


def _who(presser: dict[str, Any]) -> str:
    who = " ".join(p for p in (presser.get("first_name"), presser.get("last_name")) if p) or str(presser.get("id"))
    if presser.get("username"):
        who += f" (@{presser['username']})"
    return who


class DecisionButtons:
    def __init__(self, responses: ResponseService, dispatcher_chat_id: int | None, admin_ids: tuple[int, ...]) -> None:
        self._responses = responses
        self._dispatcher_chat = dispatcher_chat_id
        self._admins = set(admin_ids)

    async def on_callback(self, query: dict[str, Any], answer: Answer) -> None:
        match = CALLBACK_RE.match(str(query.get("data") or ""))
        if not match:
            await answer(query, "Эта кнопка больше не работает", False)
            return
        presser = query.get("from") or {}
        message_chat = ((query.get("message") or {}).get("chat") or {}).get("id")
        allowed = presser.get("id") in self._admins or (
            self._dispatcher_chat is not None and message_chat == self._dispatcher_chat)
        if not allowed:
            await answer(query, "Извините, решения по откликам принимают только диспетчеры", True)
            return
        try:
            view, changed = await self._responses.decide(int(match.group(1)), match.group(2),
                                                         f"dispatcher:{presser.get('id')} {_who(presser)}")
        except CargotoolError as exc:
            await answer(query, exc.message, True)
            return
        if changed:
            await answer(query, DONE[match.group(2)], False)
        else:
            await answer(query, f"Уже решено: отклик {status_word(view.status)}", True)


def register(router: Router, buttons: DecisionButtons) -> None:
    router.callback(PREFIX, buttons.on_callback)
