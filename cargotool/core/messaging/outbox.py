"""Every message the bot sends goes through this durable outbox in Redis.

- Nothing is lost on a restart: a message is queued in Redis before anything is sent, and removed only
  once Telegram accepted it (at least once); a de-duplication key makes a message be queued only once.
  When the primary has replicas, queuing returns only once one of them holds the message (WAIT, at most
  100 ms: storage/replication.py), so a failover right after does not lose it.
- Telegram's limits are kept with token buckets in Redis, shared by every process: about one message a
  second per private chat, 20 a minute per group, 30 a second in all. A 429 waits `retry_after`.
- A 403 (the driver blocked the bot, or never started it) drops the message and reports the chat to
  `on_blocked` (core/drivers/reach.py marks the driver: no status messages or alerts until they let the
  bot write again).
- Other failures are retried with backoff, at most MAX_ATTEMPTS times; then the message is kept in
  `outbox:dead` for an operator.
- Each chat's messages go out strictly in the order they were queued, across any number of deliverers
  (server workers, `bot run`): a message is sent only once every earlier message of its chat was sent,
  dropped (403) or given up. The queue keeps one line per chat and hands out only its head, leased
  (`DurableQueue` groups); a held message (rate limit, 429, backoff, an edit waiting for its original)
  keeps its place and the chat waits behind it, other chats do not. A deliverer that dies mid-send loses
  its claim when the lease ends, and another sends the message (at least once: if the first one's send
  had reached Telegram, that message arrives twice, still after everything queued before it).

Hooks let the caller fill a message in at send time (`prepare`, e.g. the message id of an edit) and
learn what Telegram answered (`on_sent`, e.g. to remember that id). `on_sent` runs after the ack, so
another deliverer may already hold the chat's next message: an edit that finds no message id yet waits
(`prepare` → None) and is tried again 2 s later, up to MAX_WAITS times.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable

import redis.asyncio as aioredis

from ..errors import Unavailable, UpstreamError
from ..storage.bucket import BUCKET_LUA
from ..storage.outage import dependency_of
from ..waiting import wait_any
from ..storage.queue import DurableQueue, Item
from ..storage.redis import Keys
from ..storage.replication import ReplicatedWrite
from .api import BotApi, TelegramError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_FIRST = 2.0  # seconds before the first retry of a failed send; doubles each time, at most 600
# A message that waits for another (an edit for its original's message id) gives up after ~10 s: with
# per-chat order the original is settled before the edit is handed out, so the wait only covers the
# moment between its ack and `on_sent` storing the id; waiting longer would hold up the whole chat.
MAX_WAITS = 5
ADOPT_SECONDS = 300.0  # `run` re-adopts now and then: an old-version process still running may have left a line headless
LEASE_SECONDS = 60.0  # longer than a Bot API call may take (BotApi's timeout is 15 s)
CONCURRENCY = 64  # chats served at once by one `run`
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

SENT, SETTLED, HELD = "sent", "settled", "held"  # what became of a message handed to `_deliver`


def chat_of(payload: dict[str, Any]) -> str | None:
    """The queue group of a message: its chat (None: a call without a chat, not ordered)."""
    chat_id = (payload.get("params") or {}).get("chat_id")
    return None if chat_id is None else str(chat_id)


class Outbox:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        api: BotApi | None,
        *,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        lease: float = LEASE_SECONDS,
    ) -> None:
        self.queue = DurableQueue(redis, keys, "outbox", replicated=ReplicatedWrite(redis))
        self._api = api
        self._keys = keys
        self._lease = lease
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
        item_id = await self.queue.put(payload, dedupe_key=key, group=chat_of(payload))
        if item_id:
            self._wake.set()
        return item_id

    async def adopt_old_items(self) -> int:
        """Messages queued by a version without per-chat lines (already in Redis at deploy time) join
        their chat's line, ahead of anything queued since. Done when `run` starts; idempotent."""
        moved = await self.queue.adopt(chat_of)
        if moved:
            log.info("outbox: %d queued messages moved into their chats' lines", moved)
        return moved

    # ---- delivery ---------------------------------------------------------------------------------

    async def deliver_due(self, limit: int = 50) -> int:
        """One pass: claim what is due and try to send it. Returns how many were delivered. Different
        chats are served concurrently; of each chat only its next message is handed out (to one
        deliverer at a time), and once it is sent the same deliverer goes on with the one after it."""
        if self._api is None:
            return 0
        items = await self.queue.claim(limit=limit, lease=self._lease)
        results = await asyncio.gather(*(self._serve_chat(item, limit) for item in items), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum(results)

    async def run(self, stop: asyncio.Event, idle: float = 1.0, concurrency: int = CONCURRENCY) -> None:
        """Deliver until `stop` is set. Each claimed chat is served by its own task, so a slow send to one
        chat does not hold up the others; when nothing is due, sleeps `idle` (or until a send wakes it)."""
        try:
            await self.adopt_old_items()
        except Exception as exc:
            log.warning("outbox: moving old queued messages failed: %s", type(exc).__name__)
        if self._api is None:
            await stop.wait()
            return
        serving: set[asyncio.Task] = set()
        room = asyncio.Event()
        adopt_at = time.monotonic() + ADOPT_SECONDS

        def finished(task: asyncio.Task) -> None:
            serving.discard(task)
            room.set()
            if not task.cancelled() and task.exception() is not None:
                log.warning("outbox chat failed", exc_info=task.exception())

        try:
            while not stop.is_set():
                if time.monotonic() >= adopt_at:
                    adopt_at = time.monotonic() + ADOPT_SECONDS
                    try:
                        await self.adopt_old_items()
                    except Exception as exc:
                        log.warning("outbox: moving old queued messages failed: %s", type(exc).__name__)
                self._wake.clear()  # before claiming: a send or a finished chat from now on is not missed
                room.clear()
                free = concurrency - len(serving)
                items: list[Item] = []
                if free > 0:
                    try:
                        items = await self.queue.claim(limit=free, lease=self._lease)
                    except Exception as exc:
                        log.warning("outbox pass failed: %s", type(exc).__name__)
                for item in items:
                    task = asyncio.ensure_future(self._serve_chat(item, limit=50))
                    serving.add(task)
                    task.add_done_callback(finished)
                if items and len(items) == free:
                    continue  # perhaps more are due
                await wait_any(self._wake, stop, room, timeout=idle)
        finally:
            if serving:
                await asyncio.gather(*serving, return_exceptions=True)

    async def _serve_chat(self, first: Item, limit: int) -> int:
        """Deliver the claimed head of a chat's line and, while they are sent, the messages behind it."""
        item: Item | None = first
        chat = chat_of(first.payload)
        sent = 0
        for _ in range(limit):
            if item is None:
                break
            outcome = await self._deliver(item)
            if outcome == HELD or chat is None:
                break
            sent += outcome == SENT
            item = await self.queue.claim_group(chat, lease=self._lease)
        return sent

    async def _hold(self, item: Item, wait: float, payload: dict[str, Any] | None = None) -> str:
        """Put the item back for `wait` seconds; it stays first in its chat's line, so the chat's later
        messages wait behind it (other chats do not)."""
        await self.queue.retry(item.id, wait, payload)
        return HELD

    async def _deliver(self, item: Item) -> str:
        payload = item.payload
        params = dict(payload["params"])
        kind = payload.get("kind")
        if kind in self._prepare:
            try:
                prepared = await self._prepare[kind](payload)
            except Exception as exc:  # a bug or an outage must not hold the chat's line for ever
                if isinstance(exc, Unavailable) or dependency_of(exc) is not None:
                    return await self._hold(item, BACKOFF_FIRST)  # our own storage is away: no attempt spent
                log.warning("outbox: preparing a %s message failed", kind, exc_info=exc)
                return await self._failed(item, exc, None)
            if prepared is None:  # not ready yet (e.g. the message to edit is not sent yet)
                payload = {**payload, "waits": payload.get("waits", 0) + 1}
                if payload["waits"] > MAX_WAITS:
                    await self.queue.bury(item.id, payload, "never became ready")
                    return SETTLED
                return await self._hold(item, 2.0, payload)
            params = prepared
        chat_id = params.get("chat_id")
        if chat_id is not None:
            allowed, wait = await self._take(
                keys=[self._keys(f"outbox:rate:chat:{chat_id}"), self._keys("outbox:rate:all")],
                args=[*self._chat_limit(chat_id), GLOBAL_BURST, GLOBAL_PER_MINUTE / 60, f"{time.time():.3f}"],
            )
            if not int(allowed):
                return await self._hold(item, float(wait))
        try:
            result = await self._api.call(payload["method"], params)
        except TelegramError as exc:
            return await self._failed(item, exc, chat_id)
        except UpstreamError as exc:
            return await self._failed(item, exc, chat_id)
        await self.queue.ack(item.id)
        if kind in self._on_sent:
            await self._on_sent[kind](payload, result)
        return SENT

    @staticmethod
    def _chat_limit(chat_id: Any) -> tuple[int, float]:
        group = isinstance(chat_id, int) and chat_id < 0 or isinstance(chat_id, str) and chat_id.startswith("-")
        if group:
            return GROUP_BURST, GROUP_PER_MINUTE / 60
        return PRIVATE_BURST, PRIVATE_PER_MINUTE / 60

    async def _failed(self, item: Item, exc: Exception, chat_id: Any) -> str:
        payload = dict(item.payload)
        if isinstance(exc, TelegramError) and exc.retry_after is not None:
            log.info("Telegram asks to wait %.0fs (429)", exc.retry_after)
            return await self._hold(item, exc.retry_after)
        if isinstance(exc, TelegramError) and exc.blocked:
            log.info("chat %s blocked the bot: dropping the message", chat_id)
            await self.queue.ack(item.id)
            if self._on_blocked is not None and isinstance(chat_id, int) and chat_id > 0:
                await self._on_blocked(chat_id)
            return SETTLED
        if isinstance(exc, TelegramError) and exc.permanent:
            if "message is not modified" in exc.description:
                await self.queue.ack(item.id)  # an edit that changes nothing: done
                return SETTLED
            log.warning("Telegram refused %s: %s", payload["method"], exc.description)
            await self.queue.bury(item.id, payload, exc.description)
            return SETTLED
        payload["attempts"] = payload.get("attempts", 0) + 1
        if payload["attempts"] >= MAX_ATTEMPTS:
            log.warning("giving up on %s after %d attempts: %s", payload["method"], payload["attempts"], exc)
            await self.queue.bury(item.id, payload, str(exc))
            return SETTLED
        return await self._hold(item, min(600.0, BACKOFF_FIRST * 2.0 ** (payload["attempts"] - 1)), payload)
