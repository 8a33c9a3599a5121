"""GET /metrics under traffic: every family of issue 12 moves; request ids in headers, error bodies, logs."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from types import MappingProxyType

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.cargo.filters import parse_filters
from cargotool.core.observability import metrics
from cargotool.core.storage.models import Payment
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import close_services
from tests.integration.test_api import auth, init_data, login

Sanic.test_mode = True

FAMILIES = [
    "cargotool_http_request_duration_seconds",
    "cargotool_cargotech_requests_total",
    "cargotool_cargotech_request_duration_seconds",
    "cargotool_logins_total",
    "cargotool_cache_requests_total",
    "cargotool_single_flight_waits_total",
    "cargotool_circuit_state",
    "cargotool_queue_depth",
    "cargotool_queue_dead_letters",
    "cargotool_alerts_total",
    "cargotool_payments",
    "cargotool_active_sessions",
    "cargotool_cargotech_payload_issues_total",
]


@pytest.fixture
async def make_app(settings, redis, standin):
    """Apps with services built once (not per ASGI request: concurrent test requests would each build
    and close their own, closing the shared Redis client under the others)."""
    built = []

    def build(circuits=None, **overrides):
        """`circuits`: more breakers' state readers, next to the ones the composition root lists."""
        app_settings = settings.replace(cache_list_ttl=1, outbox_enabled="off", **overrides)
        services = build_services(app_settings, redis=redis, transport=StandInTransport(standin))
        built.append(services)
        if circuits:
            services = dataclasses.replace(services, circuits=MappingProxyType({**services.circuits, **circuits}))
        return create_app(app_settings, services=services)

    yield build
    for services in built:
        await close_services(services)


async def scrape(app, headers=None) -> dict[tuple, float]:
    _, response = await app.asgi_client.get("/metrics", headers=headers or {})
    assert response.status == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            if s.name.endswith("_created"):
                continue
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def moved(before: dict, after: dict, family: str) -> dict:
    """The samples of a family (and its _count/_sum/_total/_bucket series) that changed."""
    return {key: value for key, value in after.items()
            if key[0].startswith(family) and before.get(key) != value}


async def test_every_family_moves_under_traffic(make_app, standin, redis, key_prefix):
    app = make_app(circuits={"test-extra": lambda: "half_open"})  # other breakers plug in here
    with pytest.raises(TypeError):  # and only there: the list is read-only
        app.ctx.services.circuits["late"] = lambda: "open"
    before = await scrape(app)

    session = await login(app)
    _, rejected = await app.asgi_client.post("/api/session", json={"init_data": init_data()[:-4] + "0000"})
    assert rejected.status == 401
    headers = auth(session["session_token"])

    # miss, then hit; five concurrent callers of a new query share one fetch
    for _ in range(2):
        assert (await app.asgi_client.get("/api/cargos?limit=5", headers=headers))[1].status == 200
    calls_before = standin.calls["GET /v2/cargos/views"]
    query = parse_filters({"limit": "7"})
    await asyncio.gather(*[app.ctx.services.cargos.list(query) for _ in range(5)])
    assert standin.calls["GET /v2/cargos/views"] == calls_before + 1
    # CargoTech fails after the list went stale: the old copy is served
    time.sleep(2.1)
    standin.fail_next("/v2/cargos/views", 503, times=10)
    _, stale = await app.asgi_client.get("/api/cargos?limit=5", headers=headers)
    assert stale.status == 200 and stale.json["meta"]["stale"] is True
    for page in range(3):  # the failures open the shared circuit towards CargoTech
        await app.asgi_client.get(f"/api/cargos?limit=5&offset={10 + page}", headers=headers)

    services = app.ctx.services
    await services.outbox.queue.put({"method": "sendMessage", "params": {"chat_id": 1, "text": "x"}})
    await services.updates.queue.put({"update": {"update_id": 1}, "attempts": 0})
    dead = await services.outbox.queue.put({"method": "sendMessage", "params": {"chat_id": 2, "text": "y"}})
    await services.outbox.queue.bury(dead, {"chat_id": 2}, "test")
    await services.database.run(lambda: Payment.create(id="p-1", driver=501, plan_id="1m", days=30, amount_kopecks=49900,
                                                       status="succeeded"))
    metrics.count_alert("sent")
    metrics.count_alert("held")
    metrics.count_alert("deduplicated")
    metrics.count_payload_issue("cargo", "unknown_fields")

    after = await scrape(app)
    for family in FAMILIES:
        assert moved(before, after, family), f"{family} did not move"

    def value(name, **labels):
        return after[(name, tuple(sorted(labels.items())))]

    assert value("cargotool_logins_total", kind="driver", outcome="ok") >= 1
    assert value("cargotool_logins_total", kind="driver", outcome="rejected") >= 1
    assert value("cargotool_logins_total", kind="cargotech", outcome="ok") >= 1
    assert value("cargotool_cache_requests_total", kind="list", result="stale") >= 1
    assert value("cargotool_cargotech_requests_total", endpoint="/v2/cargos/views", outcome="server_error") >= 1
    assert value("cargotool_http_request_duration_seconds_count", route="/api/cargos", method="GET", status="200") >= 3
    assert value("cargotool_circuit_state", circuit="cargotech") == 2  # read from the real breaker
    assert value("cargotool_circuit_state", circuit="test-extra") == 1
    assert value("cargotool_queue_depth", queue="outbox") == 1 and value("cargotool_queue_depth", queue="bot:updates") == 1
    assert value("cargotool_queue_dead_letters", queue="outbox") == 1
    assert value("cargotool_payments", status="succeeded") == 1 and value("cargotool_payments", status="pending") == 0
    assert value("cargotool_active_sessions") == 1
    assert value("cargotool_single_flight_waits_total", scope="process") >= 4


async def test_metrics_token_is_required_when_set(make_app):
    app = make_app(metrics_token="scrape-me-123")
    _, response = await app.asgi_client.get("/metrics")
    assert response.status == 401 and response.json["error"]["code"] == "unauthorized"
    _, response = await app.asgi_client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert response.status == 401
    await scrape(app, {"Authorization": "Bearer scrape-me-123"})


async def test_request_ids_in_headers_error_bodies_and_log_lines(make_app, caplog):
    app = make_app()
    caplog.set_level(logging.INFO)
    _, response = await app.asgi_client.post("/api/session", json={"init_data": "garbage"})
    rid = response.headers["x-request-id"]
    assert response.status == 401 and response.json["error"]["request_id"] == rid and len(rid) == 20
    lines = [r for r in caplog.records if "rejected Telegram init data" in r.getMessage()]
    assert lines and all(r.request_id == rid for r in lines)

    _, response = await app.asgi_client.get("/api/cargos", headers={"X-Request-Id": "proxy-abc.123"})
    assert response.headers["x-request-id"] == "proxy-abc.123" and response.json["error"]["request_id"] == "proxy-abc.123"
    _, response = await app.asgi_client.get("/healthz", headers={"X-Request-Id": "bad id with spaces\n"})
    assert response.headers["x-request-id"] != "bad id with spaces\n"


def healthz_count(text: str) -> float:
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == "cargotool_http_request_duration_seconds_count" and s.labels.get("route") == "/healthz"
               and s.labels.get("status") == "200")


def wait_until_healthy(base: str, server) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and server.poll() is None, "server did not start"
        time.sleep(0.3)


def stop_server(server) -> None:
    import signal
    import subprocess

    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def forget_keys(key_prefix: str) -> None:
    from redis import Redis as SyncRedis

    from tests.conftest import TEST_REDIS_URL

    store = SyncRedis.from_url(TEST_REDIS_URL)
    for key in store.scan_iter(match=f"{key_prefix}*"):
        store.delete(key)
    store.close()


def test_two_workers_are_added_up_and_an_old_run_is_forgotten(tmp_path, key_prefix):
    """`serve --workers 2` as a process: /metrics answers for both workers, and the counts a previous
    run left in PROMETHEUS_MULTIPROC_DIR are emptied at start-up."""
    import socket
    import subprocess
    import sys

    import httpx

    from cargotool.standin import CargoTechStandIn, StandInServer

    from tests.conftest import TEST_PASSWORD, TEST_PHONE
    from tests.integration.cli_helpers import cli_env

    directory = tmp_path / "metrics"
    directory.mkdir()
    leftover = "from cargotool.core.observability import metrics\nmetrics.count_login('cargotech', 'ok')\n"
    subprocess.run([sys.executable, "-c", leftover], env={**os.environ,
                   "PROMETHEUS_MULTIPROC_DIR": str(directory)}, check=True)
    assert list(directory.glob("*.db"))

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    standin = StandInServer(CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD))
    standin.start()
    env = cli_env(tmp_path, key_prefix, standin.url, PROMETHEUS_MULTIPROC_DIR=str(directory), OUTBOX_ENABLED="off")
    server = subprocess.Popen([sys.executable, "-m", "cargotool", "serve", "--port", str(port), "--workers", "2"],
                              env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, server)
        with httpx.Client(base_url=base) as client:  # new connections: both workers get some
            for _ in range(30):
                client.get("/healthz", headers={"Connection": "close"})
        # a worker writes its hot-path counts at most FLUSH_SECONDS late (at once only for the one scraped)
        deadline = time.monotonic() + 10 * metrics.FLUSH_SECONDS
        while True:
            text = httpx.get(f"{base}/metrics").text
            if healthz_count(text) >= 31 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        stop_server(server)
        standin.stop()
        forget_keys(key_prefix)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("cargotool_http_request_duration_seconds_count",
                    (("method", "GET"), ("route", "/healthz"), ("status", "200")))] >= 31
    assert ("cargotool_logins_total", (("kind", "cargotech"), ("outcome", "ok"))) not in samples  # the old run's
