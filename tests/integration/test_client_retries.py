"""Retries, backoff and typed errors of the CargoTech client against the stand-in."""

from __future__ import annotations

import time

import httpx
import pytest

from cargotool.core.cargotech import CargoTechClient, build_http_client
from cargotool.core.cargotech.retry import RetryPolicy
from cargotool.core.errors import NotFound, UpstreamBadResponse, UpstreamError, UpstreamUnavailable
from cargotool.core.storage.redis import Keys
from tests.conftest import TEST_PASSWORD, TEST_PHONE
from tests.integration.test_token_cache import make_client


async def test_503_twice_then_success(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix)
    standin.fail_next("/v2/cargos/views", 503, times=2)
    from cargotool.core.loads import LoadQuery

    page = await client.list_cargos(LoadQuery(limit=3))
    assert len(page.items) == 3
    assert standin.calls["GET /v2/cargos/views"] == 3


async def test_429_waits_for_retry_after(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix)
    await client.me()
    standin.fail_next("/v1/me", 429, headers={"Retry-After": "1"})
    started = time.monotonic()
    await client.me()
    assert time.monotonic() - started >= 0.95


async def test_retry_after_beyond_the_deadline_gives_up_at_once(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix, retry=RetryPolicy(max_attempts=5, deadline=2))
    await client.me()
    standin.fail_next("/v1/me", 429, headers={"Retry-After": "120"})
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable, match="rate limiting"):
        await client.me()
    assert time.monotonic() - started < 1


async def test_attempts_are_bounded(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix)
    await client.me()
    standin.fail_next("/v1/me", 502, times=10)
    with pytest.raises(UpstreamUnavailable, match="after 3 attempt"):
        await client.me()
    assert standin.calls["GET /v1/me"] == 1 + 3


async def test_connection_refused_is_unavailable(redis, key_prefix):
    http = build_http_client("http://127.0.0.1:9", connect_timeout=0.5)
    client = CargoTechClient(http, phone=TEST_PHONE, password=TEST_PASSWORD, redis=redis, keys=Keys(key_prefix),
                             retry=RetryPolicy(max_attempts=2, base_delay=0.01, deadline=3))
    with pytest.raises(UpstreamUnavailable, match="could not reach"):
        await client.me()
    await http.aclose()


async def test_not_json_is_a_bad_response(redis, key_prefix, standin):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth/login":
            return httpx.Response(200, json={"data": {"token": "5|abcdefghijklmnopqrstuv"}})
        return httpx.Response(200, text="<html>maintenance</html>")

    http = build_http_client("https://api.cargotech.pro", transport=httpx.MockTransport(handler))
    client = CargoTechClient(http, phone=TEST_PHONE, password=TEST_PASSWORD, redis=redis, keys=Keys(key_prefix))
    with pytest.raises(UpstreamBadResponse):
        await client.me()


async def test_login_without_token_is_a_bad_response(redis, key_prefix):
    http = build_http_client(
        "https://api.cargotech.pro", transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"data": {}}))
    )
    client = CargoTechClient(http, phone=TEST_PHONE, password=TEST_PASSWORD, redis=redis, keys=Keys(key_prefix))
    with pytest.raises(UpstreamBadResponse, match="data.token"):
        await client.me()


async def test_missing_load_and_rejected_query(redis, key_prefix, standin):
    client = make_client(standin, redis, key_prefix)
    with pytest.raises(NotFound):
        await client.get_cargo("999")
    with pytest.raises(NotFound):
        await client.get_cargo("../v1/me")  # never sent upstream
    standin.fail_next("/v2/cargos/views", 422)
    from cargotool.core.loads import LoadQuery

    with pytest.raises(UpstreamError, match="422"):
        await client.list_cargos(LoadQuery())
