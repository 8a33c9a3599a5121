"""What the bot tells a driver about their subscription: a payment went through, it ends in 3 days, it
has ended. Sent through the outbox; de-duplication keys make each message go once per expiry date."""

from __future__ import annotations

import datetime as dt

from ..messaging.buttons import plans_button, webapp_button
from ..messaging.outbox import Outbox
from ..cargo.formatting import to_moscow
from .subscriptions import Subscriptions

SOON = "⏳ Подписка заканчивается {date}. Продлите, чтобы не потерять контакты и отклики."
ENDED = "Подписка закончилась {date}. Продлить можно в приложении."


def _date(moment: dt.datetime) -> str:
    return to_moscow(moment).strftime("%d.%m.%Y")


class BillingNotices:
    def __init__(self, outbox: Outbox, subscriptions: Subscriptions, webapp_url: str) -> None:
        self._outbox = outbox
        self._subscriptions = subscriptions
        self._webapp_url = webapp_url

    async def paid(self, driver_id: int, expires_at: dt.datetime) -> None:
        await self._outbox.send("sendMessage", {
            "chat_id": driver_id, "text": f"✅ Оплата прошла. Доступ открыт до {_date(expires_at)}.",
            "reply_markup": {"inline_keyboard": [[webapp_button(self._webapp_url, "Открыть грузы")]]},
        }, key=f"paid:{driver_id}:{expires_at.timestamp():.0f}")

    async def remind_expiring(self) -> int:
        """DM drivers 3 days before their subscription ends and when it has ended; returns how many were queued."""
        now = dt.datetime.now(dt.timezone.utc)
        queued = 0
        for stage, start, end, text in (("soon", now, now + dt.timedelta(days=3), SOON),
                                        ("ended", now - dt.timedelta(days=1), now, ENDED)):
            for sub in await self._subscriptions.expiring(start, end):
                item = await self._outbox.send("sendMessage", {
                    "chat_id": sub.driver_id, "text": text.format(date=_date(sub.expires_at)),
                    "reply_markup": {"inline_keyboard": [[plans_button(self._webapp_url)]]},
                }, key=f"remind:{stage}:{sub.driver_id}:{sub.expires_at.timestamp():.0f}")
                queued += int(item is not None)
        return queued
