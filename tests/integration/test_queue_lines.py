"""DurableQueue groups (the outbox's per-chat lines) against real Redis: only a line's head is handed out,
to one claimer at a time; a late worker cannot skip the next item; items of the layout without groups
are still delivered and `adopt` puts them first in their lines."""

from __future__ import annotations

import asyncio

from cargotool.core.storage.queue import DurableQueue
from cargotool.core.storage.redis import Keys


def queue(redis, key_prefix) -> DurableQueue:
    return DurableQueue(redis, Keys(key_prefix), "q")


def texts(items) -> list[str]:
    return sorted(item.payload["t"] for item in items)


async def test_only_the_head_of_a_line_is_handed_out_and_the_next_follows_its_ack(redis, key_prefix):
    q = queue(redis, key_prefix)
    for t in ("a1", "a2", "a3"):
        await q.put({"t": t}, group="a")
    await q.put({"t": "b1"}, group="b")
    await q.put({"t": "free1"})
    await q.put({"t": "free2"})
    assert await q.size() == 6
    first = await q.claim(limit=10, lease=30)
    assert texts(first) == ["a1", "b1", "free1", "free2"]
    assert await q.claim(limit=10, lease=30) == []  # a2 waits for a1, which is leased
    a1 = next(item for item in first if item.payload["t"] == "a1")
    await q.ack(a1.id)
    assert texts(await q.claim(limit=10, lease=30)) == ["a2"]
    assert await q.size() == 5


async def test_a_held_head_keeps_its_line_waiting(redis, key_prefix):
    q = queue(redis, key_prefix)
    await q.put({"t": "a1"}, group="a")
    await q.put({"t": "a2"}, group="a")
    [a1] = await q.claim(limit=10, lease=30)
    await q.retry(a1.id, 0.3, {"t": "a1", "attempts": 1})
    assert await q.claim(limit=10, lease=30) == []  # a2 is due, but a1 is first
    await asyncio.sleep(0.35)
    [again] = await q.claim(limit=10, lease=30)
    assert again.payload == {"t": "a1", "attempts": 1}


async def test_claim_group_hands_the_next_head_to_one_worker_only(redis, key_prefix):
    q = queue(redis, key_prefix)
    await q.put({"t": "a1"}, group="a")
    await q.put({"t": "a2"}, group="a")
    [a1] = await q.claim(limit=10, lease=30)
    assert await q.claim_group("a") is None  # a1 is held by its worker
    await q.ack(a1.id)
    got = await asyncio.gather(*(q.claim_group("a", lease=30) for _ in range(5)))
    assert [item.payload["t"] for item in got if item] == ["a2"]
    assert await q.claim(limit=10, lease=30) == []


async def test_a_worker_that_outlived_its_lease_cannot_skip_the_next_item(redis, key_prefix):
    q = queue(redis, key_prefix)
    for t in ("a1", "a2", "a3"):
        await q.put({"t": t}, group="a")
    [slow] = await q.claim(limit=10, lease=0.2)
    await asyncio.sleep(0.25)
    [taker] = await q.claim(limit=10, lease=30)  # the lease ended: another worker takes a1 over
    assert taker.id == slow.id
    await q.ack(taker.id)
    [a2] = await q.claim(limit=10, lease=30)
    assert a2.payload["t"] == "a2"
    await q.ack(slow.id)  # the late worker acks a1 again: a2 (still being sent) must stay
    await q.retry(slow.id, 0.0, {"t": "resurrected"})  # nor can a late retry bring a1 back
    assert await q.get(slow.id) is None and await q.get(a2.id) == {"t": "a2"}
    assert await q.claim(limit=10, lease=30) == []  # a3 still waits for a2
    await q.ack(a2.id)
    assert texts(await q.claim(limit=10, lease=30)) == ["a3"]


async def test_bury_and_take_let_the_next_item_go(redis, key_prefix):
    q = queue(redis, key_prefix)
    for t in ("a1", "a2", "a3"):
        await q.put({"t": t}, group="a")
    [a1] = await q.claim(limit=10, lease=30)
    await q.bury(a1.id, a1.payload, "refused")
    [a2] = await q.claim(limit=10, lease=30)
    assert a2.payload["t"] == "a2" and await q.dead_count() == 1
    assert await q.take(a2.id) == {"t": "a2"}
    assert texts(await q.claim(limit=10, lease=30)) == ["a3"]
    await q.bury(a1.id, a1.payload, "again")  # already gone: not buried twice
    assert await q.dead_count() == 1


async def test_a_delayed_item_behind_others_keeps_its_delay(redis, key_prefix):
    q = queue(redis, key_prefix)
    await q.put({"t": "a1"}, group="a")
    await q.put({"t": "a2"}, group="a", delay=0.4)
    [a1] = await q.claim(limit=10, lease=30)
    await q.ack(a1.id)
    assert await q.claim(limit=10, lease=30) == []
    await asyncio.sleep(0.45)
    assert texts(await q.claim(limit=10, lease=30)) == ["a2"]


async def test_items_of_the_layout_without_groups_are_delivered_and_adopted_first(redis, key_prefix):
    q = queue(redis, key_prefix)
    # Queued by the previous version: no group (the same keys as then: items hash + due set).
    await q.put({"chat": 1, "t": "old1"})
    await q.put({"chat": 1, "t": "old2"})
    await q.put({"chat": 2, "t": "old-b"})
    await q.put({"chat": None, "t": "no-chat"})
    # Queued by the new version before the migration ran.
    await q.put({"chat": 1, "t": "new1"}, group="1")
    await q.put({"chat": 1, "t": "new2"}, group="1")

    def group_of(payload):
        return None if payload["chat"] is None else str(payload["chat"])

    assert await q.adopt(group_of) == 3
    assert await q.adopt(group_of) == 0  # idempotent
    order: list[str] = []
    for _ in range(10):
        claimed = await q.claim(limit=10, lease=30)
        order += [item.payload["t"] for item in claimed if item.payload["chat"] == 1]
        for item in claimed:
            await q.ack(item.id)
    assert order == ["old1", "old2", "new1", "new2"]
    assert await q.size() == 0


async def test_adopting_keeps_a_claim_of_the_old_layout(redis, key_prefix):
    q = queue(redis, key_prefix)
    await q.put({"chat": 1, "t": "old"})
    [old] = await q.claim(limit=10, lease=30)  # being sent by a worker at deploy time
    await q.put({"chat": 1, "t": "new"}, group="1")
    await q.adopt(lambda payload: str(payload["chat"]))
    assert await q.claim(limit=10, lease=30) == []  # "new" waits: "old" is first and still leased
    await q.ack(old.id)
    assert texts(await q.claim(limit=10, lease=30)) == ["new"]


async def test_adopt_unblocks_a_line_whose_head_an_old_version_removed(redis, key_prefix):
    q = queue(redis, key_prefix)
    await q.put({"t": "a1"}, group="a")
    await q.put({"t": "a2"}, group="a")
    [a1] = await q.claim(limit=10, lease=30)
    # An old worker acks as it used to: the item leaves the hash and the due set, not the line.
    await redis.hdel(f"{key_prefix}q:items", a1.id)
    await redis.zrem(f"{key_prefix}q:due", a1.id)
    assert await q.claim(limit=10, lease=30) == []
    await q.adopt(lambda payload: None)
    assert texts(await q.claim(limit=10, lease=30)) == ["a2"]
