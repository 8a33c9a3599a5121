"""The background work of a server worker or the bot runner.

Two kinds: *loops* that run until asked to stop (the outbox, the bot's update inbox, the alerts watcher)
and periodic *jobs* (expire responses, reconcile payments…). Every process sweeps the jobs once a minute,
but a job runs at most once per window across all of them: a Redis `SET NX EX` key per job is the lock
(`WindowLock`). A failing job is logged and tried again at its next window; it never stops the others.
The composition root lists the jobs (cargotool/wiring/jobs.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Sequence

import redis.asyncio as aioredis

from .storage.redis import Keys
from .waiting import wait_any

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[Any]]  # runs until the event is set


@dataclass(frozen=True)
class Job:
    name: str  # also its lock's key: `jobs:<name>`
    work: Callable[[], Awaitable[Any]]
    window: int  # seconds: at most one run per window across every process


class WindowLock:
    """At most one holder per job and window across processes: whoever sets the key first runs the job."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def claim(self, job: str, seconds: int) -> bool:
        return bool(await self._redis.set(self._keys(f"jobs:{job}"), "1", nx=True, ex=seconds))


class Scheduler:
    def __init__(self, lock: WindowLock, loops: Sequence[Loop], jobs: Sequence[Job]) -> None:
        self.lock = lock
        self._loops = list(loops)
        self.jobs = {job.name: job for job in jobs}

    async def run(self, stop: asyncio.Event, sweep_every: float = 60.0) -> None:
        """Start the loops, sweep the jobs until `stop`, then stop the loops and wait for them."""
        tasks = [asyncio.ensure_future(loop(stop)) for loop in self._loops]
        try:
            while not stop.is_set():
                for job in self.jobs.values():
                    if await self.lock.claim(job.name, job.window):
                        await self._run(job)
                await wait_any(stop, timeout=sweep_every)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    @staticmethod
    async def _run(job: Job) -> None:
        try:
            await job.work()
        except Exception as exc:
            log.warning("background job %s failed: %s", job.name, type(exc).__name__)


def reconcile_payments(payments, after_minutes: int, refund_days: int | None = None) -> Callable[[], Awaitable[None]]:
    """Repair lost YooKassa notifications (`Payments.reconcile`) when payments are configured; with
    `refund_days`, also the refunds of that many days of payments (one YooKassa call per payment)."""

    async def work() -> None:
        if payments.gateway.configured:
            await payments.reconcile(after_minutes, refund_days=refund_days)

    return work
