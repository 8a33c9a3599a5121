"""The bot asks a driver how long they waited at the dock after an accepted load (core/insights/waits.py).

Once per trip: the loading question when both windows have passed, then, after the answer, the
unloading one. Buttons carry `wt:<trip id>:<l|u>:<answer>`; only the trip's driver can answer, and
pressing again changes the answer.
"""

from __future__ import annotations

import re
from typing import Any

from .trust import TripBook
from .waits import WAIT_ANSWERS, Question, WaitBook
from ..messaging.outbox import Outbox
from ..messaging.router import Answer, Router

PREFIX = "wt"
CALLBACK_RE = re.compile(r"^wt:(\d{1,12}):([lu]):(\w{1,8})$")
SIDE_WORD = {"l": "погрузке", "u": "выгрузке"}


def keyboard(trip_id: int, side: str) -> list[list[dict[str, str]]]:
    buttons = [{"text": label, "callback_data": f"{PREFIX}:{trip_id}:{side}:{code}"} for code, label in WAIT_ANSWERS.items()]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


class WaitQuestions:
    def __init__(self, waits: WaitBook, trips: TripBook, outbox: Outbox) -> None:
        self._waits = waits
        self._trips = trips
        self._outbox = outbox

    async def ask_due(self) -> int:
        """Ask about every trip that became due; returns how many drivers were asked."""
        await self._trips.sync()
        questions = await self._waits.due()
        for question in questions:
            await self._ask(question)
        return len(questions)

    async def _ask(self, q: Question) -> None:
        text = (f"Груз {q.route} (№ {q.cargo_id}): сколько пришлось ждать на {SIDE_WORD[q.side]}?\n"
                "Ответ увидят другие водители только в общей статистике, без вашего имени.")
        await self._outbox.send("sendMessage", {"chat_id": q.driver_id, "text": text,
                                                "reply_markup": {"inline_keyboard": keyboard(q.trip_id, q.side)}},
                                key=f"wait:{q.trip_id}:{q.side}")

    async def on_callback(self, query: dict[str, Any], answer: Answer) -> None:
        match = CALLBACK_RE.match(str(query.get("data") or ""))
        presser = (query.get("from") or {}).get("id")
        if not match or not isinstance(presser, int):
            await answer(query, "Эта кнопка больше не работает", False)
            return
        trip_id, side, code = int(match.group(1)), match.group(2), match.group(3)
        trip = await self._waits.answer(trip_id, presser, side, code)
        if trip is None:
            await answer(query, "Этот вопрос не о вашем рейсе", True)
            return
        await answer(query, f"Спасибо! Записали: {WAIT_ANSWERS[code]}", False)
        message = query.get("message") or {}
        chat_id, message_id = (message.get("chat") or {}).get("id"), message.get("message_id")
        if chat_id is not None and message_id is not None:
            await self._outbox.send("editMessageText", {
                "chat_id": chat_id, "message_id": message_id,
                "text": f"{message.get('text') or 'Простой'}\n\nВаш ответ: {WAIT_ANSWERS[code]} ✓",
                "reply_markup": {"inline_keyboard": keyboard(trip_id, side)}},
                key=f"wait-edit:{trip_id}:{side}:{code}:{query.get('id')}")
        if side == "l" and trip.unload_wait is None:
            route = f"{trip.from_city or '?'} → {trip.to_city or '?'}"
            await self._ask(Question(trip.id, trip.driver_id, trip.cargo_id, route, "u"))


def register(router: Router, questions: WaitQuestions) -> None:
    """The answer buttons (`wt:…`) go to the questions."""
    router.callback(PREFIX, questions.on_callback)
