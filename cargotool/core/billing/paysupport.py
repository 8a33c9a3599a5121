"""/paysupport (Telegram's terms for bots that take payments require it): how to get help with a payment,
the refund policy, and a way to write to the operators.

After /paysupport the driver's next text message (or `/paysupport <text>` at once) goes to the dispatcher
chat through the outbox, with who wrote it and their last payments. An operator who replies to that
message in the chat (Telegram's «Ответить») has the reply sent to the driver by the bot.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import redis.asyncio as aioredis

from ..cargo.formatting import format_rub, to_moscow
from ..storage.db import Database
from ..storage.models import Payment
from ..storage.redis import Keys
from ..messaging.outbox import Outbox

log = logging.getLogger(__name__)

WAIT_SECONDS = 15 * 60  # after /paysupport, the next message within this time goes to the operators
THREAD_SECONDS = 30 * 86400  # an operator can answer a forwarded message for this long
MAX_TEXT = 3000

HELP = (
    "Помощь с оплатой\n\n"
    "• Оплатили, а подписка не продлилась? Обычно доступ открывается в течение пары минут: проверьте /status. "
    "Если подписки всё нет — напишите нам, приложите время оплаты.\n"
    "• Возврат. Напишите, за какой платёж и почему. Оператор проверит и оформит возврат: оплату картой — "
    "полностью или частично, на ту же карту (срок зачисления зависит от банка); оплату звёздами — целиком, "
    "звёзды вернутся на ваш баланс в Telegram. Подписка сокращается на возвращённую часть срока.\n"
    "• Автопродление подписки за звёзды отключается в приложении, на экране тарифов.\n\n"
)
PROMPT = "Напишите одним сообщением, что случилось, — я передам операторам. Ответ придёт сюда."
NO_CHAT = "Передать сообщение операторам сейчас не получается. Попробуйте позже."
SENT = "Передал операторам. Ответ придёт сюда, в этот чат."
STATUS_WORDS = {"new": "создан", "pending": "ждёт оплаты", "waiting_for_capture": "ждёт подтверждения",
                "succeeded": "оплачен", "canceled": "отменён"}


def _payment_line(row: Payment) -> str:
    price = f"⭐ {row.stars}" if row.method == "stars" else format_rub(row.amount_kopecks)
    refunded = row.refunded_stars if row.method == "stars" else row.refunded_kopecks
    line = (f"• {to_moscow(row.created_at).strftime('%d.%m %H:%M')} — {html.escape(row.plan_id)}, {price}, "
            f"{STATUS_WORDS.get(row.status, html.escape(row.status))}")
    if refunded:
        line += ", возвращён"
    return line + f", <code>{html.escape(row.id)}</code>"


class PaySupport:
    def __init__(self, redis: aioredis.Redis, keys: Keys, outbox: Outbox, database: Database,
                 dispatcher_chat_id: int | None) -> None:
        self._redis = redis
        self._keys = keys
        self._outbox = outbox
        self._db = database
        self._chat = dispatcher_chat_id
        outbox.register("paysupport", on_sent=self._remember)

    async def on_message(self, message: dict[str, Any], update_id: Any = None) -> bool:
        """The bot's hook for messages: /paysupport, the message after it, and operators' replies."""
        chat = message.get("chat") or {}
        if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
            return await self._operator_reply(message, update_id)
        text = (message.get("text") or message.get("caption") or "").strip()
        command, _, argument = text.partition(" ")
        command = command.split("@", 1)[0].lower()
        waiting = self._keys(f"paysupport:waiting:{chat['id']}")
        if command == "/paysupport":
            if argument.strip():
                await self._forward(message, argument.strip(), update_id)
                return True
            if self._chat is None:
                log.warning("/paysupport cannot pass messages on: TELEGRAM_DISPATCHER_CHAT_ID is not set")
                await self._reply(chat["id"], HELP + NO_CHAT, update_id)
                return True
            await self._redis.set(waiting, "1", ex=WAIT_SECONDS)
            await self._reply(chat["id"], HELP + PROMPT, update_id)
            return True
        if text.startswith("/"):
            await self._redis.delete(waiting)  # another command: the driver changed their mind
            return False
        if text and await self._redis.delete(waiting):
            await self._forward(message, text, update_id)
            return True
        return False

    async def _forward(self, message: dict[str, Any], text: str, update_id: Any) -> None:
        driver = message.get("from") or {}
        driver_id = (message.get("chat") or {})["id"]
        if self._chat is None:
            log.warning("/paysupport cannot pass messages on: TELEGRAM_DISPATCHER_CHAT_ID is not set")
            await self._reply(driver_id, NO_CHAT, update_id)
            return
        name = " ".join(p for p in (driver.get("first_name"), driver.get("last_name")) if p) or f"id {driver_id}"
        who = f'<a href="tg://user?id={driver_id}">{html.escape(name)}</a>'
        if driver.get("username"):
            who += " @" + html.escape(driver["username"])
        payments = await self._db.run(lambda: list(Payment.select().where(Payment.driver == driver_id)
                                                   .order_by(Payment.created_at.desc()).limit(3)))
        lines = ["💬 <b>Вопрос об оплате</b>", f"От: {who}, id {driver_id}"]
        lines += ["Последние платежи:", *map(_payment_line, payments)] if payments else ["Платежей нет."]
        lines += ["", html.escape(text[:MAX_TEXT]), "", "Ответьте на это сообщение — бот перешлёт ответ водителю."]
        await self._outbox.send("sendMessage", {"chat_id": self._chat, "text": "\n".join(lines), "parse_mode": "HTML"},
                                key=f"paysupport:{update_id}" if update_id is not None else None,
                                kind="paysupport", context={"driver_id": driver_id})
        await self._reply(driver_id, SENT, update_id)

    async def _remember(self, payload: dict[str, Any], result: Any) -> None:
        """The forwarded message's id → its driver, so an operator's reply to it finds them."""
        if isinstance(result, dict) and isinstance(result.get("message_id"), int):
            await self._redis.set(self._keys(f"paysupport:thread:{result['message_id']}"),
                                  payload["context"]["driver_id"], ex=THREAD_SECONDS)

    async def _operator_reply(self, message: dict[str, Any], update_id: Any) -> bool:
        original = message.get("reply_to_message") or {}
        text = (message.get("text") or "").strip()
        if self._chat is None or (message.get("chat") or {}).get("id") != self._chat or not text \
                or not isinstance(original.get("message_id"), int):
            return False
        driver_id = await self._redis.get(self._keys(f"paysupport:thread:{original['message_id']}"))
        if driver_id is None:
            return False
        await self._outbox.send("sendMessage", {"chat_id": int(driver_id), "text": "Ответ оператора об оплате:\n\n" + text[:MAX_TEXT]},
                                key=f"paysupport-reply:{update_id}" if update_id is not None else None)
        return True

    async def forget(self, driver_id: int) -> int:
        """Forgetting a driver: drop which forwarded messages were theirs (an operator's reply no longer reaches
        them) and a pending /paysupport. The messages already in the dispatcher chat are the carrier's."""
        mine = [key async for key in self._redis.scan_iter(match=self._keys("paysupport:thread:*"), count=500)
                if await self._redis.get(key) == str(driver_id)]
        await self._redis.delete(self._keys(f"paysupport:waiting:{driver_id}"), *mine)
        return len(mine)

    async def _reply(self, chat_id: int, text: str, update_id: Any) -> None:
        await self._outbox.send("sendMessage", {"chat_id": chat_id, "text": text},
                                key=f"paysupport-answer:{update_id}" if update_id is not None else None)
