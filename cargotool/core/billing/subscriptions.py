"""Who has access until when. The hot path (paywall checks) reads a Redis copy; every change drops it.

Extending starts from the later of now and the current end, so paying early never loses days. The
`*_in_transaction` methods run inside the caller's database transaction (a payment's effect and the
extension it causes commit together or not at all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import redis.asyncio as aioredis

from ..audit import AuditLog
from ..errors import InvalidInput
from ..storage.db import Database
from ..storage.models import DriverRecord, Subscription, utcnow
from ..storage.redis import Keys

CACHE_SECONDS = 600


@dataclass(frozen=True)
class SubscriptionStatus:
    active: bool
    expires_at: dt.datetime | None
    source: str | None

    def public(self) -> dict:
        return {"active": self.active, "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "source": self.source}


NONE = SubscriptionStatus(False, None, None)


def extend_in_transaction(driver_id: int, days: float, source: str, now: dt.datetime | None = None) -> dt.datetime:
    now = now or utcnow()
    row = Subscription.get_or_none(Subscription.driver == driver_id)
    start = max(now, row.expires_at) if row else now
    expires = start + dt.timedelta(days=days)
    if row is None:
        Subscription.create(driver=driver_id, expires_at=expires, source=source, updated_at=now)
    else:
        Subscription.update(expires_at=expires, source=source, updated_at=now).where(Subscription.driver == driver_id).execute()
    return expires


def shorten_in_transaction(driver_id: int, days: float, now: dt.datetime | None = None) -> dt.datetime | None:
    """Take `days` off, never ending before now."""
    now = now or utcnow()
    row = Subscription.get_or_none(Subscription.driver == driver_id)
    if row is None:
        return None
    expires = max(now, row.expires_at - dt.timedelta(days=days))
    Subscription.update(expires_at=expires, updated_at=now).where(Subscription.driver == driver_id).execute()
    return expires


class Subscriptions:
    def __init__(self, database: Database, redis: aioredis.Redis, keys: Keys, audit: AuditLog) -> None:
        self._db = database
        self._redis = redis
        self._keys = keys
        self._audit = audit

    def _key(self, driver_id: int) -> str:
        return self._keys(f"sub:{driver_id}")

    async def status(self, driver_id: int) -> SubscriptionStatus:
        cached = await self._redis.get(self._key(driver_id))
        if cached is None:
            row = await self._db.run(lambda: Subscription.get_or_none(Subscription.driver == driver_id))
            # Whole seconds, rounded down: rounding up would keep an ended subscription (a refund ends it
            # "now") active for up to half a second more.
            cached = f"{int(row.expires_at.timestamp())}|{row.source}" if row else "none"
            await self._redis.set(self._key(driver_id), cached, ex=CACHE_SECONDS)
        if cached == "none":
            return NONE
        stamp, _, source = cached.partition("|")
        expires = dt.datetime.fromtimestamp(int(stamp), dt.timezone.utc)
        return SubscriptionStatus(expires > utcnow(), expires, source)

    async def access_end(self, driver_id: int) -> dt.datetime | None:
        """The driver's end of access in the database (not the cache): what a payment or refund just left."""
        row = await self._db.run(lambda: Subscription.get_or_none(Subscription.driver == driver_id))
        return row.expires_at if row else None

    async def forget(self, driver_id: int) -> None:
        await self._redis.delete(self._key(driver_id))

    async def grant(self, driver_id: int, days: int, reason: str, actor: str = "cli") -> dt.datetime:
        if days <= 0 or days > 3660:
            raise InvalidInput("days must be between 1 and 3660", fields={"days": "1–3660"})
        if not reason.strip():
            raise InvalidInput("a reason is required", fields={"reason": "required"})

        def work() -> dt.datetime:
            with self._db.write_transaction():
                DriverRecord.insert(telegram_id=driver_id, first_name="").on_conflict_ignore().execute()
                return extend_in_transaction(driver_id, days, "grant")

        expires = await self._db.run(work)
        await self.forget(driver_id)
        await self._audit.record(actor, "subscription.grant", target=str(driver_id),
                                 details={"days": days, "reason": reason.strip(), "expires_at": expires.isoformat()})
        return expires

    async def expiring(self, start: dt.datetime, end: dt.datetime) -> list[Subscription]:
        return await self._db.run(lambda: list(Subscription.select().where(
            (Subscription.expires_at > start) & (Subscription.expires_at <= end))))
