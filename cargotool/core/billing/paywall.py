"""The paywall: may this driver use this part of the product?

A part (a flag such as "paywall.contacts", see flags.py) is open to a driver when its flag is off or the
driver's subscription is active. Both reads are cached, so a check costs no DB query. Every caller — the
server's handlers, the alerts, the automatic responses, the CLI — asks here by the same `Part` names, and
`require` refuses with the driver's text."""

from __future__ import annotations

from enum import Enum

from ..errors import PaymentRequired
from .flags import Flags
from .subscriptions import Subscriptions


class Part(str, Enum):
    """A part of the product behind the paywall; the value is its flag's name."""

    CONTACTS = "paywall.contacts"  # a load's contacts (the card shows none; no contacts to the chat)
    RESPOND = "paywall.respond"  # responding to a load, by hand or automatically
    ALERTS = "paywall.alerts"  # new-load alerts of saved searches


REFUSALS = {
    Part.CONTACTS: "Контакты доступны с подпиской — выберите тариф",
    Part.RESPOND: "Откликаться можно с подпиской — выберите тариф",
    Part.ALERTS: "Уведомления о новых грузах доступны с подпиской — выберите тариф",
}
SHOWN = (Part.CONTACTS, Part.RESPOND, Part.ALERTS)  # the parts the Mini App is told about (it marks them as paid;
# alerts: «Свободен с…» says new loads come in the bot only when they will)


class Paywall:
    def __init__(self, flags: Flags, subscriptions: Subscriptions) -> None:
        self._flags = flags
        self._subscriptions = subscriptions

    async def allows(self, driver_id: int, part: Part) -> bool:
        if not await self._flags.enabled(Part(part).value):
            return True
        return (await self._subscriptions.status(driver_id)).active

    async def require(self, driver_id: int, part: Part) -> None:
        """Raise PaymentRequired (with the text the driver sees) unless the part is open to this driver."""
        if not await self.allows(driver_id, part):
            raise PaymentRequired(REFUSALS[Part(part)])

    async def switches(self) -> dict[str, bool]:
        """Which of the shown parts are behind the paywall now, by flag name."""
        return {part.value: await self._flags.enabled(part.value) for part in SHOWN}
