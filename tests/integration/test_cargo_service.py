"""The shared cache: keyed by query not driver, one upstream call per miss across workers, stale on error."""

from __future__ import annotations

import asyncio
import json

import pytest

from cargotool.core.alerts.matcher import Criteria
from cargotool.core.cargo.filters import parse_filters
from cargotool.core.cargo.service import CacheTTL, CargoService
from cargotool.core.cargotech.marketplace import CargoTechMarketplace
from cargotool.core.errors import NotFound, UpstreamUnavailable
from cargotool.core.storage.redis import Keys
from cargotool.standin import CargoTechStandIn
from tests.conftest import TEST_PASSWORD, TEST_PHONE
from tests.integration.test_token_cache import make_client


def make_service(standin, redis, prefix, ttl=CacheTTL()) -> CargoService:
    return CargoService(CargoTechMarketplace(make_client(standin, redis, prefix)), redis, Keys(prefix), ttl, lock_timeout=5)


async def test_equal_searches_share_one_upstream_call(redis, key_prefix, standin):
    service = make_service(standin, redis, key_prefix)
    first = await service.list(parse_filters({"truck_types": "6,1", "from": "1"}))
    second = await service.list(parse_filters({"from": "1", "truck_types": "1,6,1"}))
    assert first.text == second.text
    assert standin.calls["GET /v2/cargos/views"] == 1
    body = json.loads(first.text)
    assert body["meta"]["stale"] is False and body["meta"]["fetched_at"].endswith("Z")


@pytest.mark.parametrize("spelt, spelt_out", [({"from": "1"}, {"from": "1", "from_type": "2"}),
                                               ({"wv": "1.0000001-10"}, {"wv": "1-10"})])
async def test_queries_sent_alike_upstream_share_one_entry(redis, key_prefix, standin, spelt, spelt_out):
    """One key per query, normalised as CargoTech is asked: the default point type spelt out or not, a weight
    past the digits sent; and a saved search keys on the same text without paging."""
    service = make_service(standin, redis, key_prefix)
    first, second = await service.list(parse_filters(spelt)), await service.list(parse_filters(spelt_out))
    assert first.text == second.text
    assert standin.calls["GET /v2/cargos/views"] == 1
    marketplace = service._marketplace
    query = parse_filters(spelt)
    assert marketplace.query_key(query) == marketplace.query_key(parse_filters(spelt_out))
    assert marketplace.query_key(query, paged=False) == marketplace.query_key(parse_filters(spelt_out), paged=False)
    assert Criteria.of(query) == Criteria.of(parse_filters(spelt_out))  # and the alerts matcher agrees


async def test_concurrent_identical_misses_cause_one_upstream_call(redis, key_prefix):
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD, latency=0.3)
    service = make_service(standin, redis, key_prefix)
    await service.list(parse_filters({"limit": "1"}))  # log in first: this test is about the cache
    standin.reset_counters()
    answers = await asyncio.gather(*(service.list(parse_filters({"wv": "20-83"})) for _ in range(30)))
    assert len({a.text for a in answers}) == 1
    assert standin.calls["GET /v2/cargos/views"] == 1


async def test_workers_sharing_redis_cause_one_upstream_call(redis, key_prefix):
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD, latency=0.3)
    workers = [make_service(standin, redis, key_prefix) for _ in range(4)]
    await workers[0].list(parse_filters({"limit": "1"}))
    standin.reset_counters()
    await asyncio.gather(*(w.detail(str(standin.dataset.cargos[3]["id"])) for w in workers for _ in range(5)))
    assert standin.calls["GET /v1/carrier/cargos/{id}"] == 1


async def test_stale_copy_is_served_when_cargotech_fails(redis, key_prefix, standin):
    service = make_service(standin, redis, key_prefix, CacheTTL(list=1, stale_max=60))
    query = parse_filters({"from": "1", "from_radius": "50"})
    fresh = await service.list(query)
    await asyncio.sleep(1.1)  # no longer fresh
    service._local.clear()
    standin.fail_next("/v2/cargos/views", 503, times=50)
    stale = await service.list(query)
    assert stale.stale and json.loads(stale.text)["meta"]["stale"] is True
    assert json.loads(stale.text)["items"] == json.loads(fresh.text)["items"]


async def test_without_a_copy_the_error_goes_to_the_caller(redis, key_prefix, standin):
    service = make_service(standin, redis, key_prefix)
    await service.list(parse_filters({"limit": "1"}))
    standin.fail_next("/v2/cargos/views", 503, times=50)
    with pytest.raises(UpstreamUnavailable):
        await service.list(parse_filters({"limit": "2"}))
    calls = standin.calls["GET /v2/cargos/views"]
    with pytest.raises(UpstreamUnavailable):  # the failure is remembered briefly: no new upstream call
        await service.list(parse_filters({"limit": "2"}))
    assert standin.calls["GET /v2/cargos/views"] == calls


async def test_stale_copies_expire(redis, key_prefix, standin):
    service = make_service(standin, redis, key_prefix, CacheTTL(list=1, stale_max=1))
    query = parse_filters({"limit": "3"})
    await service.list(query)
    await asyncio.sleep(2.1)
    service._local.clear()
    standin.fail_next("/v2/cargos/views", 503, times=50)
    with pytest.raises(UpstreamUnavailable):
        await service.list(query)


async def test_detail_points_and_dictionaries(redis, key_prefix, standin):
    service = make_service(standin, redis, key_prefix)
    cargo = standin.dataset.cargos[0]
    body = json.loads((await service.detail(str(cargo["id"]))).text)
    assert body["comment"] == cargo["extra"]["note"] and body["contacts"]
    with pytest.raises(NotFound):
        await service.detail("77")
    points = json.loads((await service.points("  моск ")).text)
    assert [p["name"] for p in points["items"]][:1] == ["Москва"]
    await service.points("МОСК")
    assert standin.calls["GET /v1/dictionaries/points"] == 1  # normalised text shares the cache
    standin.fail_next("/v1/dictionaries/load_types", 503, times=50)
    dictionaries = await service.dictionaries()
    assert dictionaries["load_types"] is None and any(t["name"] == "тент" for t in dictionaries["truck_types"])
