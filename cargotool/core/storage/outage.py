"""Redis or the database unreachable: a clean 503 for every request, one log line per outage.

The first failure of a dependency opens an outage (one ERROR line) and starts a probe that pings it
every `PROBE_SECONDS`; when it answers, the outage closes with one WARNING line. Failures during an
open outage are not logged again, so a flood of requests cannot flood the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable

import peewee
from redis import exceptions as redis_errors

from .resets import is_reset_redis_connection

log = logging.getLogger(__name__)

PROBE_SECONDS = 1.0
PROBE_TIMEOUT = 2.0  # unless `timeouts` names a longer one: the database's ping bounds itself (Database.ping_timeout)

REDIS_DOWN = (redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.ReadOnlyError)
DATABASE_DOWN = (peewee.OperationalError, peewee.InterfaceError)
DOWN = REDIS_DOWN + DATABASE_DOWN


def dependency_of(exc: BaseException) -> str | None:
    """"redis" or "database" when `exc` means that dependency cannot be reached, else None."""
    if isinstance(exc, REDIS_DOWN) or is_reset_redis_connection(exc):
        return "redis"
    if isinstance(exc, DATABASE_DOWN):
        return "database"
    return None


class Outages:
    def __init__(self, probes: dict[str, Callable[[], Awaitable[object]]],
                 timeouts: dict[str, float] | None = None) -> None:
        self._probes = probes
        self._timeouts = timeouts or {}
        self._open: dict[str, float] = {}
        self._tasks: dict[str, asyncio.Task] = {}

    def is_open(self, name: str) -> bool:
        return name in self._open

    def failed(self, name: str, exc: BaseException) -> None:
        if name not in self._open:
            self._open[name] = time.monotonic()
            log.error("%s is unreachable (%s): answering 503 until it is back", name, type(exc).__name__)
        probe, task = self._probes.get(name), self._tasks.get(name)
        if probe is not None and (task is None or task.done()):
            self._tasks[name] = asyncio.ensure_future(self._watch(name, probe))

    async def _watch(self, name: str, probe) -> None:
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            try:
                await asyncio.wait_for(probe(), timeout=self._timeouts.get(name, PROBE_TIMEOUT))
            except Exception:
                continue
            began = self._open.pop(name, time.monotonic())
            self._tasks.pop(name, None)
            log.warning("%s is back after an outage of %.0f s", name, time.monotonic() - began)
            return

    async def aclose(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()  # an outage still open stays open: the next failure restarts its probe
