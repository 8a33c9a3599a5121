"""«Поделиться грузом»: a message another driver can receive, prepared by the bot for the Mini App's
`shareMessage` (Bot API `savePreparedInlineMessage`, Mini Apps 8.0).

The message names the route, the loading dates and the price, with a button that opens this load in the Mini
App. In someone else's chat only a link button works (web_app buttons are for the bot's own private chat), so the
button is the bot's `t.me/<bot>?startapp=c_<id>` link: the Mini App opens at that load (js/main.js)."""

from __future__ import annotations

from typing import Any

from ..errors import NotConfigured
from ..messaging.api import BotApi


def share_text(detail: dict[str, Any]) -> str:
    display = detail.get("display") or {}
    lines = [f"🚚 {display.get('route') or 'Груз'}",
             f"Погрузка: {display.get('loading') or '—'}",
             f"Цена: {display.get('price') or '—'}"]
    if display.get("weight") and display.get("weight") != "—":
        lines.append(f"Вес: {display['weight']}")
    return "\n".join(lines)


class LoadSharer:
    def __init__(self, api: BotApi | None) -> None:
        self._api = api
        self._username: str | None = None

    async def _bot_username(self) -> str:
        if self._username is None:
            me = await self._api.call("getMe")
            self._username = str(me["username"])
        return self._username

    async def prepare(self, driver_id: int, detail: dict[str, Any]) -> dict[str, Any]:
        """Ask Telegram to keep the message for this driver; returns `{"id", "expiration_date"}`."""
        if self._api is None:
            raise NotConfigured("Поделиться пока нельзя: бот не подключён")
        cargo_id = str(detail["id"])
        link = f"https://t.me/{await self._bot_username()}?startapp=c_{cargo_id}"
        text = share_text(detail)
        result = {
            "type": "article", "id": f"load-{cargo_id}",
            "title": (detail.get("display") or {}).get("route") or "Груз",
            "description": text.split("\n", 1)[-1].replace("\n", " · "),
            "input_message_content": {"message_text": text + f"\n\nГруз № {cargo_id}"},
            "reply_markup": {"inline_keyboard": [[{"text": "Открыть груз", "url": link}]]},
        }
        prepared = await self._api.call("savePreparedInlineMessage", {
            "user_id": driver_id, "result": result, "allow_user_chats": True, "allow_group_chats": True})
        return {"id": prepared["id"], "expiration_date": prepared.get("expiration_date")}
