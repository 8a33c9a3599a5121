"""The watcher runs on one instance at a time: two real `cargotool serve` processes share a Redis; when
the one holding the watcher's lease is killed (SIGKILL, no goodbye), the other takes over within the
lease time and goes on looking for loads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import redis as sync_redis

from cargotool.standin import StandInServer
from tests.conftest import environ_for_tests
from tests.e2e.conftest import free_port

LEASE_SECONDS = 2.0


@pytest.fixture
def upstream(standin):
    with StandInServer(standin) as url:
        yield url


def _holder_group(client, key) -> int | None:
    holder = client.get(key)
    if not holder:
        return None
    pid = int(holder.decode().split(":")[1])
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_the_lease_moves_to_another_process_when_its_holder_is_killed(tmp_path, key_prefix, upstream, standin):
    env = {**os.environ, **environ_for_tests(tmp_path, key_prefix, CARGOTECH_BASE_URL=upstream, LOG_LEVEL="warning",
                                              ALERTS_LEASE_SECONDS=str(LEASE_SECONDS), ALERTS_POLL_SECONDS="1",
                                              TELEGRAM_API_URL="http://127.0.0.1:9")}
    assert subprocess.run([sys.executable, "-m", "cargotool", "db", "migrate"], env=env, cwd=tmp_path,
                          capture_output=True).returncode == 0
    servers = [subprocess.Popen([sys.executable, "-m", "cargotool", "serve", "--port", str(free_port())], env=env,
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
               for _ in range(2)]
    client = sync_redis.Redis.from_url(env["REDIS_URL"])
    key = f"{key_prefix}alerts:watcher:lease"
    try:
        deadline = time.monotonic() + 60
        while (holder := _holder_group(client, key)) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert holder in {s.pid for s in servers}, "no server took the lease"
        time.sleep(LEASE_SECONDS * 2)
        assert _holder_group(client, key) == holder  # renewed, not lost, while the holder lives
        [killed] = [s for s in servers if s.pid == holder]
        [survivor] = [s for s in servers if s is not killed]
        os.killpg(killed.pid, signal.SIGKILL)  # the holder's whole process group: manager and worker
        killed.wait(timeout=10)
        started = time.monotonic()
        while _holder_group(client, key) != survivor.pid and time.monotonic() - started < 30:
            time.sleep(0.05)
        took = time.monotonic() - started
        assert _holder_group(client, key) == survivor.pid
        assert took <= LEASE_SECONDS + 3, f"takeover took {took:.1f} s"
        calls_before = standin.calls["GET /v2/cargos/views"]
        time.sleep(2.5)
        assert standin.calls["GET /v2/cargos/views"] > calls_before  # the new holder looks for loads
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=15)
        keys = list(client.scan_iter(match=key_prefix + "*"))
        if keys:
            client.delete(*keys)
