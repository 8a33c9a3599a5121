"""The session script's batcher on the real Redis: one write per loop tick, replies matched to callers,
an error reply kept to its caller, an unknown script loaded, a broken connection retried once."""

from __future__ import annotations

import asyncio

from cargotool.core.storage.batcher import ScriptBatcher

SCRIPT = "if ARGV[1] == 'boom' then return redis.error_reply('boom') end " \
         "return {redis.call('incr', KEYS[1]), ARGV[1]}"


async def test_calls_of_one_tick_share_a_round_trip_and_get_their_own_replies(redis, key_prefix):
    batcher = ScriptBatcher(redis, SCRIPT)
    key = key_prefix + "batcher:n"
    writes = []
    pool = redis.connection_pool
    get_connection = pool.get_connection

    async def counting_get_connection(*args, **kwargs):
        writes.append(1)
        return await get_connection(*args, **kwargs)

    pool.get_connection = counting_get_connection
    try:
        results = await asyncio.gather(*(batcher(keys=[key], args=[str(i)]) for i in range(20)),
                                       batcher(keys=[key], args=["boom"]), return_exceptions=True)
    finally:
        pool.get_connection = get_connection
    assert len(writes) == 1
    assert [r[1] for r in results[:20]] == [str(i) for i in range(20)]
    assert sorted(r[0] for r in results[:20]) == list(range(1, 21))
    assert isinstance(results[20], Exception) and "boom" in str(results[20])
    assert await batcher(keys=[key], args=["next"]) == [21, "next"]  # the connection stayed in step


async def test_a_script_redis_does_not_know_is_loaded(redis, key_prefix):
    batcher = ScriptBatcher(redis, SCRIPT + f" -- {key_prefix}")  # a new text: not loaded (as after a restart)
    key = key_prefix + "batcher:load"
    assert await redis.script_exists(batcher._sha) == [False]
    assert await asyncio.gather(batcher(keys=[key], args=["a"]), batcher(keys=[key], args=["b"])) == [[1, "a"], [2, "b"]]


async def test_a_broken_connection_is_retried_on_a_fresh_one(redis, key_prefix):
    batcher = ScriptBatcher(redis, SCRIPT)
    key = key_prefix + "batcher:broken"
    assert await batcher(keys=[key], args=["a"]) == [1, "a"]
    idle = list(redis.connection_pool._available_connections)
    assert idle
    for connection in idle:  # the server closes them
        await redis.client_kill_filter(_id=await _client_id(connection))
    assert await batcher(keys=[key], args=["b"]) == [2, "b"]


async def _client_id(connection) -> int:
    await connection.send_command("CLIENT", "ID")
    return int(await connection.read_response())
