"""The outbox's per-chat order across concurrent deliverers, against real Redis and a stand-in Bot API that
answers 429 and 502 at random: every chat receives exactly what was queued for it, in queue order; a
deliverer killed mid-send loses its claim when the lease ends; a chat in a long 429, or with a slow send,
does not hold up the others. Telegram's rates are raised here (the pace itself is tested in
test_responses_bot.py) so that many messages race through in a few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from cargotool.core.messaging import outbox as outbox_module
from cargotool.core.messaging.api import TelegramError
from cargotool.core.messaging.outbox import Outbox
from cargotool.core.errors import UpstreamUnavailable
from cargotool.core.storage.redis import Keys
from tests.conftest import TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_rates(monkeypatch):
    """Tokens still run out (burst 2), but refill within tens of milliseconds; failures back off 10 ms."""
    for name, value in (("PRIVATE_PER_MINUTE", 6000), ("PRIVATE_BURST", 2), ("GROUP_PER_MINUTE", 3000),
                        ("GROUP_BURST", 2), ("GLOBAL_PER_MINUTE", 60000), ("GLOBAL_BURST", 50),
                        ("BACKOFF_FIRST", 0.01)):
        monkeypatch.setattr(outbox_module, name, value)


class FlakyTelegram:
    """Records what each chat received; answers 429 or 502 at random, and checks that no chat ever has
    two sends in flight at once (which is what would let two messages of a chat swap)."""

    def __init__(self, seed: int, p429: float = 0.1, p_fail: float = 0.1) -> None:
        self.rng = random.Random(seed)
        self.p429, self.p_fail = p429, p_fail
        self.received: dict[int, list[str]] = defaultdict(list)
        self.at: dict[str, float] = {}
        self.in_flight: dict[int, int] = defaultdict(int)
        self.overlaps = 0
        self.delay: dict[int, float] = {}  # chat → seconds each send takes
        self.retry_after: dict[int, float] = {}  # chat → its next send answers 429 with this wait
        self.hang: str | None = None  # the send of this text never answers...
        self.hang_after_receiving = True  # ...after Telegram got it (True) or before (False)
        self.hanging = asyncio.Event()

    async def call(self, method, params):
        chat, text = params["chat_id"], params["text"]
        self.in_flight[chat] += 1
        self.overlaps += self.in_flight[chat] > 1
        try:
            await asyncio.sleep(self.delay.get(chat, self.rng.random() * 0.004))
            if chat in self.retry_after:
                raise TelegramError(429, "Too Many Requests", retry_after=self.retry_after.pop(chat))
            if text == self.hang:
                self.hang = None
                if self.hang_after_receiving:
                    self.received[chat].append(text)
                self.hanging.set()
                await asyncio.Event().wait()
            roll = self.rng.random()
            if roll < self.p429:
                raise TelegramError(429, "Too Many Requests", retry_after=0.02)
            if roll < self.p429 + self.p_fail / 2:
                raise TelegramError(502, "Bad Gateway")
            if roll < self.p429 + self.p_fail:
                raise UpstreamUnavailable("could not reach Telegram")
            self.received[chat].append(text)
            self.at.setdefault(text, time.monotonic())
            return {"message_id": len(self.received[chat])}
        finally:
            self.in_flight[chat] -= 1


@contextlib.asynccontextmanager
async def running(outbox: Outbox, idle: float):
    """`outbox.run` in the background for the block's duration."""
    stop = asyncio.Event()
    worker = asyncio.ensure_future(outbox.run(stop, idle=idle))
    try:
        yield
    finally:
        stop.set()
        await worker


async def drained(outbox: Outbox, telegram: FlakyTelegram, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(map(len, telegram.received.values())) >= expected and await outbox.queue.size() == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not drained: {sum(map(len, telegram.received.values()))} of {expected} received")


@pytest.fixture
async def clients():
    made: list[aioredis.Redis] = []

    def make() -> aioredis.Redis:
        made.append(aioredis.from_url(TEST_REDIS_URL, decode_responses=True))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_concurrent_deliverers_keep_every_chats_order(redis, key_prefix, clients, seed):
    rng = random.Random(seed)
    telegram = FlakyTelegram(seed)
    keys = Keys(key_prefix)
    # Five deliverers, each with its own connection, as separate workers would be: three `run` loops and
    # two doing `deliver_due` passes by hand (as `bot send` does).
    outboxes = [Outbox(clients(), keys, telegram) for _ in range(5)]
    chats = [1000 + n for n in range(20)] + [-100500 - n for n in range(5)]
    plan = [(chat, f"{chat}:{n}") for chat in chats for n in range(8)]
    rng.shuffle(plan)
    plan.sort(key=lambda pair: int(pair[1].split(":")[1]))  # numbered per chat, interleaved across chats
    queued: dict[int, list[str]] = defaultdict(list)

    async def queue(part):
        for chat, text in part:
            await rng.choice(outboxes).send("sendMessage", {"chat_id": chat, "text": text})
            queued[chat].append(text)
            if rng.random() < 0.2:
                await asyncio.sleep(0.002)

    async def passes(outbox, stop):
        while not stop.is_set():
            await outbox.deliver_due(limit=7)
            await asyncio.sleep(0.01)

    await queue(plan[: len(plan) // 2])
    stop = asyncio.Event()
    workers = [asyncio.ensure_future(o.run(stop, idle=0.02)) for o in outboxes[:3]]
    workers += [asyncio.ensure_future(passes(o, stop)) for o in outboxes[3:]]
    await queue(plan[len(plan) // 2:])  # the rest while delivery is under way
    try:
        await drained(outboxes[0], telegram, len(plan), timeout=60)
    finally:
        stop.set()
        await asyncio.gather(*workers)
    assert dict(telegram.received) == dict(queued)  # every chat: exactly its messages, in queue order, none twice
    assert telegram.overlaps == 0
    assert await outboxes[0].queue.dead_count() == 0


async def test_messages_queued_by_the_previous_version_go_first(redis, key_prefix):
    telegram = FlakyTelegram(5, p429=0, p_fail=0)
    telegram.retry_after[1] = 0.3  # the first send to the chat waits: nothing else of it may overtake it
    outbox = Outbox(redis, Keys(key_prefix), telegram)
    for n in range(3):  # queued before the deploy: no line (the previous version's `put` had no group)
        await outbox.queue.put({"method": "sendMessage", "params": {"chat_id": 1, "text": f"old{n}"}, "attempts": 0})
    for n in range(3):
        await outbox.send("sendMessage", {"chat_id": 1, "text": f"new{n}"})
    async with running(outbox, idle=0.02):
        await drained(outbox, telegram, 6, timeout=10)
    assert telegram.received[1] == ["old0", "old1", "old2", "new0", "new1", "new2"]


@pytest.mark.parametrize("reached_telegram", [True, False], ids=["answer-lost", "never-arrived"])
async def test_a_deliverer_killed_mid_send_is_taken_over_after_its_lease(redis, key_prefix, clients, reached_telegram):
    telegram = FlakyTelegram(7, p429=0, p_fail=0)
    telegram.hang, telegram.hang_after_receiving = "m1", reached_telegram
    keys = Keys(key_prefix)
    doomed, survivor = Outbox(clients(), keys, telegram, lease=0.6), Outbox(clients(), keys, telegram, lease=0.6)
    for n in range(2):
        await survivor.send("sendMessage", {"chat_id": 1, "text": f"m{n}"})
    killed_at = time.monotonic()
    task = asyncio.ensure_future(doomed.deliver_due())
    await asyncio.wait_for(telegram.hanging.wait(), 5)
    task.cancel()  # the worker dies while m1 is on its way: its claim stays until the lease ends
    for n in range(2, 4):  # queued after the crash, due at once: they must still wait for m1
        await survivor.send("sendMessage", {"chat_id": 1, "text": f"m{n}"})
    await survivor.send("sendMessage", {"chat_id": 2, "text": "other chat"})
    assert await survivor.deliver_due() == 1  # the other chat is not held up
    assert telegram.received[1] == (["m0", "m1"] if reached_telegram else ["m0"])
    async with running(survivor, idle=0.05):
        await drained(survivor, telegram, 6 if reached_telegram else 5, timeout=10)
    assert telegram.at["m2"] - killed_at >= 0.6  # nothing of chat 1 went before m1's lease ended
    # At least once: when Telegram had got m1 before the crash, it gets it again, before m2.
    assert telegram.received[1] == (["m0", "m1", "m1", "m2", "m3"] if reached_telegram else ["m0", "m1", "m2", "m3"])
    assert telegram.received[2] == ["other chat"]


async def test_a_chat_in_a_long_429_does_not_delay_the_others(redis, key_prefix):
    telegram = FlakyTelegram(3, p429=0, p_fail=0)
    telegram.retry_after[1] = 1.5
    outbox = Outbox(redis, Keys(key_prefix), telegram)
    start = time.monotonic()
    for n in range(3):
        await outbox.send("sendMessage", {"chat_id": 1, "text": f"slow{n}"})
    for chat in range(2, 12):
        for n in range(3):
            await outbox.send("sendMessage", {"chat_id": chat, "text": f"{chat}:{n}"})
    async with running(outbox, idle=0.05):
        await drained(outbox, telegram, 33, timeout=10)
    others = max(at for text, at in telegram.at.items() if not text.startswith("slow"))
    assert others < start + 1.5 <= telegram.at["slow0"]  # all other chats were served within chat 1's wait
    assert telegram.received[1] == ["slow0", "slow1", "slow2"]


async def test_a_slow_send_to_one_chat_does_not_hold_up_the_others(redis, key_prefix):
    telegram = FlakyTelegram(4, p429=0, p_fail=0)
    telegram.delay[1] = 2.0
    outbox = Outbox(redis, Keys(key_prefix), telegram)
    await outbox.send("sendMessage", {"chat_id": 1, "text": "slow"})
    async with running(outbox, idle=0.05):
        while not telegram.in_flight[1]:
            await asyncio.sleep(0.01)
        queued_at = time.monotonic()
        for chat in range(2, 7):
            await outbox.send("sendMessage", {"chat_id": chat, "text": f"fast{chat}"})
        await drained(outbox, telegram, 6, timeout=10)
    # Queued after the slow send began, yet all answered before it (it takes 2 s).
    assert queued_at < max(telegram.at[f"fast{chat}"] for chat in range(2, 7)) < telegram.at["slow"]


WORKER = textwrap.dedent("""
    import asyncio, random, sys
    import redis.asyncio as aioredis
    from cargotool.core.messaging import outbox as outbox_module
    from cargotool.core.messaging.api import TelegramError
    from cargotool.core.storage.redis import Keys

    url, prefix, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for name, value in (("PRIVATE_PER_MINUTE", 6000), ("PRIVATE_BURST", 2), ("GLOBAL_PER_MINUTE", 60000),
                        ("GLOBAL_BURST", 50), ("BACKOFF_FIRST", 0.01)):
        setattr(outbox_module, name, value)

    class SharedTelegram:
        # Telegram as both processes see it: what a chat received is a Redis list.
        def __init__(self, redis):
            self.redis, self.rng = redis, random.Random(seed)

        async def call(self, method, params):
            chat = params["chat_id"]
            if await self.redis.incr(f"{prefix}tg:in-flight:{chat}") > 1:
                await self.redis.incr(f"{prefix}tg:overlaps")
            try:
                await asyncio.sleep(self.rng.random() * 0.004)
                roll = self.rng.random()
                if roll < 0.1:
                    raise TelegramError(429, "Too Many Requests", retry_after=0.02)
                if roll < 0.2:
                    raise TelegramError(502, "Bad Gateway")
                await self.redis.rpush(f"{prefix}tg:received:{chat}", params["text"])
                await self.redis.rpush(f"{prefix}tg:by:{seed}", params["text"])
                return {"message_id": 1}
            finally:
                await self.redis.decr(f"{prefix}tg:in-flight:{chat}")

    async def main():
        redis = aioredis.from_url(url, decode_responses=True)
        outbox = outbox_module.Outbox(redis, Keys(prefix), SharedTelegram(redis))
        stop = asyncio.Event()
        await redis.incr(f"{prefix}tg:ready")

        async def watch():
            while not await redis.exists(f"{prefix}tg:stop"):
                await asyncio.sleep(0.05)
            stop.set()

        await asyncio.gather(outbox.run(stop, idle=0.02), watch())
        await redis.aclose()

    asyncio.run(main())
""")


async def test_two_processes_keep_every_chats_order(redis, key_prefix):
    outbox = Outbox(redis, Keys(key_prefix), None)  # queues only
    rng = random.Random(11)
    chats = [2000 + n for n in range(20)]
    queued: dict[int, list[str]] = defaultdict(list)

    async def queue(count):
        for _ in range(count):
            chat = rng.choice(chats)
            text = f"{chat}:{len(queued[chat])}"
            queued[chat].append(text)
            await outbox.send("sendMessage", {"chat_id": chat, "text": text})

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, TEST_REDIS_URL, key_prefix, str(seed)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for seed in (1, 2)]
    try:
        await queue(100)
        deadline = time.monotonic() + 30
        while int(await redis.get(f"{key_prefix}tg:ready") or 0) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await queue(100)  # more while both deliver
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if await outbox.queue.size() == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        await redis.set(f"{key_prefix}tg:stop", "1")
        errors = [worker.communicate(timeout=30)[1] for worker in workers]
    received = {chat: await redis.lrange(f"{key_prefix}tg:received:{chat}", 0, -1) for chat in queued}
    assert received == dict(queued), [e.decode()[-2000:] for e in errors]
    assert int(await redis.get(f"{key_prefix}tg:overlaps") or 0) == 0
    assert [bool(await redis.llen(f"{key_prefix}tg:by:{seed}")) for seed in (1, 2)] == [True, True]  # both took part
    assert [json.loads(x) for x in await redis.lrange(f"{key_prefix}outbox:dead", 0, -1)] == []


async def _due_now(redis, outbox: Outbox) -> None:
    """Fast-forward: whatever waits is due now (stands in for its wait passing)."""
    for member, _ in await redis.zrange(outbox.queue._due, 0, -1, withscores=True):
        await redis.zadd(outbox.queue._due, {member: time.time() - 1})


async def test_an_edit_that_never_becomes_ready_holds_its_chat_seconds_not_minutes(redis, key_prefix):
    """The dispatcher chat: an edit whose original never got a message id (buried, or the response is gone)
    must not hold every new response behind it for long: per-chat order already put the original first."""
    telegram = FlakyTelegram(seed=5, p429=0, p_fail=0)
    outbox = Outbox(redis, Keys(key_prefix), telegram)

    async def never_ready(payload):
        return None

    outbox.register("dispatch_edit", prepare=never_ready)
    await outbox.send("editMessageText", {"chat_id": -100500, "text": "edit"}, kind="dispatch_edit")
    await outbox.send("sendMessage", {"chat_id": -100500, "text": "new response"})
    rounds = 0
    while not telegram.received[-100500]:
        await outbox.deliver_due()
        await _due_now(redis, outbox)
        rounds += 1
    assert rounds == outbox_module.MAX_WAITS + 1 and outbox_module.MAX_WAITS * 2.0 <= 10  # ≈ 10 s of real time
    assert telegram.received[-100500] == ["new response"] and await outbox.queue.dead_count() == 1


async def test_a_failing_prepare_spends_attempts_and_then_lets_the_chat_go_on(redis, key_prefix, caplog):
    telegram = FlakyTelegram(seed=6, p429=0, p_fail=0)
    outbox = Outbox(redis, Keys(key_prefix), telegram)

    async def broken(payload):
        raise KeyError("response_id")

    outbox.register("dispatch_edit", prepare=broken)
    await outbox.send("editMessageText", {"chat_id": 7, "text": "edit"}, kind="dispatch_edit")
    await outbox.send("sendMessage", {"chat_id": 7, "text": "behind"})
    for _ in range(outbox_module.MAX_ATTEMPTS + 2):
        await outbox.deliver_due()  # never raises: the failure is the message's, not the deliverer's
        await _due_now(redis, outbox)
    assert telegram.received[7] == ["behind"] and await outbox.queue.dead_count() == 1
    assert "KeyError" in caplog.text  # logged with its traceback, once per attempt


async def test_run_repairs_a_line_an_old_version_left_headless(redis, key_prefix, monkeypatch):
    """During a rolling deploy a process of the previous version acks a line's head its own way (items and
    due only): the new `run` re-adopts now and then, so the chat's next messages do not wait for ever."""
    monkeypatch.setattr(outbox_module, "ADOPT_SECONDS", 0.05)
    telegram = FlakyTelegram(seed=7, p429=0, p_fail=0)
    outbox = Outbox(redis, Keys(key_prefix), telegram)
    async with running(outbox, idle=0.02):
        await asyncio.sleep(0.1)  # its adoption at start finds nothing
        ids = [await outbox.queue.put({"method": "sendMessage", "params": {"chat_id": 42, "text": f"m{n}"},
                                       "kind": None, "context": {}, "attempts": 0}, group="42", delay=0.3)
               for n in range(3)]
        await redis.hdel(outbox.queue._items, ids[0])  # what the previous version's ack of the head did
        await redis.zrem(outbox.queue._due, ids[0])
        await drained(outbox, telegram, expected=2, timeout=5)
    assert telegram.received[42] == ["m1", "m2"]
