"""Helpers for PostgreSQL fault tests: a proxy that can blackhole the server, and an app behind it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest

from cargotool.bootstrap import build_services
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.server.app import create_app
from cargotool.standin import StandInTransport
from tests.conftest import TEST_BOT_TOKEN
from tests.integration.tcp_proxy import TcpProxy


class BlackholeProxy(TcpProxy):
    """A TcpProxy that can also play a server that stopped answering without closing anything: while
    blackholed it accepts connections and swallows every byte, on new and established connections alike
    (what a dropped route or a frozen host looks like to a client). `forward()` ends it; connections that
    lost bytes meanwhile are dropped then, as they would be broken after a real outage."""

    def __init__(self, target_port: int) -> None:
        super().__init__(target_port)
        self.blackholed = False
        self._swallowing: set[asyncio.StreamWriter] = set()
        self._tainted: set[asyncio.StreamWriter] = set()

    def blackhole(self) -> None:
        self.blackholed = True

    def forward(self) -> None:
        self.blackholed = False
        for writer in self._swallowing | self._tainted:
            writer.transport.abort()
        self._swallowing.clear()
        self._tainted.clear()

    async def _accept(self, reader, writer) -> None:
        if not self.blackholed:
            return await super()._accept(reader, writer)
        self._swallowing.add(writer)
        with contextlib.suppress(ConnectionError, OSError):
            while await reader.read(65536):
                pass

    async def _relay(self, data, writer) -> None:
        if self.blackholed:  # swallowed: the connection is broken once forwarding resumes
            self._tainted.add(writer)
            return
        await super()._relay(data, writer)


class ProxyThread:
    """A BlackholeProxy on an event loop of its own thread, so a server process and a test that blocks
    (the live server's start-up wait) can both go through it. Methods are synchronous."""

    def __init__(self, target_port: int = 5432) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.proxy = self._call(BlackholeProxy(target_port).start())
        self.port = self.proxy.port

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _do(self, action):
        action()

    def blackhole(self) -> None:
        self._call(self._do(self.proxy.blackhole))

    def forward(self) -> None:
        self._call(self._do(self.proxy.forward))

    def cut(self) -> None:
        self._call(self.proxy.cut())

    def restore(self) -> None:
        self._call(self.proxy.restore())

    def close(self) -> None:
        self.forward()
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def build_on(database_url: str, settings, standin, redis):
    """Services and app on `database_url` (migrated first)."""
    configured = settings.replace(database_url=database_url, outbox_enabled="off", rate_limit_login_burst=1000)
    services = build_services(configured, redis=redis, transport=StandInTransport(standin))
    return create_app(configured, services=services), services


def login_body(user_id: int) -> dict:
    return {"init_data": sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})}


async def timed(request) -> tuple[float, object]:
    """(seconds, response) of one awaited HTTP call."""
    started = time.monotonic()
    response = await request
    return time.monotonic() - started, response


async def until_status(call, status: int, seconds: float = 20.0) -> tuple[float, object]:
    """Repeat `call()` until it answers `status` (or `seconds` pass): (seconds it took, last response)."""
    started = time.monotonic()
    while True:
        response = await call()
        if response.status_code == status or time.monotonic() - started > seconds:
            return time.monotonic() - started, response
        await asyncio.sleep(0.1)


@pytest.fixture
def proxy():
    """A proxy to the local PostgreSQL (port 5432) that a test can blackhole; closed afterwards."""
    proxy = ProxyThread(5432)
    yield proxy
    proxy.close()
