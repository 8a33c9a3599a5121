"""Automatic responses: a saved search's rule («ставка ≥ X ₽/км и/или ≥ Y ₽») answers a matching load
at its posted price — after an undo window, at most K a day, and marked as automatic for dispatchers.

A proposal waits in a durable queue for the undo window. Undo and sending both *take* the item
atomically, so exactly one of them wins: an undone response never reaches the dispatchers. Proposals
are made only with an alert sent at once (the driver must see it to be able to undo).
"""

from __future__ import annotations

import logging
import time

import redis.asyncio as aioredis

from ..billing.paywall import Part, Paywall
from ..drivers.sessions import Driver
from ..errors import CargotoolError
from ..loads.models import Load
from ..storage.db import Database
from ..storage.models import DriverRecord
from ..storage.queue import DurableQueue
from ..storage.redis import Keys
from .searches import Search

log = logging.getLogger(__name__)

COMMENT = "🤖 Автоотклик: водитель настроил отклик по правилу поиска «{name}» (ставка = цена груза)"


class AutoResponder:
    def __init__(self, *, redis: aioredis.Redis, keys: Keys, database: Database, responses, paywall: Paywall,
                 undo_seconds: int, per_day: int, hidden=None) -> None:
        """`hidden.excluded(driver_id, cargo_id, inn)`: never answer a load or company the driver hid."""
        self._hidden = hidden
        self.queue = DurableQueue(redis, keys, "alerts:auto")
        self._redis = redis
        self._keys = keys
        self._db = database
        self._responses = responses
        self._paywall = paywall
        self.undo_seconds = undo_seconds
        self.per_day = per_day

    def _day_key(self, driver_id: int) -> str:
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 3600))  # the Moscow day
        return self._keys(f"alerts:auto-day:{driver_id}:{day}")

    async def propose(self, search: Search, cargo: Load, price_kopecks: int | None, rate_kopecks: int | None) -> str | None:
        """Queue an automatic response if the rule accepts this load and today's cap allows; its id or None."""
        rule = search.auto_rule
        if rule is None or not rule.accepts(price_kopecks, rate_kopecks):
            return None
        if await self._excluded(search.driver_id, cargo.id, cargo.company.inn if cargo.company else None):
            return None
        if not await self._paywall.allows(search.driver_id, Part.RESPOND):
            return None
        day_key = self._day_key(search.driver_id)
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(day_key)
        pipe.expire(day_key, 2 * 86400)
        count, _ = await pipe.execute()
        if int(count) > self.per_day:
            await self._redis.decr(day_key)
            return None
        payload = {"driver_id": search.driver_id, "cargo_id": cargo.id, "search_name": search.name,
                   "rate_kopecks": price_kopecks, "inn": cargo.company.inn if cargo.company else None}
        item_id = await self.queue.put(payload, dedupe_key=f"auto:{search.driver_id}:{cargo.id}", delay=self.undo_seconds)
        if item_id is None:
            await self._redis.decr(day_key)
        return item_id

    async def _excluded(self, driver_id: int, cargo_id: str, inn: str | None) -> bool:
        return self._hidden is not None and await self._hidden.excluded(driver_id, cargo_id, inn)

    async def undo(self, driver_id: int, item_id: str) -> bool:
        """True when the response was still waiting and is now cancelled (it will never be sent)."""
        waiting = await self.queue.get(item_id)
        if waiting is None or waiting["driver_id"] != driver_id:  # gone, or someone else's
            return False
        if await self.queue.take(item_id) is None:
            return False  # sent (or undone) a moment ago
        await self._redis.decr(self._day_key(driver_id))
        return True

    async def send_due(self) -> int:
        """Send the proposals whose undo window has passed; returns how many went to the dispatchers."""
        sent = 0
        for item in await self.queue.claim(limit=50, lease=120):
            payload = await self.queue.take(item.id)
            if payload is None:
                continue  # undone in the meantime
            if await self._excluded(payload["driver_id"], payload["cargo_id"], payload.get("inn")):
                continue  # hidden during the undo window
            record = await self._db.run(lambda p=payload: DriverRecord.get_or_none(DriverRecord.telegram_id == p["driver_id"]))
            if record is None:  # only drivers who logged in have searches; a deleted one gets nothing sent
                continue
            driver = Driver(telegram_id=record.telegram_id, first_name=record.first_name, username=record.username,
                            last_name=record.last_name)
            body = {"rate_rub": max(1, payload["rate_kopecks"] // 100), "comment": COMMENT.format(name=payload["search_name"])}
            try:
                await self._responses.submit(driver, payload["cargo_id"], body, ip=None)
                sent += 1
            except CargotoolError as exc:  # the load is gone, or the response was already decided
                log.info("automatic response for load %s not sent: %s", payload["cargo_id"], exc.message)
        return sent

