"""Writing to Telegram: the Bot API client, the outbox every feature sends through, and whether the bot
can still write to a driver (a 403 marks them, their next message clears it)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ..config import Settings
from ..core.cargo.share import LoadSharer
from ..core.drivers.reach import BotReach
from ..core.messaging.api import BotApi
from ..core.messaging.outbox import Outbox
from .storage import Storage


@dataclass(frozen=True)
class Messaging:
    bot_api: BotApi | None  # None without TELEGRAM_BOT_TOKEN: messages wait in the outbox
    outbox: Outbox
    reach: BotReach
    sharer: LoadSharer


def build_messaging(settings: Settings, storage: Storage, bot_transport: httpx.AsyncBaseTransport | None = None) -> Messaging:
    """`bot_transport`: a test's Telegram stand-in."""
    bot_api = (BotApi(settings.bot_token, settings.telegram_api_url, transport=bot_transport)
               if settings.telegram_bot_token else None)
    reach = BotReach(storage.database, storage.audit)
    outbox = Outbox(storage.redis, storage.keys, bot_api, on_blocked=reach.lost)
    return Messaging(bot_api, outbox, reach, LoadSharer(bot_api))
