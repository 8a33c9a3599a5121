"""Responses in the dispatcher chat, and status messages to drivers — all through the outbox.

The dispatcher message is built from the response's current state each time it is sent or edited, so
concurrent changes always end with the latest state on screen.
"""

from __future__ import annotations

import html
from typing import Any

from ..cargo.formatting import format_rub, group_digits, to_moscow
from ..responses.service import ACCEPTED, ACTIVE, DECLINED, EXPIRED, SENT, VIEWED, WITHDRAWN, ResponseService, ResponseView
from ..storage.models import DriverRecord
from ..messaging.buttons import open_load_button
from ..messaging.outbox import Outbox

STATUS_LINES = {
    SENT: "🆕 Новый", VIEWED: "👀 Смотрит диспетчер", ACCEPTED: "✅ Принят", DECLINED: "❌ Отклонён",
    WITHDRAWN: "↩️ Отозван водителем", EXPIRED: "⌛ Истёк",
}
DRIVER_MESSAGES = {
    VIEWED: "👀 Диспетчер смотрит ваш отклик",
    ACCEPTED: "✅ Ваш отклик принят! Диспетчер свяжется с вами",
    DECLINED: "❌ Ваш отклик отклонён",
    EXPIRED: "⌛ Отклик истёк: груз снят или ответа не было",
}


def _driver_line(driver: DriverRecord | None, view: ResponseView) -> str:
    if driver is None:
        return f"Водитель id {view.driver_id}"
    name = " ".join(p for p in (driver.first_name, driver.last_name) if p) or f"id {driver.telegram_id}"
    parts = [html.escape(name)]
    if driver.username:
        parts.append("@" + html.escape(driver.username))
    if view.phone:
        parts.append(html.escape(view.phone))
    return ", ".join(parts)


def dispatcher_text(view: ResponseView, driver: DriverRecord | None) -> str:
    cargo = view.cargo
    display = cargo.get("display") or {}
    posted = cargo.get("price_kopecks")
    lines = [f"<b>🚚 Отклик №{view.id}</b>" + (" (обновлён)" if view.version > 1 else "")]
    lines.append(f"Маршрут: <b>{html.escape(display.get('route') or '?')}</b>")
    lines.append(f"Погрузка: {html.escape(display.get('loading') or '—')}")
    specs = [f"{display['weight']} т" if display.get("weight") not in (None, "—") else None,
             f"{group_digits(round(cargo['volume_m3']))} м³" if cargo.get("volume_m3") else None,
             f"{group_digits(cargo['distance_km'])} км" if cargo.get("distance_km") else None]
    lines.append("Груз: " + (" · ".join(s for s in specs if s) or "—"))
    lines.append(f"Цена: {format_rub(posted)}" + (f" ({html.escape(display['rate'])})" if display.get("rate") not in (None, "—") else ""))
    offer = f"Предложение: <b>{format_rub(view.rate_kopecks)}</b>"
    if posted:
        diff = view.rate_kopecks - posted
        sign = "+" if diff > 0 else "−" if diff < 0 else "±"
        offer += f" ({sign}{format_rub(abs(diff))}, {sign}{abs(diff) / posted * 100:.1f} %)".replace(".", ",")
    lines.append(offer)
    if view.comment:
        lines.append(f"Комментарий: {html.escape(view.comment)}")
    lines.append(f"Водитель: {_driver_line(driver, view)}")
    lines.append(f"Груз CargoTech № {html.escape(view.cargo_id)}")
    if cargo.get("source_url"):
        lines.append(f"Источник: {html.escape(cargo['source_url'])}")
    status = STATUS_LINES.get(view.status, view.status)
    if view.decided_by and view.decided_at:
        when = to_moscow(view.decided_at).strftime("%d.%m %H:%M")
        status += f" — {html.escape(view.decided_by.split(' ', 1)[-1])}, {when}"
    lines.append(f"Статус: {status}")
    return "\n".join(lines)


def dispatcher_keyboard(view: ResponseView) -> dict[str, Any] | None:
    if view.status not in ACTIVE:
        return {"inline_keyboard": []}
    row = [{"text": "Принять", "callback_data": f"resp:{view.id}:accept"},
           {"text": "Отклонить", "callback_data": f"resp:{view.id}:decline"}]
    keyboard = [row]
    if view.status == SENT:
        keyboard.append([{"text": "👀 Смотрю", "callback_data": f"resp:{view.id}:view"}])
    return {"inline_keyboard": keyboard}


class ChatDispatch:
    """The `Dispatch` of ResponseService: the dispatcher chat and the drivers' private chats."""

    def __init__(self, outbox: Outbox, responses: ResponseService, dispatcher_chat_id: int | None, webapp_url: str) -> None:
        self._outbox = outbox
        self._responses = responses
        self._chat = dispatcher_chat_id
        self._webapp_url = webapp_url
        outbox.register("dispatch", on_sent=self._remember_message)
        outbox.register("dispatch_edit", prepare=self._current_edit)

    async def response_changed(self, view: ResponseView, driver: DriverRecord | None, event: str,
                               previous: ResponseView | None = None) -> None:
        if self._chat is not None:
            if event == "created":
                await self._outbox.send("sendMessage", {
                    "chat_id": self._chat, "text": dispatcher_text(view, driver), "parse_mode": "HTML",
                    "link_preview_options": {"is_disabled": True}, "reply_markup": dispatcher_keyboard(view),
                }, key=f"dispatch:{view.id}:created", kind="dispatch", context={"response_id": view.id})
            else:
                await self._outbox.send("editMessageText", {"chat_id": self._chat}, kind="dispatch_edit",
                                        key=f"dispatch:{view.id}:edit:{event}:v{view.version}",
                                        context={"response_id": view.id})
            if event == "updated" and previous is not None:
                await self._outbox.send("sendMessage", {
                    "chat_id": self._chat, "parse_mode": "HTML",
                    "text": f"✏️ Отклик №{view.id}: водитель изменил ставку "
                            f"{format_rub(previous.rate_kopecks)} → <b>{format_rub(view.rate_kopecks)}</b>",
                }, key=f"dispatch:{view.id}:notice:v{view.version}")
        message = DRIVER_MESSAGES.get(event)
        if message and driver is not None and driver.bot_blocked_at is None:
            route = (view.cargo.get("display") or {}).get("route") or f"груз {view.cargo_id}"
            await self._outbox.send("sendMessage", {
                "chat_id": view.driver_id,
                "text": f"{message}\n{route}, ваша ставка {format_rub(view.rate_kopecks)}",
                "reply_markup": {"inline_keyboard": [[open_load_button(self._webapp_url, view.cargo_id)]]},
            }, key=f"notify:{view.id}:{event}:v{view.version}")

    async def _remember_message(self, payload: dict[str, Any], result: Any) -> None:
        if isinstance(result, dict) and isinstance(result.get("message_id"), int):
            await self._responses.set_dispatcher_message(payload["context"]["response_id"], result["message_id"])

    async def _current_edit(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        view = await self._responses.get(payload["context"]["response_id"])
        if view is None or view.dispatcher_message_id is None:
            return None  # the first message is not out yet
        driver = await self._responses.driver(view.driver_id)
        return {"chat_id": payload["params"]["chat_id"], "message_id": view.dispatcher_message_id,
                "text": dispatcher_text(view, driver), "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True}, "reply_markup": dispatcher_keyboard(view)}
