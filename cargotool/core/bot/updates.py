"""Incoming bot updates: accepted quickly, processed once, durably.

The webhook only records the update (de-duplicated by `update_id`, since Telegram redelivers) in a
durable queue and answers; a background loop processes it. A crash between the two loses nothing:
the queued update is processed after the restart.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis.asyncio as aioredis

from ..waiting import repeat_until
from ..storage.outage import DOWN
from ..storage.queue import DurableQueue
from ..storage.redis import Keys
from .handlers import BotHandlers

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
OUTAGE_RETRY_SECONDS = 5.0
DEDUPE_SECONDS = 2 * 86400  # Telegram keeps undelivered updates for 24 hours


class UpdateInbox:
    def __init__(self, redis: aioredis.Redis, keys: Keys, handlers: BotHandlers) -> None:
        self.queue = DurableQueue(redis, keys, "bot:updates")
        self._handlers = handlers
        self._wake = asyncio.Event()

    async def accept(self, update: dict[str, Any]) -> bool:
        """Queue a new update; False when this update_id was seen before."""
        update_id = update.get("update_id")
        queued = await self.queue.put({"update": update, "attempts": 0}, dedupe_key=f"update:{update_id}",
                                      dedupe_ttl=DEDUPE_SECONDS)
        if queued:
            self._wake.set()
        return queued is not None

    async def process_due(self, limit: int = 20) -> int:
        done = 0
        for item in await self.queue.claim(limit=limit, lease=120):
            try:
                await self._handlers.handle(item.payload["update"])
            except DOWN:  # Redis or the database away: not the update's fault, keep it (no attempt counted)
                await self.queue.retry(item.id, OUTAGE_RETRY_SECONDS)
                continue
            except Exception as exc:
                attempts = item.payload.get("attempts", 0) + 1
                log.warning("bot update failed (%s), attempt %d", type(exc).__name__, attempts, exc_info=True)
                if attempts >= MAX_ATTEMPTS:
                    await self.queue.bury(item.id, item.payload, type(exc).__name__)
                else:
                    await self.queue.retry(item.id, 2.0 ** attempts, {**item.payload, "attempts": attempts})
                continue
            await self.queue.ack(item.id)
            done += 1
        return done

    async def run(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        await repeat_until(stop, self._wake, self.process_due, idle=idle, name="bot updates")
