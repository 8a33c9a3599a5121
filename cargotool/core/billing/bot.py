"""The bot's side of billing: Telegram Stars payments (`successful_payment` messages) and /paysupport,
put into the bot's router."""

from __future__ import annotations

from ..messaging.router import Router
from .paysupport import PaySupport
from .stars import StarsPayments

PAYSUPPORT_HELP = "• /paysupport — помощь с оплатой и возвратом"


def register(router: Router, stars: StarsPayments, paysupport: PaySupport) -> None:
    """Both read messages before the commands: a payment arrives as a message, and /paysupport takes the
    driver's next message (and operators' replies in the dispatcher chat)."""
    router.message_hook(stars.on_message)
    router.message_hook(paysupport.on_message)
    router.help(PAYSUPPORT_HELP, "payments")
    router.menu_item("/paysupport", "Помощь с оплатой и возвратом", "payments")
