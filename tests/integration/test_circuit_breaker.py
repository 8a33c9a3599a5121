"""CargoTech failing: a circuit breaker shared by the workers through Redis, stale copies served at once
while it is open, refreshed in the background, and fresh data as soon as CargoTech is back."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import pytest

from cargotool.core.cargo import service as service_module
from cargotool.core.cargo.filters import parse_filters
from cargotool.core.cargo.service import CacheTTL, CargoService
from cargotool.core.cargotech.marketplace import CargoTechMarketplace
from cargotool.core.cargotech.retry import RetryPolicy
from cargotool.core.errors import UpstreamError
from cargotool.core.storage.circuit import CircuitBreaker
from cargotool.core.storage.redis import Keys
from tests.integration.test_token_cache import make_client


def breaker(redis, key_prefix, **kwargs) -> CircuitBreaker:
    return CircuitBreaker(redis, f"{key_prefix}cargotech:circuit", **kwargs)


async def test_the_circuit_opens_is_shared_probes_once_and_closes(redis, key_prefix):
    one, two = breaker(redis, key_prefix, threshold=2, open_seconds=1), breaker(redis, key_prefix, threshold=2, open_seconds=1)
    assert await one.allow()
    await one.failed()
    assert await two.allow() and not await two.is_open()  # one failure is not an outage
    await two.failed()
    assert not await one.allow() and not await two.allow()  # open for every worker
    await asyncio.sleep(1.1)
    assert await one.allow()  # half-open: exactly one probe across the workers
    assert not await two.allow() and not await one.allow()
    await one.succeeded()
    assert await two.allow() and await one.allow()


async def test_a_failed_probe_opens_the_circuit_again(redis, key_prefix):
    circuit = breaker(redis, key_prefix, threshold=1, open_seconds=1)
    await circuit.failed()
    await asyncio.sleep(1.1)
    assert await circuit.allow()
    await circuit.failed()
    assert not await circuit.allow()


def service_with_breaker(standin, redis, key_prefix, ttl=CacheTTL(list=2, stale_max=600), open_seconds=60):
    slow_retries = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=1.0, deadline=5)  # ≥ 1.5 s to give up
    client = make_client(standin, redis, key_prefix, retry=slow_retries,
                         breaker=breaker(redis, key_prefix, threshold=1, open_seconds=open_seconds))
    return CargoService(CargoTechMarketplace(client), redis, Keys(key_prefix), ttl, lock_timeout=5, stale_wait=1.0,
                        circuit=client.breaker)


async def warm(service, queries):
    answers = [await service.list(q) for q in queries]
    await asyncio.sleep(service.ttl.list + 0.1)  # the copies are no longer fresh
    service._local.clear()
    return answers


async def test_while_the_circuit_is_open_stale_copies_are_served_at_once(redis, key_prefix, standin):
    service = service_with_breaker(standin, redis, key_prefix)
    queries = [parse_filters({"from": str(city)}) for city in (1, 2, 3, 4)]
    fresh = await warm(service, queries)
    standin.fail_next("/v2/cargos/views", 503, times=1000)

    first = await service.list(queries[0])  # this refresh fails: the breaker opens
    assert first.stale
    calls = standin.calls["GET /v2/cargos/views"]
    for query, before in zip(queries[1:], fresh[1:], strict=True):
        started = time.perf_counter()
        answer = await service.list(query)
        assert time.perf_counter() - started < 0.5, "at once: not after the driver's wait (1 s) or the retries (≥ 1.5 s)"
        body = json.loads(answer.text)
        assert answer.stale and body["meta"]["stale"] is True and body["meta"]["age_seconds"] >= 2
        assert body["meta"]["fetched_at"] == json.loads(before.text)["meta"]["fetched_at"]
        assert body["items"] == json.loads(before.text)["items"]
    await asyncio.sleep(0.1)  # the background refreshes ran, and were refused by the open circuit
    assert standin.calls["GET /v2/cargos/views"] == calls, "no call leaves while the circuit is open"
    await service.aclose()


async def test_fresh_copies_as_soon_as_cargotech_is_back(redis, key_prefix, standin, monkeypatch):
    monkeypatch.setattr(service_module, "FAILURE_MEMORY_SECONDS", 1)  # shorter than the circuit's open time
    service = service_with_breaker(standin, redis, key_prefix, open_seconds=1)
    query = parse_filters({"from": "5"})
    await warm(service, [query])
    standin.fail_next("/v2/cargos/views", 503, times=1000)
    assert (await service.list(query)).stale  # the circuit opens
    standin.clear_faults()
    await asyncio.sleep(1.2)  # the circuit is half-open now: the next refresh is the probe
    service._local.clear()
    deadline = time.monotonic() + 3
    while (answer := await service.list(query)).stale and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not answer.stale and json.loads(answer.text)["meta"]["stale"] is False
    assert not await service._breaker.is_open()
    await service.aclose()


async def test_a_slow_cargotech_serves_the_stale_copy_and_refreshes_behind_it(redis, key_prefix, standin):
    service = service_with_breaker(standin, redis, key_prefix, ttl=CacheTTL(list=4, stale_max=600))
    query = parse_filters({"from": "7"})
    await warm(service, [query])
    standin.latency = 1.6  # slower than the driver's wait (1 s), but it does answer
    started = time.perf_counter()
    answer = await service.list(query)
    assert answer.stale and time.perf_counter() - started < 1.5
    await asyncio.sleep(1.2)  # the refresh finished in the background
    answer = await service.list(query)
    assert not answer.stale
    await service.aclose()


async def test_a_cargotech_answering_500_opens_the_circuit(redis, key_prefix, standin):
    """500 is not retried, but it is a failure: it must count towards opening the circuit, never close it."""
    client = make_client(standin, redis, key_prefix, breaker=breaker(redis, key_prefix, threshold=2, open_seconds=60))
    query = parse_filters({}, today=dt.date.today())
    standin.fail_next("/v2/cargos/views", 500, times=10)
    assert not await client.breaker.is_open()
    for _ in range(2):
        with pytest.raises(UpstreamError):
            await client.list_cargos(query)
    assert await client.breaker.is_open()


async def test_refusing_means_open_not_half_open_so_a_paced_caller_can_be_the_probe(redis, key_prefix):
    """The alerts watcher makes no call while the circuit refuses, but does while it is half-open: else it
    would wait for the failures to age out of the window instead of closing the circuit with its probe."""
    circuit = breaker(redis, key_prefix, threshold=2, open_seconds=60)
    assert not await circuit.refusing()
    await circuit.failed()
    await circuit.failed()
    assert await circuit.refusing() and await circuit.is_open()
    await redis.delete(f"{key_prefix}cargotech:circuit:open")  # the open period is over
    later = breaker(redis, key_prefix, threshold=2, open_seconds=60)  # a worker without a cached state
    assert await later.is_open() and not await later.refusing(), "half-open: known failing, yet a probe may go"
    assert await later.allow()
