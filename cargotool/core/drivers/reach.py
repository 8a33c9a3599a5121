"""Whether the bot can write to a driver: `drivers.bot_blocked_at`, set by a Bot API 403, cleared again.

A 403 does not only mean "blocked": a driver who opened the Mini App but never started the bot gets one
too. So the mark is cleared whenever the driver shows that the bot may write again — a message to the
bot (`/start` included), a Mini App login whose launch data says `allows_write_to_pm`, or Telegram's
`requestWriteAccess` granted in the Mini App. Clearing reads first and writes only when the mark is set,
so the message path costs one primary-key read when all is well.
"""

from __future__ import annotations

import logging

from ..audit import AuditLog
from ..storage.db import Database
from ..storage.models import DriverRecord, utcnow
from .initdata import TelegramUser

log = logging.getLogger(__name__)

# How the driver let the bot write again (the audit event's `via`).
VIA_MESSAGE, VIA_LOGIN, VIA_WRITE_ACCESS = "message", "login", "write_access"


class BotReach:
    def __init__(self, database: Database, audit: AuditLog) -> None:
        self._db = database
        self._audit = audit

    async def lost(self, telegram_id: int) -> None:
        """The Bot API answered 403 for this driver's chat: no status messages or alerts until cleared.
        The first 403 is kept as the time (later ones change nothing)."""
        await self._db.run(lambda: DriverRecord.update(bot_blocked_at=utcnow())
                           .where((DriverRecord.telegram_id == telegram_id) & DriverRecord.bot_blocked_at.is_null())
                           .execute())

    async def can_write(self, telegram_id: int) -> bool:
        """False only while a 403 is on record (a driver the bot never tried to write to counts as reachable)."""
        return await self._db.run(lambda: self._blocked_at(telegram_id)) is None

    async def regained(self, telegram_id: int, via: str) -> bool:
        """The driver let the bot write again: clear the mark. True when there was one to clear."""
        def work() -> bool:
            if self._blocked_at(telegram_id) is None:
                return False  # the usual case: a read, no write (on SQLite an UPDATE takes the write lock)
            return bool(DriverRecord.update(bot_blocked_at=None)
                        .where((DriverRecord.telegram_id == telegram_id) & DriverRecord.bot_blocked_at.is_null(False))
                        .execute())

        cleared = await self._db.run(work)
        if cleared:  # once per block, whichever way came first
            log.info("driver %s can receive bot messages again (%s)", telegram_id, via)
            await self._audit.record(f"driver:{telegram_id}", "driver.bot_reachable", target=str(telegram_id),
                                     details={"via": via})
        return cleared

    async def after_login(self, user: TelegramUser) -> bool:
        """A Mini App login: clear the mark when the launch data says the bot may write. Returns whether it can."""
        if user.allows_write_to_pm:
            await self.regained(user.id, VIA_LOGIN)
            return True
        return await self.can_write(user.id)

    async def wrote_to_bot(self, chat_id: int) -> None:
        """A message from the driver in their private chat with the bot (the handlers' hook). Best effort: the
        reply to /start or /help must not wait for, or fail with, the database."""
        try:
            await self.regained(chat_id, VIA_MESSAGE)
        except Exception:  # noqa: BLE001 — the next message tries again
            log.warning("could not clear the bot-blocked mark of driver %s", chat_id, exc_info=True)

    @staticmethod
    def _blocked_at(telegram_id: int):
        row = (DriverRecord.select(DriverRecord.bot_blocked_at)
               .where(DriverRecord.telegram_id == telegram_id).first())
        return row.bot_blocked_at if row is not None else None


def register(router, reach: BotReach) -> None:
    """Any message a driver writes to the bot clears the mark. (`router` is core.messaging.router.Router,
    not imported: drivers sit in the storage/observability cycle that the hygiene stream removes, and the
    import would pull messaging into it.)"""
    router.private_message_hook(reach.wrote_to_bot)
