"""The YooKassa gateway's failure handling: a YooKassa that never answers is bounded and cannot starve
the database's threads; only network and YooKassa errors read as "unavailable"."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
import requests

from cargotool.core.billing.gateway import YooKassaGateway, _upstream_failure
from cargotool.core.errors import UpstreamUnavailable
from cargotool.core.storage.db import Database
from tests.integration.test_billing import SECRET_KEY, SHOP_ID


@pytest.fixture
def silent_url():
    """A loopback socket that accepts connections (the kernel's backlog does) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    yield f"http://127.0.0.1:{server.getsockname()[1]}/v3"
    server.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 'g.sqlite3'}"
    database = Database(url)
    yield database
    database.close()


async def test_a_silent_yookassa_is_bounded_and_the_database_keeps_working(silent_url, database):
    gateway = YooKassaGateway(SHOP_ID, SECRET_KEY, silent_url, timeout=1.0)
    try:
        started = time.monotonic()
        calls = [asyncio.ensure_future(gateway.find(f"p-{n}")) for n in range(40)]  # more than any default pool
        await asyncio.sleep(0.3)  # the calls now hold every thread they can get
        queried = time.monotonic()
        assert await asyncio.wait_for(database.run(lambda: database.peewee.execute_sql("SELECT 1").fetchone()[0]), 2) == 1
        assert time.monotonic() - queried < 1.0  # the database did not wait for YooKassa
        results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 10)
        assert all(isinstance(r, UpstreamUnavailable) for r in results), results
        assert time.monotonic() - started < 5
    finally:
        gateway.close()


async def test_a_request_timeout_is_set_on_the_sdks_sessions(silent_url):
    """The thread itself ends too (requests' timeout), not only our wait for it."""
    from yookassa import Payment

    gateway = YooKassaGateway(SHOP_ID, SECRET_KEY, silent_url, timeout=0.5)
    try:
        gateway._configure()
        started = time.monotonic()
        with pytest.raises(AttributeError) as failed:  # the SDK's way of reporting requests' errors
            Payment.find_one("p-1")  # synchronously, as a worker thread runs it
        assert time.monotonic() - started < 3
        assert isinstance(failed.value.__context__, requests.Timeout) and _upstream_failure(failed.value)
    finally:
        gateway.close()


async def test_only_network_and_yookassa_errors_read_as_unavailable():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens here: connection refused
    gateway = YooKassaGateway(SHOP_ID, SECRET_KEY, f"http://127.0.0.1:{port}/v3", timeout=5)
    try:
        with pytest.raises(UpstreamUnavailable):
            await gateway.find("p-1")

        def our_bug():
            return {}["missing"]

        with pytest.raises(KeyError):  # a bug of ours is not "YooKassa is unavailable"
            await gateway._call(our_bug)
    finally:
        gateway.close()
