"""PostgreSQL goes silent while work is under way, or while nobody asks (issue 18 review).

- A trial connection whose caller gave up (an outer timeout cancelled it) must not leave the circuit
  half-open with nothing to close it: service is back once the server answers, even with no traffic.
- Queries already waiting for the server when it goes silent answer 503 in a bound, the circuit opens,
  and service recovers once the server answers again.
The bounds asserted are generous; the measured figures are printed (pytest -s).
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import peewee
import pytest

from cargotool.core.storage import dbcircuit
from cargotool.core.storage.db import Database
from cargotool.core.storage.dbcircuit import DatabaseUnavailable
from cargotool.core.storage.migrations import migrate
from tests.faults.pg_faults import login_body, proxy, until_status

__all__ = ["proxy"]  # the fixture used here
from tests.integration.test_live_server import live_server

DEADLINE = 20.0  # seconds: "back" or "answered" within this on a busy machine, or the test fails


@pytest.fixture
def proxied_url(postgres_url, proxy) -> str:
    return postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")


@pytest.fixture
def small_database(proxied_url):
    """Two connections, a 1 s pool wait and a 2 s statement timeout: the bounds are reached quickly."""
    database = Database(proxied_url, pool_size=2, pool_wait=1.0, statement_timeout=2.0)
    migrate(database)
    yield database
    database.close()


async def until_ping(database: Database) -> float:
    """Seconds until `database.ping()` succeeds (DEADLINE at most)."""
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        try:
            await asyncio.wait_for(database.ping(), 5)
            return time.monotonic() - started
        except (Exception, asyncio.TimeoutError):
            await asyncio.sleep(0.2)
    raise AssertionError(f"the database is still unusable {DEADLINE:g} s after it answers again "
                         f"(circuit {database.circuit.state})")


async def test_a_cancelled_trial_does_not_leave_the_circuit_half_open(small_database, proxy):
    database = small_database
    await database.ping()
    proxy.blackhole()
    with pytest.raises(DatabaseUnavailable):
        await database.ping()  # waits the pool wait on the silent server: the circuit opens
    assert database.circuit.state == dbcircuit.OPEN
    await asyncio.sleep(database.circuit.retry_seconds)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(database.ping(), timeout=0.3)  # the trial, cancelled from outside
    assert database.circuit.state != dbcircuit.HALF_OPEN, "the cancelled trial still holds the circuit"
    proxy.forward()
    print(f"\nback {await until_ping(database):.2f}s after the database answered again")


async def test_queries_in_flight_when_the_server_goes_silent_answer_503_and_the_circuit_opens(small_database, proxy):
    database = small_database
    await database.ping()
    started = threading.Semaphore(0)

    def slow_query():
        started.release()
        return database.peewee.execute_sql("SELECT pg_sleep(0.5)").fetchone()

    in_flight = [asyncio.ensure_future(database.run(slow_query)) for _ in range(2)]  # every thread busy
    for _ in in_flight:
        assert await asyncio.to_thread(started.acquire, True, DEADLINE)
    proxy.blackhole()  # their answers are swallowed
    began = time.monotonic()
    outcomes = await asyncio.wait_for(asyncio.gather(*in_flight, return_exceptions=True), DEADLINE)
    print(f"\nin-flight queries answered after {time.monotonic() - began:.2f}s: {[type(o).__name__ for o in outcomes]}")
    assert all(isinstance(o, DatabaseUnavailable) for o in outcomes), outcomes
    assert database.circuit.state != dbcircuit.CLOSED, "a silent server must open the circuit"
    with pytest.raises(DatabaseUnavailable):
        await database.ping()
    proxy.forward()
    print(f"back {await until_ping(database):.2f}s after the database answered again")


async def test_a_new_request_behind_busy_threads_on_a_silent_server_cuts_them_loose(small_database, proxy):
    """Every thread stuck on the silent server: the next unit waits the pool wait, sees that nothing
    finished meanwhile, opens the circuit and cuts the stuck connections, well before their own bound."""
    database = Database(small_database.url, pool_size=2, pool_wait=1.0, statement_timeout=60.0)
    try:
        await database.ping()
        started = threading.Semaphore(0)

        def slow_query():
            started.release()
            return database.peewee.execute_sql("SELECT pg_sleep(0.5)").fetchone()

        in_flight = [asyncio.ensure_future(database.run(slow_query)) for _ in range(2)]
        for _ in in_flight:
            assert await asyncio.to_thread(started.acquire, True, DEADLINE)
        proxy.blackhole()
        await asyncio.sleep(0.6)  # past the answers the server would have sent
        with pytest.raises(DatabaseUnavailable):
            await database.ping()  # queued behind the two, nothing finishes while it waits
        outcomes = await asyncio.wait_for(asyncio.gather(*in_flight, return_exceptions=True), DEADLINE)
        assert all(isinstance(o, Exception) for o in outcomes), outcomes
        assert database.circuit.state != dbcircuit.CLOSED
        proxy.forward()
        print(f"\nback {await until_ping(database):.2f}s after the database answered again")
    finally:
        database.close()


@pytest.fixture
def server(tmp_path, proxied_url):
    with live_server(tmp_path, workers=2, DATABASE_URL=proxied_url, RATE_LIMIT_LOGIN_BURST="1000") as running:
        yield running["url"]


async def test_service_returns_after_a_long_blackhole_with_no_traffic(server, proxy):
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        response = await client.post("/api/session", json=login_body(611))
        assert response.status_code == 200, response.text
        headers = {"Authorization": f"Bearer {response.json()['session_token']}"}
        proxy.blackhole()
        assert (await client.get("/api/responses", headers=headers)).status_code == 503  # the outage starts
        await asyncio.sleep(6)  # no traffic: only the outage probe asks
        proxy.forward()
        seconds, response = await until_status(lambda: client.get("/api/responses", headers=headers), 200, DEADLINE)
        print(f"\nanswering again {seconds:.2f}s after the database did (no traffic during a 6 s blackhole)")
        assert response.status_code == 200, response.text
        ready = await client.get("/readyz")
        assert ready.json()["checks"]["database"] == "ok", ready.text


async def test_pooled_connections_carry_the_statement_timeout_and_keepalives(postgres_url):
    database = Database(postgres_url, pool_size=2, pool_wait=1.0, statement_timeout=0.5)
    try:
        def settings():
            conn = database.peewee.connection()
            return database.peewee.execute_sql("SHOW statement_timeout").fetchone()[0], conn.get_dsn_parameters()

        shown, dsn = await database.run(settings)
        assert shown == "500ms"
        assert (dsn["keepalives"], dsn["keepalives_idle"], dsn["keepalives_count"]) == ("1", "5", "3")
        with pytest.raises(peewee.OperationalError, match="statement timeout"):
            await database.run(lambda: database.peewee.execute_sql("SELECT pg_sleep(5)").fetchone())
        assert database.circuit.state == dbcircuit.CLOSED, "the server answered: it is not down"
        await database.ping()
    finally:
        database.close()
