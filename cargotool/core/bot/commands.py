"""The conversation's own commands: /start (with a load's deep link), /help (built from what the router
holds), /responses and /status. Everything else a driver can say is registered by the features."""

from __future__ import annotations

import re
from typing import Any

from ..billing.subscriptions import Subscriptions
from ..cargo.formatting import format_rub, to_moscow
from ..messaging.buttons import open_load_button, webapp_button
from ..messaging.router import Router
from ..responses.service import ResponseService, status_word

INTRO = "Я помогаю водителям находить грузы CargoTech.\n\n"
OUTRO = "\n\nО каждом решении диспетчера по вашему отклику я напишу сюда."


class Conversation:
    def __init__(self, *, router: Router, responses: ResponseService, webapp_url: str,
                 subscriptions: Subscriptions | None = None) -> None:
        self._router = router
        self._responses = responses
        self._webapp_url = webapp_url
        self._subscriptions = subscriptions

    def help_text(self) -> str:
        return INTRO + self._router.help_lines() + OUTRO

    async def help(self, chat_id: int, argument: str) -> tuple[str, list]:
        """/help, and the answer to anything the bot does not understand."""
        return self.help_text(), [[self._app_button()]]

    async def start(self, chat_id: int, payload: str) -> tuple[str, list]:
        match = re.fullmatch(r"c_(\d{1,20})", payload.strip())
        if match:
            return "Открываю груз — нажмите кнопку:", [[open_load_button(self._webapp_url, match.group(1))]]
        return "Здравствуйте! " + self.help_text(), [[self._app_button()]]

    async def responses(self, chat_id: int, argument: str) -> tuple[str, list]:
        return await self._responses_list(chat_id, with_subscription=False)

    async def status(self, chat_id: int, argument: str) -> tuple[str, list]:
        return await self._responses_list(chat_id, with_subscription=True)

    async def _responses_list(self, chat_id: int, with_subscription: bool) -> tuple[str, list]:
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
        return "\n".join(lines), [[self._app_button()]]

    def _app_button(self) -> dict[str, Any]:
        return webapp_button(self._webapp_url, "Открыть грузы")


def register(router: Router, conversation: Conversation) -> None:
    router.help("• Откройте приложение кнопкой ниже: фильтры, грузы, контакты, отклики.", "app")
    router.command("/start", conversation.start, section="app", menu="Открыть грузы")
    router.command("/help", conversation.help, section="help", help="• /help — эта подсказка", menu="Помощь")
    router.command("/responses", conversation.responses, section="responses",
                   help="• /responses — ваши отклики и их статусы", menu="Мои отклики")
    router.command("/status", conversation.status, section="responses",
                   help="• /status — подписка и последние отклики", menu="Подписка и последние отклики")
