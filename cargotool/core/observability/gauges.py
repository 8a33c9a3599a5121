"""The scrape-time gauges: read shared state (Redis, the database) when Prometheus asks."""

from __future__ import annotations

from peewee import fn

from ..drivers.sessions import SessionStore
from ..storage.db import Database
from ..storage.models import Payment
from ..storage.queue import DurableQueue
from .metrics import ACTIVE_SESSIONS, PAYMENTS, QUEUE_DEAD, QUEUE_DEPTH, GaugeSource

PAYMENT_STATUSES = ("new", "pending", "waiting_for_capture", "succeeded", "canceled")


def gauge_sources(*, queues: dict[str, DurableQueue], sessions: SessionStore, database: Database) -> list[GaugeSource]:
    async def queue_depths() -> None:
        for name, queue in queues.items():
            QUEUE_DEPTH.labels(name).set(await queue.size())
            QUEUE_DEAD.labels(name).set(await queue.dead_count())

    async def active_sessions() -> None:
        ACTIVE_SESSIONS.set(await sessions.count())

    async def payments() -> None:
        rows = await database.run(lambda: list(
            Payment.select(Payment.status, fn.COUNT(Payment.id).alias("n")).group_by(Payment.status).tuples()))
        counts = dict.fromkeys(PAYMENT_STATUSES, 0) | dict(rows)
        for status, n in counts.items():
            PAYMENTS.labels(status).set(n)

    return [queue_depths, active_sessions, payments]
