"""PostgreSQL blackholed, refused, or its pooled connections killed (issue 18.3).

A blackholed server accepts TCP but never answers. Before the pool every request opened its own
connection behind peewee's connect lock and waited out libpq's connect timeout, so the n-th queued
request took about 5·n s. Now every request that needs the database answers 503 within the pool wait
(2 s), a cached list keeps answering 200, and service comes back when the server answers again.

`cargotool serve` runs as a real process with its database behind a proxy the test blackholes. The
latencies are printed (pytest -s); the bound asserted is generous for a busy machine, the target 2.5 s.
"""

from __future__ import annotations

import asyncio

import httpx
import psycopg2
import pytest

from tests.conftest import close_services
from tests.faults.pg_faults import build_on, login_body, proxy, timed, until_status

__all__ = ["proxy"]  # the fixture used here
from tests.integration.test_live_server import live_server

GENEROUS = 4.0  # seconds; the target is 2.5 s, the margin is for a busy machine


@pytest.fixture
def server(tmp_path, postgres_url, proxy):
    url = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    with live_server(tmp_path, workers=2, DATABASE_URL=url, RATE_LIMIT_LOGIN_BURST="1000") as running:
        yield running["url"]


async def signed_in(client: httpx.AsyncClient, user_id: int = 601) -> dict:
    response = await client.post("/api/session", json=login_body(user_id))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['session_token']}"}


def figures(results) -> str:
    return ", ".join(f"{seconds:.2f}s" for seconds, _ in results)


def all_quick_503s(results) -> bool:
    return all(r.status_code == 503 and r.json()["error"]["code"] == "unavailable" and s < GENEROUS for s, r in results)


async def test_blackholed_database_answers_503_fast_and_the_cached_list_keeps_working(server, proxy):
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        headers = await signed_in(client)
        assert (await client.get("/api/cargos", headers=headers)).status_code == 200  # now cached
        assert (await client.get("/api/responses", headers=headers)).status_code == 200  # an idle pooled connection

        proxy.blackhole()
        burst = [timed(client.post("/api/session", json=login_body(700 + n))) for n in range(6)]
        burst += [timed(client.get("/api/responses", headers=headers)) for _ in range(4)]
        results = await asyncio.gather(*burst)
        print("\nblackholed, 10 concurrent requests needing the database:", figures(results))
        assert all_quick_503s(results), [(s, r.status_code, r.text) for s, r in results]
        then = [await timed(client.get("/api/responses", headers=headers)) for _ in range(5)]
        print("blackholed, 5 requests one after the other:", figures(then))
        assert all_quick_503s(then)
        seconds, ready = await timed(client.get("/readyz"))
        print(f"blackholed, /readyz: {seconds:.2f}s {ready.json()['checks']}")
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("error")
        assert ready.json()["checks"]["schema"] == "error: the database does not answer" and seconds < GENEROUS
        cached = await timed(client.get("/api/cargos", headers=headers))
        print(f"blackholed, the cached list: {cached[0]:.2f}s")
        assert cached[1].status_code == 200, "a cached list does not need the database"

        proxy.forward()
        seconds, response = await until_status(lambda: client.get("/api/responses", headers=headers), 200)
        print(f"answering again {seconds:.2f}s after the database did")
        assert response.status_code == 200, response.text
        assert (await client.post("/api/session", json=login_body(799))).status_code == 200


async def test_refused_database_answers_503_fast_then_recovers(server, proxy):
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        headers = await signed_in(client)
        proxy.cut()  # nothing listens: connections are refused
        results = await asyncio.gather(*(timed(client.post("/api/session", json=login_body(800 + n))) for n in range(5)))
        print("\nrefused:", figures(results))
        assert all_quick_503s(results)
        proxy.restore()
        _, response = await until_status(lambda: client.get("/api/responses", headers=headers), 200)
        assert response.status_code == 200, response.text


def backend_pid(database) -> int:
    return database.peewee.execute_sql("SELECT pg_backend_pid()").fetchone()[0]


async def test_a_killed_pooled_connection_is_replaced_not_handed_out(settings, standin, postgres_url, redis):
    app, services = build_on(postgres_url, settings, standin, redis)
    database = services.database
    try:
        first = await database.run(lambda: backend_pid(database))
        assert await database.run(lambda: backend_pid(database)) == first, "the pooled connection is reused"
        admin = psycopg2.connect(postgres_url)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", (first,))
            assert cur.fetchone()[0] is True
        admin.close()
        assert await database.run(lambda: backend_pid(database)) != first  # a fresh connection, no error
        response = await app.asgi_client.post("/api/session", json=login_body(901))
        assert response[1].status == 200, response[1].text
    finally:
        await close_services(services)
