"""Who sees a load's contacts, and «Контакты в чат»: the bot sends them to the driver, where phones are
tappable. Both are behind the paywall's `contacts` part."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Protocol

from ..billing.paywall import Part
from ..errors import NotConfigured, NotFound
from .card import Details, phones_of, read_card, route_of

log = logging.getLogger(__name__)

NO_BOT = "Бот сейчас не может прислать контакты — перепишите их с экрана"
NO_CONTACTS = "У этого груза нет контактов"


class Gate(Protocol):
    async def allows(self, driver_id: int, part: Part) -> bool: ...

    async def require(self, driver_id: int, part: Part) -> None: ...


class Sender(Protocol):
    async def send(self, method: str, params: dict[str, Any], *, key: str | None = None) -> str | None: ...


def hide(card: dict[str, Any]) -> dict[str, Any]:
    """The card as a driver without access to contacts sees it."""
    card["contacts"] = []
    card["contacts_hidden"] = True
    return card


def contacts_text(cargo_id: str, card: dict[str, Any]) -> str | None:
    """The chat message with the load's phones; None when it has none."""
    phones = phones_of(card)
    if not phones:
        return None
    lines = [f"Контакты по грузу {route_of(card)} (№ {cargo_id}):"]
    lines += [f"{name or 'Контакт'}: {phone}" for name, phone in phones]
    return "\n".join(lines)


class Contacts:
    def __init__(self, *, cargos: Details, paywall: Gate, outbox: Sender, bot_configured: bool,
                 clock: Callable[[], float] = time.time) -> None:
        self._cargos = cargos
        self._paywall = paywall
        self._outbox = outbox
        self.bot_configured = bot_configured  # without TELEGRAM_BOT_TOKEN nothing would reach the chat
        self._clock = clock

    async def card_for(self, driver_id: int, cargo_id: str) -> dict[str, Any]:
        """The load's card for this driver: without access to contacts, none (and `contacts_hidden`)."""
        card = await read_card(self._cargos, cargo_id)
        if not await self._paywall.allows(driver_id, Part.CONTACTS):
            hide(card)
        return card

    async def send_to_chat(self, driver_id: int, cargo_id: str) -> None:
        """Queue the load's contacts to the driver's chat (once a minute per load, however often pressed)."""
        await self._paywall.require(driver_id, Part.CONTACTS)
        if not self.bot_configured:
            log.warning("contacts to chat refused: the bot is not configured (TELEGRAM_BOT_TOKEN)")  # the operator's
            raise NotConfigured(NO_BOT)
        card = await read_card(self._cargos, cargo_id)
        text = contacts_text(cargo_id, card)
        if text is None:
            raise NotFound(NO_CONTACTS)
        minute = int(self._clock() // 60)
        await self._outbox.send("sendMessage", {"chat_id": driver_id, "text": text},
                                key=f"contact:{driver_id}:{cargo_id}:{minute}")
