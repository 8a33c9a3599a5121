"""The bot's side of privacy: `/privacy`, `/forget_me` (asked to confirm with a button first), `/forget_location`
(withdraws consent and so erases the position), and consent before
a live location is used (asked once per share; its points are ignored until the driver says yes).

`register` puts them into the bot's router (commands, buttons `fm:…` and `cs:…`, the location gate)."""

from __future__ import annotations

import re
from typing import Any

from ..messaging.outbox import Outbox
from ..messaging.router import Answer, Router
from .consent import PURPOSES, Consents
from .forget import Forgetter, bot_text
from .policy import Policy, summary_text

FORGET_RE = re.compile(r"^fm:(yes|no)$")
CONSENT_RE = re.compile(r"^cs:live:(y|n)$")
CONFIRM_TEXT = ("Удалить ваши данные? Удалятся местоположение, расход топлива, поиски и уведомления, сессии, "
                "согласия, телефон в откликах и авторство отзывов. Записи о платежах останутся: их хранения "
                "требует закон о бухгалтерском учёте. Сообщения, уже отправленные в чат диспетчеров перевозчика, "
                "останутся у перевозчика. Отменить удаление будет нельзя.")
FORGOT_LOCATION = ("Геопозицию забыл: и трансляцию, и местоположение из приложения. Разрешение отозвано — "
                   "без него геопозицию не используем, при следующей трансляции спрошу снова.")


class PrivacyBot:
    def __init__(self, *, consents: Consents, forgetter: Forgetter, outbox: Outbox, policy: Policy, policy_url: str) -> None:
        self._consents = consents
        self._forgetter = forgetter
        self._outbox = outbox
        self._policy = policy
        self._url = policy_url

    def _policy_button(self) -> dict[str, str]:
        return {"text": "Политика конфиденциальности", "url": self._url}

    async def privacy(self, chat_id: int, argument: str) -> tuple[str, list]:
        return summary_text(self._policy, self._url), [[self._policy_button()]]

    async def forget_me(self, chat_id: int, argument: str) -> tuple[str, list]:
        return CONFIRM_TEXT, [[{"text": "Да, удалить мои данные", "callback_data": "fm:yes"}],
                              [{"text": "Отмена", "callback_data": "fm:no"}]]

    async def forget_location(self, chat_id: int, argument: str) -> tuple[str, list]:
        """`/forget_location`: withdraws consent (a "no" erases the live location and the Mini App's position)."""
        await self._consents.withdraw(chat_id, via="bot")
        return FORGOT_LOCATION, []

    async def on_forget(self, query: dict[str, Any], answer: Answer) -> None:
        match = FORGET_RE.match(str(query.get("data") or ""))
        presser = (query.get("from") or {}).get("id")
        chat = ((query.get("message") or {}).get("chat") or {})
        if not match or not isinstance(presser, int) or chat.get("id") != presser:
            await answer(query, "Эта кнопка больше не работает", False)
            return
        if match.group(1) == "no":
            await answer(query, "Хорошо, ничего не удаляю", False)
            return
        await self._forgetter.forget(presser, via="bot")
        await answer(query, "Данные удалены", False)
        await self._outbox.send("sendMessage", {"chat_id": presser, "text": bot_text(self._policy.contact)},
                                key=f"forgotten:{query.get('id')}")

    async def location_gate(self, chat_id: int, message: dict[str, Any]) -> bool:
        """True when this live location may be used; otherwise ask once for this share and ignore the point."""
        if "live_period" not in (message.get("location") or {}) and "edit_date" not in message:
            return True  # a one-off point: not kept anyway (core/alerts/location.py)
        if await self._consents.granted(chat_id, "live_location"):
            return True
        text = ("Вы транслируете геопозицию. Можно ли её использовать? " + PURPOSES["live_location"] +
                f"\nПодробнее — в политике конфиденциальности: {self._url}")
        keyboard = [[{"text": "Разрешаю", "callback_data": "cs:live:y"}, {"text": "Не разрешаю", "callback_data": "cs:live:n"}],
                    [self._policy_button()]]
        await self._outbox.send("sendMessage", {"chat_id": chat_id, "text": text, "reply_markup": {"inline_keyboard": keyboard}},
                                key=f"consent-ask:{chat_id}:{message.get('message_id')}")
        return False

    async def on_consent(self, query: dict[str, Any], answer: Answer) -> None:
        match = CONSENT_RE.match(str(query.get("data") or ""))
        presser = (query.get("from") or {}).get("id")
        if not match or not isinstance(presser, int):
            await answer(query, "Эта кнопка больше не работает", False)
            return
        yes = match.group(1) == "y"
        await self._consents.answer(presser, "live_location", yes, via="bot")
        await answer(query, "Спасибо, записали" if yes else "Хорошо, трансляцию не используем", False)
        await self._outbox.send("sendMessage", {
            "chat_id": presser,
            "text": ("Разрешение записано. Следующие точки трансляции будут учитываться; отозвать — /forget_location."
                     if yes else "Трансляцию не используем. Передумаете — начните трансляцию снова и разрешите.")},
            key=f"consent-done:{query.get('id')}")


def register(router: Router, bot: PrivacyBot) -> None:
    router.command("/privacy", bot.privacy, section="privacy", menu="Политика конфиденциальности",
                   help="• /privacy — как мы обращаемся с вашими данными, /forget_me — удалить их")
    router.command("/forget_me", bot.forget_me, section="privacy", menu="Удалить мои данные")
    router.command("/forget_location", bot.forget_location, section="location", menu="Забыть мою геопозицию",
                   help="• /forget_location — забыть мою геопозицию")
    router.callback("fm", bot.on_forget)
    router.callback("cs", bot.on_consent)
    router.location_gate(bot.location_gate)
