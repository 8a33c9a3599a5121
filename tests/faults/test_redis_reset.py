"""Redis connections reset under load: the real `cargotool serve` (two workers on uvloop, where a write on
a reset connection raises RuntimeError rather than an OSError) while drivers list loads, and (a) a TCP
proxy in front of the real Redis drops every connection again and again, (b) its own Redis is killed and
started again on the same port (append-only file: the data survives, the loaded scripts do not). Not one
500: what cannot be retried on a fresh connection is a 503 with Retry-After; /readyz is ready after."""

from __future__ import annotations

import asyncio
import collections
from typing import Awaitable, Callable

import httpx
import pytest
import redis.asyncio as aioredis

from cargotool.core.storage.redis import RedisTarget, connect_redis

from tests.conftest import TEST_REDIS_URL
from tests.faults.redis_processes import RedisProcess, ThreadedProxy, until
from tests.integration.test_live_server import live_server, token

CLIENTS = 16
RESETS = 12
RESTARTS = 3
DURABLE = ["appendonly yes", "appendfsync always"]


@pytest.fixture
def proxy():
    running = ThreadedProxy(int(TEST_REDIS_URL.rsplit(":", 1)[1].split("/")[0]))
    yield running
    running.close()


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own; `restart()` kills it and starts it again on the same port."""
    class Restartable:
        process = RedisProcess(tmp_path, "restarted", DURABLE)

        def restart(self) -> None:
            self.process.kill()
            self.process = RedisProcess(tmp_path, "restarted", DURABLE, port=self.process.port)

    running = Restartable()
    yield running
    running.process.kill()


async def test_a_command_whose_connection_is_reset_is_sent_again_on_a_fresh_one(proxy, redis, key_prefix):
    """A BLPOP waiting on Redis when the proxy drops its connection: sent once more on a new connection, it
    gets the value pushed after the reset (without the retry it would raise ConnectionError)."""
    db = TEST_REDIS_URL.rsplit("/", 1)[1]
    client = connect_redis(RedisTarget(url=f"redis://127.0.0.1:{proxy.port}/{db}"))
    key = key_prefix + "reset:list"
    try:
        assert await client.ping()
        accepted = proxy.accepted
        waiting = asyncio.ensure_future(client.blpop([key], timeout=4))
        first = await until_async(lambda: _blocked(redis, ()), "the BLPOP is waiting in Redis")
        await asyncio.to_thread(proxy.reset)
        await until_async(lambda: _blocked(redis, first), "the BLPOP is sent again (and the first one gone)")
        await redis.rpush(key, "груз")
        assert list(await waiting) == [key, "груз"]
        assert proxy.accepted == accepted + 1  # on a fresh connection
    finally:
        await client.aclose()


async def _blocked(redis: aioredis.Redis, gone: tuple[str, ...]) -> tuple[str, ...]:
    """The ids of the clients blocked in BLPOP, once none of `gone` is among them."""
    blocked = tuple(c["id"] for c in await redis.client_list() if c.get("cmd") == "blpop")
    return blocked if blocked and not set(gone) & set(blocked) else ()


async def until_async(check, what: str, seconds: float = 20):
    deadline = asyncio.get_running_loop().time() + seconds
    while not (result := await check()):
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)
    return result


async def list_while(url: str, headers: dict, disrupt: Callable[[], Awaitable[None]]) -> list[httpx.Response | str]:
    """CLIENTS drivers list loads until `disrupt()` is over; every answer (or transport error's name)."""
    answers: list[httpx.Response | str] = []
    done = asyncio.Event()

    async def driver(n: int, client: httpx.AsyncClient) -> None:
        while not done.is_set():
            try:
                answers.append(await client.get(f"/api/cargos?from={1 + n % 5}"))
            except httpx.HTTPError as exc:
                answers.append(type(exc).__name__)

    async def disruption() -> None:
        await disrupt()
        await asyncio.sleep(0.5)
        done.set()

    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=20,
                                 limits=httpx.Limits(max_connections=CLIENTS)) as client:
        await asyncio.gather(disruption(), *(driver(n, client) for n in range(CLIENTS)))
    return answers


def serve_through(tmp_path, redis_url: str, disrupt: Callable[[], None], times: int, pause: float) -> collections.Counter:
    """`cargotool serve` on `redis_url` under CLIENTS drivers' load while `disrupt()` runs `times` times,
    `pause` s apart: no 500, every 503 with Retry-After, no traceback, /readyz ready after."""
    with live_server(tmp_path, workers=2, REDIS_URL=redis_url) as server:
        headers = {"Authorization": f"Bearer {token(server['url'])}"}

        async def disruptions() -> None:
            for _ in range(times):
                await asyncio.sleep(pause)
                await asyncio.to_thread(disrupt)

        answers = asyncio.run(list_while(server["url"], headers, disruptions))
        statuses = collections.Counter(a.status_code if isinstance(a, httpx.Response) else a for a in answers)
        assert statuses[200] > times, statuses  # the load ran through
        assert set(statuses) <= {200, 503}, statuses  # no 500, no dropped HTTP connection
        for answer in answers:
            if answer.status_code == 503:
                assert answer.json()["error"]["code"] == "unavailable" and int(answer.headers["retry-after"]) > 0
        log = server["log"].read_text()
        assert "RuntimeError" not in log and "Traceback" not in log, log[-3000:]
        until(lambda: httpx.get(server["url"] + "/readyz", timeout=5).status_code == 200, 20, "/readyz is ready again")
        assert httpx.get(server["url"] + "/api/cargos?from=2", headers=headers, timeout=10).status_code == 200
    return statuses


def test_connections_reset_under_load_are_never_a_500(tmp_path, proxy):
    db = TEST_REDIS_URL.rsplit("/", 1)[1]
    statuses = serve_through(tmp_path, f"redis://127.0.0.1:{proxy.port}/{db}", proxy.reset, RESETS, 0.25)
    print(f"\n{RESETS} resets under {CLIENTS} drivers' load: {dict(statuses)}")


def test_a_redis_restarted_under_load_is_never_a_500(tmp_path, own_redis):
    statuses = serve_through(tmp_path, f"redis://127.0.0.1:{own_redis.process.port}/0", own_redis.restart, RESTARTS, 1.5)
    print(f"\n{RESTARTS} Redis restarts under {CLIENTS} drivers' load: {dict(statuses)}")
