"""The background scheduler (core/jobs.py): loops run until stop, a job runs once per window across
processes, a failing job is logged and does not stop the others."""

from __future__ import annotations

import asyncio
import logging

from cargotool.core.jobs import Job, Scheduler, WindowLock, reconcile_payments
from cargotool.core.storage.redis import Keys


async def test_a_job_runs_once_per_window_across_schedulers(redis, key_prefix, caplog):
    runs: list[str] = []
    loop_states: list[str] = []

    async def work() -> None:
        runs.append("work")

    async def broken() -> None:
        raise RuntimeError("boom")

    async def loop(stop: asyncio.Event) -> None:
        loop_states.append("started")
        await stop.wait()
        loop_states.append("stopped")

    def scheduler() -> Scheduler:  # one per process: they share the lock in Redis
        return Scheduler(WindowLock(redis, Keys(key_prefix)), [loop], [Job("broken", broken, 60), Job("work", work, 60)])

    stop = asyncio.Event()
    caplog.set_level(logging.WARNING, logger="cargotool.core.jobs")
    running = [asyncio.ensure_future(scheduler().run(stop, sweep_every=0.01)) for _ in range(2)]
    await asyncio.sleep(0.2)  # many sweeps
    stop.set()
    await asyncio.gather(*running)
    assert runs == ["work"]
    assert loop_states == ["started", "started", "stopped", "stopped"]
    assert [r.getMessage() for r in caplog.records] == ["background job broken failed: RuntimeError"]
    assert await redis.ttl(f"{key_prefix}jobs:work") > 50


async def test_a_scheduler_stops_its_loops_when_a_job_sweep_is_cancelled(redis, key_prefix):
    stopped = asyncio.Event()

    async def loop(stop: asyncio.Event) -> None:
        await stop.wait()
        stopped.set()

    stop = asyncio.Event()
    task = asyncio.ensure_future(Scheduler(WindowLock(redis, Keys(key_prefix)), [loop], []).run(stop, sweep_every=10))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert stop.is_set() and stopped.is_set()


async def test_reconcile_runs_only_with_payments_configured():
    calls = []

    class Gateway:
        configured = False

    class Payments:
        gateway = Gateway()

        async def reconcile(self, older_than_minutes, *, refund_days=None):
            calls.append((older_than_minutes, refund_days))

    payments = Payments()
    await reconcile_payments(payments, 10)()
    assert calls == []
    Gateway.configured = True
    await reconcile_payments(payments, 10)()
    await reconcile_payments(payments, 10, refund_days=30)()
    assert calls == [(10, None), (10, 30)]
