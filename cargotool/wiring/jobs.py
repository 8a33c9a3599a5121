"""The background work every server worker and the bot runner start (core/jobs.py runs it)."""

from __future__ import annotations

import redis.asyncio as aioredis

from ..config import Settings
from ..core.jobs import Job, Loop, Scheduler, WindowLock, reconcile_payments
from ..core.storage.redis import Keys


def build_scheduler(settings: Settings, redis: aioredis.Redis, keys: Keys, *, loops: list[Loop], responses, payments,
                    notices, lanes, wait_questions, availability, company_checks=None) -> Scheduler:
    """`loops`: the outbox, the update inbox and the watcher; then the jobs, each at most once per window
    (`company_checks`: only with DADATA_API_KEY)."""
    after = settings.reconcile_after_minutes
    return Scheduler(WindowLock(redis, keys), loops, [
        Job("expire-responses", responses.expire_due, 300),
        Job("reconcile-payments", reconcile_payments(payments, after), 300),
        Job("reconcile-refunds", reconcile_payments(payments, after, settings.reconcile_refund_days), 3600),
        Job("remind-expiring", notices.remind_expiring, 300),
        Job("age-lane-rates", lanes.age_out, 300),
        Job("ask-dock-waits", wait_questions.ask_due, 300),
        Job("expire-availability", availability.expire, 3600),
        *([Job("check-companies", company_checks.fill, 60)] if company_checks is not None else []),
    ])
