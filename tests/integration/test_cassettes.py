"""Replays of recorded CargoTech traffic (fixtures/cassettes) through the real client, with no network:
record_mode="none" makes any request that is not in the cassette fail the test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cargotool.core.cargotech import CargoTechClient, build_http_client
from cargotool.core.errors import NotFound, UpstreamAuthFailed, UpstreamUnavailable
from cargotool.core.storage.redis import Keys
from tests.cassettes import BASE_URL, CASSETTES, REPLAY_PASSWORD, REPLAY_PHONE, SCENARIOS, fast_retry, play


@pytest.fixture
async def client(redis, key_prefix):
    # Replaying: any credentials do (the login body is scrubbed and not matched). Recording live: real ones.
    phone = os.environ.get("CARGOTECH_PHONE", REPLAY_PHONE)
    password = os.environ.get("CARGOTECH_PASSWORD", REPLAY_PASSWORD)
    http = build_http_client(BASE_URL)
    yield CargoTechClient(http, phone=phone, password=password, redis=redis, keys=Keys(key_prefix), retry=fast_retry())
    await http.aclose()


def test_every_scenario_has_a_cassette_and_every_cassette_a_scenario():
    on_disk = {p.stem for p in Path(CASSETTES).glob("*.yaml")}
    assert on_disk == set(SCENARIOS)


async def test_login_and_me(client):
    account = await play("login_and_me", client)
    assert account.name and account.id
    status = await client.tokens.status()
    assert status.present and 0 < status.ttl_seconds <= 86400


async def test_list_default_page(client):
    page = await play("cargo_list_default", client)
    assert len(page.items) == 20 and page.offset == 0
    assert page.total and page.total > 20 and page.next_offset == 20
    for cargo in page.items:
        assert cargo.start.city.name and cargo.finish.city.name
        assert cargo.weight_kg > 0 and cargo.price > 0
        assert cargo.note is None  # the list never carries the comment


async def test_list_second_page_follows_the_first(client):
    page = await play("cargo_list_second_page", client)
    assert page.offset == 20 and len(page.items) == 20


async def test_list_with_route_and_weight_volume_class(client):
    page = await play("cargo_list_route_wv", client)
    for cargo in page.items:
        assert cargo.weight_kg <= 20000 and cargo.volume_m3 <= 83


async def test_list_from_a_city(client):
    page = await play("cargo_list_from_city", client)
    assert page.items and page.total >= len(page.items)


async def test_list_with_types_and_money_ranges(client):
    page = await play("cargo_list_types_money", client)
    for cargo in page.items:
        assert {t.id for t in cargo.truck_types} & {1, 6}
        assert 300 <= cargo.distance_km <= 2000 and cargo.price >= 5_000_000


async def test_detail_has_comment_and_contacts(client):
    cargo = await play("cargo_detail", client)
    assert cargo.note
    assert cargo.contacts and all(c.phones for c in cargo.contacts)
    assert cargo.start.address and cargo.shipper.name


async def test_detail_of_a_missing_load_is_not_found(client):
    with pytest.raises(NotFound):
        await play("cargo_detail_missing", client)


async def test_point_search(client):
    points = await play("points_search", client)
    assert points and all("моск" in p.name.lower() for p in points)


async def test_dictionaries(client):
    trucks, loads = await play("dictionaries", client)
    assert any(t.name == "рефрижератор" for t in trucks) and any(t.name == "задняя" for t in loads)


async def test_401_drops_the_token_logs_in_again_and_retries_once(client):
    account = await play("relogin_after_401", client)
    assert account.id
    assert await client.tokens._redis.get(client.tokens.token_key) == "1|REDACTED-token-0001"


async def test_429_is_retried_after_retry_after(client):
    account = await play("rate_limited_429", client)
    assert account.id


async def test_503_is_retried(client):
    assert (await play("unavailable_503_then_ok", client)).id


async def test_persistent_503_becomes_unavailable(client):
    with pytest.raises(UpstreamUnavailable):
        await play("unavailable_503_persistent", client)


async def test_wrong_credentials_are_a_typed_error_and_remembered(client):
    with pytest.raises(UpstreamAuthFailed):
        await play("wrong_credentials", client)
    status = await client.tokens.status()
    assert not status.present and "credentials" in status.last_failure


def test_cassettes_hold_no_secrets():
    from tests.conftest import TEST_PASSWORD

    for path in Path(CASSETTES).glob("*.yaml"):
        text = path.read_text()
        assert "authorization" not in text.lower(), path.name
        assert REPLAY_PASSWORD not in text and TEST_PASSWORD not in text, path.name
        for line in text.splitlines():
            if '"token"' in line:
                assert "REDACTED" in line, (path.name, line)


async def test_probe_on_the_recorded_traffic_finds_every_critical_assumption_holding(client):
    report = await play("probe", client)
    verdicts = {f.key: f.verdict for f in report.findings}
    assert report.ok, [f for f in report.findings if f.critical and f.verdict != "holds"]
    assert verdicts["meta.size"] == verdicts["paging"] == verdicts["filter.route"] == verdicts["detail"] == "holds"
    assert verdicts["dict.truck_types"] == verdicts["filter.mode_my"] == "holds"
    assert report.unknown_fields == {}
