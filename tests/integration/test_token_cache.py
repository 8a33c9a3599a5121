"""Single-flight login, re-login on 401 and the failure memory, over the real Redis."""

from __future__ import annotations

import asyncio

import pytest

from cargotool.core.cargotech import CargoTechClient, build_http_client
from cargotool.core.loads import LoadQuery
from cargotool.core.cargotech.retry import RetryPolicy
from cargotool.core.errors import UpstreamAuthFailed, UpstreamUnavailable
from cargotool.core.storage.redis import Keys
from cargotool.standin import CargoTechStandIn, StandInTransport
from tests.conftest import TEST_PASSWORD, TEST_PHONE


def make_client(standin, redis, prefix, **kwargs) -> CargoTechClient:
    http = build_http_client("https://api.cargotech.pro", transport=StandInTransport(standin))
    kwargs.setdefault("retry", RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, deadline=5))
    return CargoTechClient(http, phone=TEST_PHONE, password=TEST_PASSWORD, redis=redis, keys=Keys(prefix), **kwargs)


async def test_fifty_concurrent_callers_with_empty_cache_cause_one_login(redis, key_prefix):
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD, login_latency=0.2)
    client = make_client(standin, redis, key_prefix)
    accounts = await asyncio.gather(*(client.me() for _ in range(50)))
    assert len(accounts) == 50 and all(a.id for a in accounts)
    assert standin.logins == 1
    assert standin.calls["GET /v1/me"] == 50


async def test_separate_clients_sharing_redis_cause_one_login(redis, key_prefix):
    """Like several workers: each has its own client and in-process state, only Redis is shared."""
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD, login_latency=0.3)
    clients = [make_client(standin, redis, key_prefix) for _ in range(5)]
    await asyncio.gather(*(c.me() for c in clients for _ in range(10)))
    assert standin.logins == 1


async def test_token_is_cached_with_the_configured_ttl(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix, token_ttl=600)
    await client.me()
    await client.me()
    assert standin.logins == 1
    assert 590 <= await redis.ttl(f"{key_prefix}cargotech:api:token") <= 600
    status = await client.tokens.status()
    assert status.present and status.age_seconds < 5


async def test_a_401_midstream_causes_exactly_one_relogin(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix)
    await client.me()
    old_token = await redis.get(f"{key_prefix}cargotech:api:token")
    standin.revoke_tokens()
    pages = await asyncio.gather(*(client.list_cargos(LoadQuery(limit=5)) for _ in range(20)))
    assert all(len(p.items) == 5 for p in pages)
    assert standin.logins == 2  # the first login, and exactly one re-login
    assert await redis.get(f"{key_prefix}cargotech:api:token") != old_token


async def test_invalidate_only_drops_the_token_that_failed(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix)
    await client.me()
    current = await redis.get(f"{key_prefix}cargotech:api:token")
    assert not await client.tokens.invalidate("1|some-older-token")
    assert await redis.get(f"{key_prefix}cargotech:api:token") == current
    assert await client.tokens.invalidate(current)
    assert await redis.get(f"{key_prefix}cargotech:api:token") is None


async def test_second_401_with_a_fresh_token_is_an_error(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix)
    await client.me()
    standin.fail_next("/v1/me", 401, times=2)
    with pytest.raises(UpstreamAuthFailed, match="freshly issued"):
        await client.me()
    assert standin.logins == 2


async def test_wrong_credentials_are_remembered_and_not_retried_in_a_loop(redis, key_prefix):
    standin = CargoTechStandIn(phone=TEST_PHONE, password="another-password")
    client = make_client(standin, redis, key_prefix, failure_backoff=60)
    for _ in range(5):
        with pytest.raises(UpstreamAuthFailed):
            await client.me()
    assert standin.logins == 1
    standin.password = TEST_PASSWORD  # the operator fixes the credentials ...
    await client.tokens.flush()  # ... and flushes: the next call logs in
    assert (await client.me()).id
    assert standin.logins == 2


async def test_concurrent_callers_all_get_the_login_failure(redis, key_prefix):
    standin = CargoTechStandIn(phone=TEST_PHONE, password="wrong", login_latency=0.2)
    client = make_client(standin, redis, key_prefix)
    results = await asyncio.gather(*(client.me() for _ in range(20)), return_exceptions=True)
    assert all(isinstance(r, UpstreamAuthFailed) for r in results)
    assert standin.logins == 1


async def test_unreachable_login_is_remembered_briefly(redis, key_prefix, standin):
    standin.fail_next("/v1/auth/login", 503, times=100)
    client = make_client(standin, redis, key_prefix)
    for _ in range(3):
        with pytest.raises(UpstreamUnavailable):
            await client.me()
    assert standin.logins == 3  # one login call, retried 3 times inside the policy; then remembered


async def test_a_crashed_lock_holder_only_delays_others_until_its_lock_expires(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix, lock_timeout=1.0)
    await redis.set(f"{key_prefix}cargotech:api:token:lock", "dead-owner", px=500)
    account = await asyncio.wait_for(client.me(), timeout=5)
    assert account.id and standin.logins == 1
