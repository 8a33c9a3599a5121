"""The drivers table: who has logged in (needed later by responses and subscriptions)."""

from __future__ import annotations

from ..storage.db import Database
from ..storage.models import DriverRecord, utcnow
from .initdata import TelegramUser


def has_row(telegram_id: int) -> bool:
    """Inside a unit of database work: does the driver still have their row?"""
    return DriverRecord.select().where(DriverRecord.telegram_id == telegram_id).exists()


class DriverDirectory:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record_login(self, user: TelegramUser) -> None:
        def work() -> None:
            now = utcnow()
            values = {"first_name": user.first_name, "last_name": user.last_name, "username": user.username}
            (DriverRecord.insert(telegram_id=user.id, created_at=now, last_login_at=now, **values)
             .on_conflict(conflict_target=[DriverRecord.telegram_id],
                          update={**{getattr(DriverRecord, k): v for k, v in values.items()},
                                  DriverRecord.last_login_at: now})
             .execute())

        await self._db.run(work)
