"""Redis connections reset under load (a restart, a failover, a proxy dropping idle connections): the
real `cargotool serve` (uvloop: a write on a reset connection raises RuntimeError, not an OSError) sits
behind a TCP proxy that drops every connection again and again while drivers list loads. Not one 500:
what cannot be retried on a fresh connection is a 503 with Retry-After, and /readyz is ready after."""

from __future__ import annotations

import asyncio
import collections

import httpx
import pytest

from tests.conftest import TEST_REDIS_URL
from tests.faults.redis_processes import ThreadedProxy, until
from tests.integration.test_live_server import live_server, token

RESETS = 12
CLIENTS = 16


@pytest.fixture
def proxy():
    running = ThreadedProxy(int(TEST_REDIS_URL.rsplit(":", 1)[1].split("/")[0]))
    yield running
    running.close()


@pytest.fixture
def server(tmp_path, proxy):
    db = TEST_REDIS_URL.rsplit("/", 1)[1]
    with live_server(tmp_path, workers=2, REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{db}") as running:
        yield running


async def list_under_resets(url: str, headers: dict, proxy: ThreadedProxy) -> list[tuple[str, httpx.Response | None]]:
    """CLIENTS drivers list loads while the proxy drops every Redis connection RESETS times."""
    answers: list[tuple[str, httpx.Response | None]] = []
    done = asyncio.Event()

    async def driver(n: int, client: httpx.AsyncClient) -> None:
        while not done.is_set():
            try:
                response = await client.get(f"/api/cargos?from={1 + n % 5}")
                answers.append(("after" if done.is_set() else "during", response))
            except httpx.HTTPError as exc:
                answers.append((type(exc).__name__, None))

    async def resetter() -> None:
        for _ in range(RESETS):
            await asyncio.sleep(0.25)
            await asyncio.to_thread(proxy.reset)
        await asyncio.sleep(0.25)
        done.set()

    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=20,
                                 limits=httpx.Limits(max_connections=CLIENTS)) as client:
        await asyncio.gather(resetter(), *(driver(n, client) for n in range(CLIENTS)))
    return answers


def test_reset_connections_under_load_are_never_a_500(server, proxy):
    url = server["url"]
    headers = {"Authorization": f"Bearer {token(url)}"}
    answers = asyncio.run(list_under_resets(url, headers, proxy))

    statuses = collections.Counter(r.status_code if r is not None else phase for phase, r in answers)
    assert statuses[200] > RESETS, statuses  # the load ran through the resets
    assert set(statuses) <= {200, 503}, statuses  # no 500, no dropped HTTP connection
    for _, response in answers:
        if response.status_code == 503:
            assert response.json()["error"]["code"] == "unavailable" and int(response.headers["retry-after"]) > 0
    log = server["log"].read_text()
    assert "RuntimeError" not in log and "Traceback" not in log, log[-3000:]

    until(lambda: httpx.get(url + "/readyz", timeout=5).status_code == 200, 20, "/readyz is ready again")
    assert httpx.get(url + "/api/cargos?from=2", headers=headers, timeout=10).status_code == 200
    print(f"\nanswers during {RESETS} resets with {CLIENTS} drivers: {dict(statuses)}")
