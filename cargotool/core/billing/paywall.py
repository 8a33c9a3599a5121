"""The paywall: a part of the product (a flag such as "paywall.contacts") is open to a driver when the
flag is off or the driver's subscription is active. Both reads are cached, so this costs no DB query."""

from __future__ import annotations

from .flags import Flags
from .subscriptions import Subscriptions


class Paywall:
    def __init__(self, flags: Flags, subscriptions: Subscriptions) -> None:
        self._flags = flags
        self._subscriptions = subscriptions

    async def allows(self, driver_id: int, part: str) -> bool:
        if not await self._flags.enabled(part):
            return True
        return (await self._subscriptions.status(driver_id)).active
