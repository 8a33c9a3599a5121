"""Is the company real? (issue 21 §3) through the DaData stand-in (cargotool/standin/dadata.py) and the official
client: cards show what is cached and never wait; the background job fills the rest in; the detail asks at once;
answers are kept a day; no key — no section and no request; DaData's errors never break the list or the detail and
pause the next requests; the key never reaches logs, exceptions or the database."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from pydantic import TypeAdapter
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.cargo.card_types import CompanyCheck, CompanyStatus
from cargotool.core.clock import MOSCOW
from cargotool.core.companycheck.register import DadataRegister, RegisterError
from cargotool.core.companycheck.service import CompanyChecks
from cargotool.core.companycheck.store import CompanyRegistration
from cargotool.server.app import create_app
from cargotool.standin import StandInServer, StandInTransport
from cargotool.standin.dadata import DadataStandIn
from cargotool.standin.dataset import COMPANIES
from tests.conftest import close_services
from tests.integration.test_api import auth, login

Sanic.test_mode = True

DADATA_KEY = "dd-Key-5ecret-9f3a7c1e"  # distinctive: the leak test searches for it
TODAY = dt.date(2026, 12, 4)
NOON = dt.datetime(2026, 12, 4, 12, 0, tzinfo=MOSCOW)


@pytest.fixture
def dadata():
    standin = DadataStandIn(DADATA_KEY, today=TODAY)
    with StandInServer(standin) as url:
        yield standin, f"{url}/suggestions/api/4_1/rs/"


def _app(settings, redis, standin):
    return create_app(settings, services_factory=lambda s: build_services(s, redis=redis, transport=StandInTransport(standin)))


@pytest.fixture
def keyed(settings, dadata):
    return settings.replace(dadata_api_key=DADATA_KEY, dadata_url=dadata[1], dadata_timeout=1.0)


@pytest.fixture
def app(keyed, redis, standin):
    return _app(keyed, redis, standin)


@pytest.fixture
async def worker(keyed, redis, standin):
    """Another process's services on the same Redis and database: where the background job runs (the test
    client's app closes its own after each request)."""
    built = build_services(keyed, redis=redis, transport=StandInTransport(standin))
    yield built
    await built.company_checks.aclose()
    await close_services(built)


async def _get(app, path, **params):
    headers = auth((await login(app, 701))["session_token"])
    _, response = await app.asgi_client.get(path, headers=headers, params=params)
    assert response.status == 200, response.text
    return response.json


def _typed(check):
    """`company_check` is what core/cargo/card_types.py declares (the OpenAPI document is that type)."""
    TypeAdapter(CompanyCheck).validate_python(check, strict=True)
    for party in filter(None, check.values()):
        assert set(party) <= set(CompanyStatus.__required_keys__ | CompanyStatus.__optional_keys__)
    return check


def _by_inn(items):
    found = {}
    for card in items:
        for party in _typed(card["company_check"]).values():
            if party:
                found[party["inn"]] = party
    return found


async def test_list_never_asks_the_job_fills_in_and_the_next_fetch_shows_it(app, dadata, worker):
    fake, _ = dadata
    page = await _get(app, "/api/cargos", limit="50")
    assert all(card["company_check"]["poster"]["status"] == "pending" for card in page["items"])
    assert fake.calls == 0  # the list waited for nothing
    checks = worker.company_checks
    assert await checks.queued() >= 5
    assert await checks.fill() >= 5 and await checks.queued() == 0
    spent = fake.calls
    assert spent == 2 * len(_by_inn(page["items"]))  # each INN once: the company and the forwarders' register
    await worker.redis.delete(*[k async for k in worker.redis.scan_iter(match=worker.keys("cache:*"))])  # as after CACHE_LIST_TTL: the next fetch reads the database
    again = _by_inn((await _get(app, "/api/cargos", limit="50"))["items"])
    assert fake.calls == spent  # cached: no second request
    texts = {inn: party["text"] for inn, party in again.items()}
    assert texts[COMPANIES[0]["inn"]] == "действующая, с 2014 г."
    assert texts[COMPANIES[1]["inn"]] == "создана 2 месяца назад" and again[COMPANIES[1]["inn"]]["young"] is True
    assert texts[COMPANIES[3]["inn"]] == "ликвидируется"
    assert texts[COMPANIES[4]["inn"]] == "ликвидирована"


async def test_detail_asks_at_once_then_from_the_database(app, dadata, standin):
    fake, _ = dadata
    cargo = next(c for c in standin.dataset.cargos if c["company"]["inn"] == COMPANIES[3]["inn"])
    body = await _get(app, f"/api/cargos/{cargo['id']}")
    poster = _typed(body["company_check"])["poster"]
    assert poster["status"] == "liquidating" and poster["text"] == "ликвидируется" and poster["name"] == "ООО «Уралснаб»"
    assert poster["forwarder"]["listed"] is True and poster["forwarder"]["text"].startswith("в реестре экспедиторов с ")
    assert poster["registered"] == (TODAY - dt.timedelta(days=6 * 365)).isoformat()
    spent = fake.calls
    assert spent >= 2
    body = await _get(app, f"/api/cargos/{cargo['id']}")
    assert body["company_check"]["poster"]["status"] == "liquidating" and fake.calls == spent


async def test_no_key_no_section_and_no_request(settings, redis, standin, dadata):
    fake, url = dadata
    app = _app(settings.replace(dadata_url=url), redis, standin)
    page = await _get(app, "/api/cargos", limit="20")
    assert all("company_check" not in card for card in page["items"])
    detail = await _get(app, f"/api/cargos/{page['items'][0]['id']}")
    assert "company_check" not in detail
    assert fake.calls == 0


@pytest.mark.parametrize("status", [403, 429, 500])
async def test_errors_keep_the_list_and_detail_and_pause_the_next_requests(app, dadata, worker, status, caplog):
    fake, _ = dadata
    fake.fail_with = status
    page = await _get(app, "/api/cargos", limit="20")
    assert page["items"]
    detail = await _get(app, f"/api/cargos/{page['items'][0]['id']}")
    assert detail["company_check"]["poster"]["status"] == "pending" and detail["company_check"]["poster"]["text"] == "проверяется"
    asked = fake.calls
    assert asked >= 1
    assert await worker.company_checks.fill() == 0  # paused: the job does not hammer DaData
    await _get(app, f"/api/cargos/{page['items'][1]['id']}")
    assert fake.calls == asked
    assert f"HTTP {status}" in caplog.text and DADATA_KEY not in caplog.text


async def test_a_slow_register_is_pending_on_the_detail(settings, redis, standin, dadata):
    fake, url = dadata
    fake.delay = 1.0
    app = _app(settings.replace(dadata_api_key=DADATA_KEY, dadata_url=url, dadata_timeout=0.3,
                                dadata_detail_wait=5.0), redis, standin)
    cargo = standin.dataset.cargos[0]
    detail = await _get(app, f"/api/cargos/{cargo['id']}")
    assert detail["company_check"]["poster"]["status"] == "pending"
    assert await redis.exists(app.ctx.services.keys("company:pause"))


@pytest.fixture
async def checks_on(services, dadata):
    """`checks_on(daily_limit)`: company checks on a pinned clock (`now[0]`, midday in Moscow)."""
    now = [NOON]
    built = []

    def make(daily_limit=100):
        register = DadataRegister(DADATA_KEY, dadata[1], timeout=2.0)
        built.append(CompanyChecks(register, services.database, services.redis, services.keys,
                                   daily_limit=daily_limit, clock=lambda: now[0]))
        return built[-1], now, dadata[0]

    yield make
    for checks in built:
        await checks.aclose()


@pytest.fixture
def pinned(checks_on):
    return checks_on()


async def test_answers_are_kept_a_day(pinned):
    checks, now, fake = pinned
    inn = COMPANIES[0]["inn"]
    body = {"company": {"inn": inn}, "shipper": None}
    await checks.attach_detail(body)
    assert body["company_check"]["poster"]["status"] == "active" and fake.calls == 2
    now[0] = NOON + dt.timedelta(hours=23, minutes=59)
    await checks.attach_detail(body)
    assert fake.calls == 2  # still fresh
    now[0] = NOON + dt.timedelta(days=1, minutes=1)
    await checks.attach_detail(body)
    assert fake.calls == 4 and body["company_check"]["poster"]["text"] == "действующая, с 2014 г."


async def test_the_daily_cap_holds_and_the_queue_waits(checks_on):
    checks, now, fake = checks_on(daily_limit=2)  # one lookup (two requests) a day
    await checks.enqueue([COMPANIES[0]["inn"], COMPANIES[1]["inn"]])
    assert await checks.fill() == 1 and fake.calls == 2 and await checks.queued() == 1
    assert await checks.fill() == 0 and fake.calls == 2
    now[0] = NOON + dt.timedelta(days=1)  # a new Moscow day: a new budget
    assert await checks.fill() == 1 and await checks.queued() == 0


async def test_the_key_never_reaches_logs_exceptions_or_the_database(pinned, services, caplog, tmp_path):
    checks, now, fake = pinned
    caplog.set_level(logging.DEBUG)
    await checks.attach_detail({"company": {"inn": COMPANIES[2]["inn"]}, "shipper": None})  # one saved answer
    fake.fail_with = 403
    with pytest.raises(RegisterError) as raised:
        await checks.register.lookup(COMPANIES[1]["inn"])
    assert raised.value.kind == "auth" and DADATA_KEY not in str(raised.value) and raised.value.__cause__ is None
    await services.redis.delete(services.keys("company:pause"))
    await checks.attach_detail({"company": {"inn": COMPANIES[1]["inn"]}, "shipper": None})
    assert "HTTP 403" in caplog.text and DADATA_KEY not in caplog.text
    database = tmp_path / "test.sqlite3"
    services.database.close()
    assert database.exists() and DADATA_KEY.encode() not in database.read_bytes()
    stored = [await services.redis.get(k) async for k in services.redis.scan_iter(match=services.keys("*"))
              if await services.redis.type(k) == "string"]
    assert all(DADATA_KEY not in (value or "") for value in stored)


async def test_answers_are_replaced_in_place_on_postgresql(settings, redis, standin, dadata, postgres_url):
    """The day-old answer is overwritten (an upsert by INN) on PostgreSQL as on SQLite."""
    built = build_services(settings.replace(database_url=postgres_url), redis=redis, transport=StandInTransport(standin))
    now = [NOON]
    checks = CompanyChecks(DadataRegister(DADATA_KEY, dadata[1], timeout=2.0), built.database, redis, built.keys,
                           daily_limit=100, clock=lambda: now[0])
    try:
        inn = COMPANIES[1]["inn"]
        body = {"company": {"inn": inn}, "shipper": None}
        await checks.attach_detail(body)
        assert body["company_check"]["poster"]["text"] == "создана 2 месяца назад"
        now[0] = NOON + dt.timedelta(days=40)  # a day later the register is asked again; the company has aged
        await checks.attach_detail(body)
        assert dadata[0].calls == 4 and body["company_check"]["poster"]["text"] == "создана 3 месяца назад"
        assert await built.database.run(lambda: CompanyRegistration.select().count()) == 1
    finally:
        await checks.aclose()
        await close_services(built)


@pytest.mark.parametrize("status,off_for", [(403, 86400), (429, 3600), (500, 900)])
async def test_a_failing_forwarders_register_stops_only_itself(checks_on, services, status, off_for, caplog):
    """A key or plan without `findById/forwarder`, its quota, or a passing failure of it must not stop the
    company checks: that register alone is not asked for a while (a day, at most an hour, 15 min)."""
    checks, now, fake = checks_on()
    fake.fail_with, fake.fail_only = status, "forwarder"
    inn, other = COMPANIES[0]["inn"], COMPANIES[1]["inn"]
    body = {"company": {"inn": inn}, "shipper": None}
    await checks.attach_detail(body)
    poster = body["company_check"]["poster"]
    assert poster["status"] == "active" and poster["forwarder"] is None  # the status stands without it
    assert f"findById/forwarder: HTTP {status}" in caplog.text and DADATA_KEY not in caplog.text
    assert await checks.budget.forwarder_off() and await checks.queued() == 0
    ttl = await services.redis.ttl(services.keys("company:forwarder:off"))
    assert 0 < ttl <= off_for and (status != 403 or ttl > 3600)
    calls = fake.calls
    await checks.attach_detail(body)  # checked for now: no request, not even a retry of the forwarders
    assert fake.calls == calls
    second = {"company": {"inn": other}, "shipper": None}
    await checks.attach_detail(second)  # another company: the company register only (one request)
    assert fake.calls == calls + 1 and second["company_check"]["poster"]["status"] != "pending"
    assert await checks.budget.take()  # the company register is not paused
    await services.redis.delete(services.keys("company:forwarder:off"))  # that register is back
    fake.fail_with = None
    await checks.attach_detail(body)
    assert fake.calls == calls + 3 and body["company_check"]["poster"]["forwarder"] is not None


async def test_an_inn_failing_its_checksum_is_an_inn_with_an_error(pinned):
    checks, _, fake = pinned
    body = {"company": {"inn": "7707083894"}, "shipper": None}  # 7707083893 with its check digit off by one
    await checks.attach_detail(body)
    poster = body["company_check"]["poster"]
    assert poster["text"] == "ИНН с ошибкой" and poster["status"] == "not_found" and fake.calls == 0
