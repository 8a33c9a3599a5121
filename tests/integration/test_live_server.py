"""`cargotool serve` as a real process with two workers (real sockets, real HTTP/1 parsing): bodies too
large are refused before they are sent, raw bytes in headers are a 401, and a worker killed with
kill -9 under load is replaced within seconds while the other keeps serving."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import redis as sync_redis

from cargotool.core.drivers.initdata import sign_init_data
from cargotool.standin import CargoTechStandIn, StandInServer
from tests.conftest import TEST_BOT_TOKEN, TEST_PASSWORD, TEST_PHONE, TEST_REDIS_URL
from tests.faults.worker_processes import worker_pids

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def live_server(tmp: Path, workers: int = 2, **extra_env: str):
    """`cargotool serve` on a free port in front of a CargoTech stand-in, on the real Redis (own key prefix)."""
    prefix = f"cargotool-test:{uuid.uuid4().hex[:12]}:"
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    port = free_port()
    log_path = tmp / "server.log"
    with StandInServer(standin) as upstream:
        env = {**os.environ, "CARGOTECH_BASE_URL": upstream, "CARGOTECH_PHONE": TEST_PHONE,
               "CARGOTECH_PASSWORD": TEST_PASSWORD, "CARGOTECH_UPSTREAM": "live", "TELEGRAM_BOT_TOKEN": TEST_BOT_TOKEN,
               "REDIS_URL": TEST_REDIS_URL, "REDIS_KEY_PREFIX": prefix, "DATABASE_URL": f"sqlite:///{tmp / 'live.sqlite3'}",
               "RATE_LIMIT_API_PER_MINUTE": "100000", "RATE_LIMIT_API_BURST": "10000", "OUTBOX_ENABLED": "off", **extra_env}
        with open(log_path, "w") as log:
            process = subprocess.Popen([sys.executable, "-m", "cargotool", "serve", "--port", str(port), "--workers", str(workers)],
                                       env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(url + "/readyz", timeout=1).status_code == 200 and len(worker_pids(process.pid)) == workers:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
            else:
                pytest.fail("server did not start:\n" + log_path.read_text())
            yield {"url": url, "port": port, "pid": process.pid, "log": log_path, "standin": standin}
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            client = sync_redis.from_url(TEST_REDIS_URL)
            keys = list(client.scan_iter(match=f"{prefix}*", count=500))
            if keys:
                client.delete(*keys)
            client.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("live")) as running:
        yield running


def token(url: str, user_id: int = 501) -> str:
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})
    response = httpx.post(url + "/api/session", json={"init_data": init_data}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["session_token"]


def raw_request(port: int, data: bytes, read_timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b'"error"' in b"".join(chunks):
                break
    return b"".join(chunks)


def test_a_huge_body_is_refused_from_its_content_length_before_it_is_sent(server):
    started = time.monotonic()
    answer = raw_request(server["port"], b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                         b"Content-Length: 104857600\r\n\r\n{")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"payload_too_large"' in answer and time.monotonic() - started < 3


def test_a_chunked_body_is_cut_off_at_the_limit(server):
    chunk = b"2000\r\n" + b" " * 0x2000 + b"\r\n"
    answer = raw_request(server["port"], b"POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + chunk * 4)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


@pytest.mark.parametrize("header", [b"Authorization: Bearer \xff\xfe", b"Authorization: \xc3\x28 \x00x",
                                    b"Authorization: Bearer " + b"\x80" * 300])
def test_raw_bytes_in_the_authorization_header_are_a_401(server, header):
    answer = raw_request(server["port"], b"GET /api/whoami HTTP/1.1\r\nHost: x\r\n" + header + b"\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 401") or answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"error"' in answer


def test_a_worker_killed_under_load_is_replaced_and_the_other_keeps_serving(server):
    url, headers = server["url"], {"Authorization": f"Bearer {token(server['url'])}"}
    before = worker_pids(server["pid"])
    assert len(before) == 2
    victim = sorted(before)[0]
    outcomes: list[tuple[float, float, str]] = []  # (started, took, outcome)

    async def load(seconds: float) -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10,
                                     limits=httpx.Limits(max_keepalive_connections=8)) as client:
            end = time.monotonic() + seconds

            async def one_client(n: int) -> None:
                while time.monotonic() < end:
                    started = time.monotonic()
                    try:
                        response = await client.get(f"/api/cargos?from={1 + n % 5}")
                        outcome = str(response.status_code)
                    except httpx.HTTPError as exc:
                        outcome = type(exc).__name__
                    outcomes.append((started, time.monotonic() - started, outcome))

            async def killer() -> None:
                await asyncio.sleep(1.5)
                os.kill(victim, signal.SIGKILL)

            await asyncio.gather(killer(), *(one_client(n) for n in range(8)))

    asyncio.run(load(7.0))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (len(worker_pids(server["pid"])) == 2 and victim not in worker_pids(server["pid"])):
        time.sleep(0.2)
    after = worker_pids(server["pid"])
    assert len(after) == 2 and victim not in after, "the dead worker was replaced"
    assert "died" in server["log"].read_text() and str(victim) in server["log"].read_text()
    ok = [o for o in outcomes if o[2] == "200"]
    failed = [o for o in outcomes if o[2] != "200"]
    assert len(ok) > 50, "the other worker kept serving"
    assert len(failed) <= 8, failed  # at most the requests in flight on the killed worker
    assert max(took for _, took, _ in outcomes) < 5, "nothing hung"
    ok_after_kill = [o for o in ok if o[0] > time.monotonic() - 3]
    assert ok_after_kill, "still serving at the end"
    response = httpx.get(url + "/api/cargos?from=2", headers=headers, timeout=10)
    assert response.status_code == 200
