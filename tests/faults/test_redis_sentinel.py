"""Redis behind Sentinel, failing over under load. The test starts a primary, a replica and three
Sentinels from the machine's redis-server on free ports, runs `cargotool serve` (two workers) with
REDIS_SENTINELS, and makes the primary fail over while drivers list loads — killed with SIGKILL, or demoted
by a coordinated SENTINEL FAILOVER (it then answers writes with READONLY): only 200s and 503s (with
Retry-After), no 500, full service again within the issue's 15 s; the outbox messages queued
(acknowledged) before the failover are all delivered from the promoted replica; the CLI uses it too."""

from __future__ import annotations

import asyncio
import collections
import time
import uuid

import httpx
import pytest

from cargotool.core.messaging.api import BotApi
from cargotool.core.messaging.outbox import Outbox
from cargotool.core.storage.redis import Keys, RedisTarget, connect_redis
from cargotool.core.storage.replication import ReplicatedWrite
from cargotool.standin import CargoTechStandIn, StandInServer
from cargotool.standin.telegram import BotApiStandIn
from tests.conftest import TEST_BOT_TOKEN, TEST_PASSWORD, TEST_PHONE
from tests.faults.redis_processes import MASTER_NAME, SentinelSet, until
from tests.integration.cli_helpers import cli_env, run_cli
from tests.integration.test_live_server import live_server, token

CLIENTS = 8
KILL_AFTER = 2.0  # seconds of load before the primary dies
BACK_WITHIN = 15.0  # the bound on a failover
MESSAGES = 20


@pytest.fixture
def sentinels(tmp_path):
    running = SentinelSet(tmp_path / "redis")
    yield running
    running.stop()


def sentinel_target(sentinels: SentinelSet) -> RedisTarget:
    return RedisTarget(sentinels=tuple(("127.0.0.1", s.port) for s in sentinels.sentinels), master=MASTER_NAME)


async def queue_messages(sentinels: SentinelSet, prefix: str) -> list[str]:
    """MESSAGES outbox messages queued through Sentinel; each `send` returned, so each is acknowledged."""
    redis = connect_redis(sentinel_target(sentinels))
    try:
        outbox = Outbox(redis, Keys(prefix), None)
        texts = [f"груз {n}" for n in range(MESSAGES)]
        for n, text in enumerate(texts):
            assert await outbox.send("sendMessage", {"chat_id": 1000 + n % 4, "text": text})
        return texts
    finally:
        await redis.aclose()


async def deliver_all(sentinels: SentinelSet, prefix: str, telegram: BotApiStandIn, seconds: float = 30) -> None:
    redis = connect_redis(sentinel_target(sentinels))
    api = BotApi(TEST_BOT_TOKEN, transport=telegram.transport())
    try:
        outbox = Outbox(redis, Keys(prefix), api)
        deadline = time.monotonic() + seconds
        while len(telegram.sent("sendMessage")) < MESSAGES and time.monotonic() < deadline:
            try:
                await outbox.deliver_due()
            except Exception:  # Redis still failing over: try again
                pass
            await asyncio.sleep(0.2)
    finally:
        await api.aclose()
        await redis.aclose()


def fail_over(sentinels: SentinelSet, how: str) -> None:
    """"kill": the primary dies (SIGKILL); "demote": a coordinated SENTINEL FAILOVER, after which the old
    primary lives on as a replica and refuses writes (READONLY)."""
    if how == "kill":
        sentinels.primary.kill()
    else:
        with sentinels.sentinels[0].client() as sentinel:
            assert sentinel.sentinel_failover(MASTER_NAME)


async def list_through_failover(url: str, headers: dict, sentinels: SentinelSet, how: str) -> tuple[list, float]:
    """(started, status, retry-after) of every list request; the primary fails over after KILL_AFTER s and
    the load goes on until answers have been 200 for 3 s (or 60 s passed). Returns the answers and the kill time."""
    answers: list[tuple[float, int | str, str | None]] = []
    killed_at = float("inf")
    done = asyncio.Event()

    async def driver(n: int, client: httpx.AsyncClient) -> None:
        while not done.is_set():
            started = time.monotonic()
            try:
                response = await client.get(f"/api/cargos?from={1 + n % 5}")
                answers.append((started, response.status_code, response.headers.get("retry-after")))
            except httpx.HTTPError as exc:
                answers.append((started, type(exc).__name__, None))
            await asyncio.sleep(0.02)

    async def killer() -> None:
        nonlocal killed_at
        await asyncio.sleep(KILL_AFTER)
        killed_at = time.monotonic()
        await asyncio.to_thread(fail_over, sentinels, how)
        deadline = killed_at + 60
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            recent = [a for a in answers if a[0] > time.monotonic() - 3]
            if time.monotonic() - killed_at > 3 and recent and all(a[1] == 200 for a in recent):
                break
        done.set()

    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        await asyncio.gather(killer(), *(driver(n, client) for n in range(CLIENTS)))
    return answers, killed_at


@pytest.mark.parametrize("how", ["kill", "demote"])
def test_the_primary_failing_over_under_load_gives_only_503s(tmp_path, sentinels, how):
    prefix = f"cargotool-test:{uuid.uuid4().hex[:12]}:"
    texts = asyncio.run(queue_messages(sentinels, prefix))
    with sentinels.replica.client() as replica:
        assert replica.hlen(f"{prefix}outbox:items") == MESSAGES  # acknowledged: the replica holds them

    with live_server(tmp_path, workers=2, REDIS_URL="", REDIS_SENTINELS=sentinels.addresses,
                     REDIS_SENTINEL_MASTER=MASTER_NAME) as server:
        url = server["url"]
        headers = {"Authorization": f"Bearer {token(url)}"}
        answers, killed_at = asyncio.run(list_through_failover(url, headers, sentinels, how))

        statuses = collections.Counter(status for _, status, _ in answers)
        assert set(statuses) <= {200, 503}, statuses  # no 500, no dropped connection
        assert all(retry and int(retry) > 0 for _, status, retry in answers if status == 503)
        assert any(status == 200 for started, status, _ in answers if started < killed_at), "served before"
        failing = [started for started, status, _ in answers if status != 200]
        back_at = max([killed_at, *failing])  # from here on every answer was a 200
        assert any(status == 200 for started, status, _ in answers if started > back_at), "served after"
        assert back_at - killed_at <= BACK_WITHIN, (back_at - killed_at, statuses)
        assert sentinels.master_port() == sentinels.replica.port
        until(lambda: httpx.get(url + "/readyz", timeout=5).status_code == 200, 20, "/readyz is ready again")
        log = server["log"].read_text()
        assert "Traceback" not in log, log[-3000:]
        print(f"\nfailover ({how}) under load: {dict(statuses)}; full service {back_at - killed_at:.1f} s after it")

    telegram = BotApiStandIn()
    asyncio.run(deliver_all(sentinels, prefix, telegram))
    assert sorted(call.params["text"] for call in telegram.sent("sendMessage")) == sorted(texts)


def test_an_outbox_put_waits_for_a_replica_when_there_is_one(sentinels):
    async def puts_and_waits(client, keys: Keys) -> tuple[int, int]:
        outbox = Outbox(client, keys, None)
        for n in range(3):
            await outbox.send("sendMessage", {"chat_id": 7, "text": str(n)})
        replicas = await ReplicatedWrite(client).replicas()
        return replicas, await outbox.queue.size()

    with sentinels.primary.client() as primary:
        waits_before = int(primary.info("commandstats").get("cmdstat_wait", {}).get("calls", 0))

    async def through_sentinel():
        client = connect_redis(sentinel_target(sentinels))
        try:
            return await puts_and_waits(client, Keys("waits:"))
        finally:
            await client.aclose()

    assert asyncio.run(through_sentinel()) == (1, 3)
    with sentinels.primary.client() as primary:
        assert int(primary.info("commandstats")["cmdstat_wait"]["calls"]) - waits_before == 3  # one WAIT per put
    with sentinels.replica.client() as replica:
        assert replica.hlen("waits:outbox:items") == 3


async def test_without_replicas_a_put_does_not_wait(redis, key_prefix, monkeypatch):
    """The shared test Redis runs alone: WAIT 1 would only cost its timeout on every put."""
    pipelines = []
    monkeypatch.setattr(redis, "pipeline", lambda *a, **k: pipelines.append(a) or pytest.fail("a WAIT pipeline"))
    outbox = Outbox(redis, Keys(key_prefix), None)
    for n in range(3):
        await outbox.send("sendMessage", {"chat_id": 7, "text": str(n)})
    assert await outbox.queue.size() == 3 and pipelines == []
    assert await ReplicatedWrite(redis).replicas() == 0


def test_cli_commands_share_the_token_through_the_primary_sentinel_names(tmp_path, sentinels):
    """The CLI builds its Redis client in the same factory: the second command reuses the token the first
    one cached on the primary, and after a failover it is read from the promoted replica."""
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    with StandInServer(standin) as upstream:
        env = cli_env(tmp_path, "cli:", upstream, REDIS_URL="", REDIS_SENTINELS=sentinels.addresses,
                      REDIS_SENTINEL_MASTER=MASTER_NAME)
        for _ in range(2):
            result = run_cli(["cargotech", "check"], env, tmp_path)
            assert result.returncode == 0, result.stderr
        assert standin.logins == 1
        with sentinels.primary.client() as primary:
            assert primary.exists("cli:cargotech:api:token")
        with sentinels.replica.client() as replica:
            until(lambda: replica.exists("cli:cargotech:api:token"), 10, "the replica has the token")
        sentinels.primary.kill()
        until(lambda: sentinels.master_port() == sentinels.replica.port, 30, "Sentinel promoted the replica")
        result = run_cli(["cargotech", "check"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert standin.logins == 1  # the token came from the promoted replica
