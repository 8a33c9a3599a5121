"""A pooled Redis connection whose transport was closed under it (uvloop raises RuntimeError "...; the
handler is closed" on the write, as redis-py before 8.2 let through): the batcher drops it and retries
once on a fresh connection; what still fails, and the failover errors of a Sentinel-managed primary,
are a 503 with Retry-After — while any other RuntimeError stays a 500."""

from __future__ import annotations

import pytest
from redis.asyncio.sentinel import MasterNotFoundError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from sanic import Sanic, json

from cargotool.core.storage.batcher import ScriptBatcher
from cargotool.server.app import create_app

Sanic.test_mode = True

SCRIPT = "return {redis.call('incr', KEYS[1]), ARGV[1]}"
UVLOOP_CLOSED = "unable to perform operation on <TCPTransport closed=True reading=False 0x55d0c0>; the handler is closed"


def close_under(connection, message: str = UVLOOP_CLOSED) -> list:
    """The connection's next write finds its transport closed (the peer reset it), as on uvloop; the writes
    that hit it are listed."""
    writes = []

    async def write_on_closed_transport(command):
        writes.append(command)
        del connection._send_packed_command  # once: reconnected, the same object works again
        connection._writer.transport.abort()
        raise RuntimeError(message)

    connection._send_packed_command = write_on_closed_transport
    return writes


async def idle_connections(redis, batcher, key) -> list:
    assert await batcher(keys=[key], args=["warm"]) == [1, "warm"]
    idle = list(redis.connection_pool._available_connections)
    assert idle
    return idle


async def test_a_reset_connection_is_dropped_and_the_batch_retried_on_a_fresh_one(redis, key_prefix):
    batcher = ScriptBatcher(redis, SCRIPT)
    key = key_prefix + "closed:retry"
    (broken, *_) = writes = [close_under(c) for c in await idle_connections(redis, batcher, key)]
    assert await batcher(keys=[key], args=["a"]) == [2, "a"]
    assert sum(len(w) for w in writes) == 1 and broken  # one attempt hit the closed transport, the retry did not
    assert await batcher(keys=[key], args=["b"]) == [3, "b"]  # and the broken one is never handed out again


async def test_when_the_fresh_connection_is_reset_too_it_is_a_connection_error(redis, key_prefix, monkeypatch):
    batcher = ScriptBatcher(redis, SCRIPT)
    key = key_prefix + "closed:twice"
    await idle_connections(redis, batcher, key)
    pool = redis.connection_pool
    get_connection = pool.get_connection

    async def every_connection_closed(*args, **kwargs):
        connection = await get_connection(*args, **kwargs)
        close_under(connection)
        return connection

    monkeypatch.setattr(pool, "get_connection", every_connection_closed)
    with pytest.raises(RedisConnectionError) as caught:
        await batcher(keys=[key], args=["a"])
    assert isinstance(caught.value.__cause__, RuntimeError)


async def test_any_other_runtime_error_is_not_retried(redis, key_prefix):
    batcher = ScriptBatcher(redis, SCRIPT)
    key = key_prefix + "closed:bug"
    writes = [close_under(c, "this event loop is already running") for c in await idle_connections(redis, batcher, key)]
    with pytest.raises(RuntimeError, match="already running"):
        await batcher(keys=[key], args=["a"])
    assert sum(len(w) for w in writes) == 1


@pytest.fixture
def app(settings, services):
    app = create_app(settings, services=services)

    @app.get("/redis-reset")
    async def redis_reset(request):  # a plain command on a connection reset under it, raised inside redis-py
        for connection in list(services.redis.connection_pool._available_connections):
            close_under(connection)
        await services.redis.set(services.keys("x"), "1")
        return json({})

    @app.get("/redis-warm")
    async def redis_warm(request):
        await services.redis.set(services.keys("x"), "1")
        return json({})

    failures = {"read-only": ReadOnlyError("You can't write against a read only replica."),
                "no-master": MasterNotFoundError("No master found for 'cargotool'"),
                "bug": RuntimeError(UVLOOP_CLOSED)}  # the same words, but not from Redis: a bug

    @app.get("/fail/<name>")
    async def fail(request, name: str):
        raise failures[name]

    return app


@pytest.mark.parametrize("path", ["/redis-reset", "/fail/read-only", "/fail/no-master"])
async def test_redis_reset_and_failover_errors_are_a_503_with_retry_after(app, path):
    await app.asgi_client.get("/redis-warm")  # a pooled connection to reset
    _, response = await app.asgi_client.get(path)
    assert response.status == 503, response.text
    assert response.json["error"]["code"] == "unavailable" and int(response.headers["retry-after"]) > 0
    assert "handler" not in response.text and "master" not in response.text


async def test_the_same_words_raised_outside_redis_stay_a_500(app):
    _, response = await app.asgi_client.get("/fail/bug")
    assert response.status == 500 and response.json["error"]["code"] == "internal"
