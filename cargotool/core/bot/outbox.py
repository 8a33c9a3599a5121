"""Every message the bot sends goes through this durable outbox in Redis.

- Nothing is lost on a restart: a message is queued in Redis before anything is sent, and removed only
  once Telegram accepted it (at least once); a de-duplication key makes a message be queued only once.
- Telegram's limits are kept with token buckets in Redis, shared by every process: about one message a
  second per private chat, 20 a minute per group, 30 a second in all. A 429 waits `retry_after`.
- A 403 (the driver blocked the bot) marks the driver unreachable; nothing more is sent to them.
- Other failures are retried with backoff, at most MAX_ATTEMPTS times; then the message is kept in
  `outbox:dead` for an operator.

Hooks let the caller fill a message in at send time (`prepare`, e.g. the message id of an edit) and
learn what Telegram answered (`on_sent`, e.g. to remember that id).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable

import redis.asyncio as aioredis

from ..drivers.ratelimit import BUCKET_LUA
from ..errors import UpstreamError
from ..waiting import repeat_until
from ..storage.queue import DurableQueue, Item
from ..storage.redis import Keys
from .api import BotApi, TelegramError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_WAITS = 150  # a message that waits for another (an edit for its original) gives up after ~5 minutes
LEASE_SECONDS = 60.0
PRIVATE_PER_MINUTE, PRIVATE_BURST = 60, 1
GROUP_PER_MINUTE, GROUP_BURST = 20, 3
GLOBAL_PER_MINUTE, GLOBAL_BURST = 30 * 60, 30

# Take one token from both the chat's bucket and the global one, or from neither.
_TAKE_BOTH = BUCKET_LUA + """
local function peek(key, capacity, rate, now)
  local state = redis.call('hmget', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or capacity
  local at = tonumber(state[2]) or now
  return math.min(capacity, tokens + math.max(0, now - at) * rate)
end
local now = tonumber(ARGV[5])
local chat = peek(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), now)
local all = peek(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), now)
if chat < 1 or all < 1 then
  local wait = math.max((1 - chat) / tonumber(ARGV[2]), (1 - all) / tonumber(ARGV[4]), 0)
  return {0, tostring(wait)}
end
take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), now)
take(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), now)
return {1, '0'}
"""

Hook = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


class Outbox:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        api: BotApi | None,
        *,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.queue = DurableQueue(redis, keys, "outbox")
        self._api = api
        self._keys = keys
        self._take = redis.register_script(_TAKE_BOTH)
        self._on_blocked = on_blocked
        self._prepare: dict[str, Hook] = {}
        self._on_sent: dict[str, Callable[[dict[str, Any], Any], Awaitable[None]]] = {}
        self._wake = asyncio.Event()

    def register(self, kind: str, prepare: Hook | None = None, on_sent=None) -> None:
        """Hooks for messages queued with `kind=...`."""
        if prepare:
            self._prepare[kind] = prepare
        if on_sent:
            self._on_sent[kind] = on_sent

    async def send(self, method: str, params: dict[str, Any], *, key: str | None = None, kind: str | None = None,
                   context: dict[str, Any] | None = None) -> str | None:
        """Queue a Bot API call. With `key`, the same message is queued at most once."""
        payload = {"method": method, "params": params, "kind": kind, "context": context or {}, "attempts": 0}
        item_id = await self.queue.put(payload, dedupe_key=key)
        if item_id:
            self._wake.set()
        return item_id

    # ---- delivery ---------------------------------------------------------------------------------

    async def deliver_due(self, limit: int = 50) -> int:
        """One pass: claim what is due and try to send it. Returns how many were delivered. Different
        chats are served concurrently (a burst of alerts to many drivers is not one round trip at a
        time); each chat's messages still go one after another, in order."""
        if self._api is None:
            return 0
        held: dict[Any, float] = {}  # chat → when its next message may go; keeps each chat's order
        chats: dict[Any, list[Item]] = {}
        for item in await self.queue.claim(limit=limit, lease=LEASE_SECONDS):
            chats.setdefault((item.payload.get("params") or {}).get("chat_id"), []).append(item)

        async def one_chat(items: list[Item]) -> int:
            return sum([await self._deliver(item, held) for item in items])

        results = await asyncio.gather(*(one_chat(items) for items in chats.values()), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum(results)

    async def run(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        """Deliver until `stop` is set; sleeps `idle` between empty passes (or until a send wakes it)."""
        await repeat_until(stop, self._wake, self.deliver_due, idle=idle, name="outbox")

    async def _hold(self, item: Item, chat_id: Any, held: dict[Any, float], wait: float) -> None:
        """Put the item back until its chat may receive again, behind the chat's earlier messages."""
        due = time.time() + wait
        if chat_id in held:
            # One token interval behind the chat's previous message, not a hair: otherwise both fall due
            # together and a concurrent pass (another worker, or the next pass) could send them swapped.
            due = max(due, held[chat_id] + 1 / self._chat_limit(chat_id)[1])
        held[chat_id] = due
        await self.queue.retry(item.id, due - time.time())

    async def _deliver(self, item: Item, held: dict[Any, float]) -> bool:
        payload = item.payload
        params = dict(payload["params"])
        kind = payload.get("kind")
        if kind in self._prepare:
            prepared = await self._prepare[kind](payload)
            if prepared is None:  # not ready yet (e.g. the message to edit is not sent yet)
                payload = {**payload, "waits": payload.get("waits", 0) + 1}
                if payload["waits"] > MAX_WAITS:
                    await self.queue.bury(item.id, payload, "never became ready")
                else:
                    await self.queue.retry(item.id, 2.0, payload)
                return False
            params = prepared
        chat_id = params.get("chat_id")
        if chat_id in held:  # an earlier message to this chat is waiting: so does this one
            await self._hold(item, chat_id, held, 0.0)
            return False
        if chat_id is not None:
            allowed, wait = await self._take(
                keys=[self._keys(f"outbox:rate:chat:{chat_id}"), self._keys("outbox:rate:all")],
                args=[*self._chat_limit(chat_id), GLOBAL_BURST, GLOBAL_PER_MINUTE / 60, f"{time.time():.3f}"],
            )
            if not int(allowed):
                await self._hold(item, chat_id, held, float(wait))
                return False
        try:
            result = await self._api.call(payload["method"], params)
        except TelegramError as exc:
            return await self._failed(item, exc, chat_id, held)
        except UpstreamError as exc:
            return await self._failed(item, exc, chat_id, held)
        await self.queue.ack(item.id)
        if kind in self._on_sent:
            await self._on_sent[kind](payload, result)
        return True

    @staticmethod
    def _chat_limit(chat_id: Any) -> tuple[int, float]:
        group = isinstance(chat_id, int) and chat_id < 0 or isinstance(chat_id, str) and chat_id.startswith("-")
        if group:
            return GROUP_BURST, GROUP_PER_MINUTE / 60
        return PRIVATE_BURST, PRIVATE_PER_MINUTE / 60

    async def _failed(self, item: Item, exc: Exception, chat_id: Any, held: dict[Any, float]) -> bool:
        payload = dict(item.payload)
        if isinstance(exc, TelegramError) and exc.retry_after is not None:
            log.info("Telegram asks to wait %.0fs (429)", exc.retry_after)
            await self._hold(item, chat_id, held, exc.retry_after)
            return False
        if isinstance(exc, TelegramError) and exc.blocked:
            log.info("chat %s blocked the bot: dropping the message", chat_id)
            await self.queue.ack(item.id)
            if self._on_blocked is not None and isinstance(chat_id, int) and chat_id > 0:
                await self._on_blocked(chat_id)
            return False
        if isinstance(exc, TelegramError) and exc.permanent:
            if "message is not modified" in exc.description:
                await self.queue.ack(item.id)  # an edit that changes nothing: done
                return False
            log.warning("Telegram refused %s: %s", payload["method"], exc.description)
            await self.queue.bury(item.id, payload, exc.description)
            return False
        payload["attempts"] = payload.get("attempts", 0) + 1
        if payload["attempts"] >= MAX_ATTEMPTS:
            log.warning("giving up on %s after %d attempts: %s", payload["method"], payload["attempts"], exc)
            await self.queue.bury(item.id, payload, str(exc))
            return False
        held[chat_id] = time.time() + min(600.0, 2.0 ** payload["attempts"])
        await self.queue.retry(item.id, held[chat_id] - time.time(), payload)
        return False
