"""Driver login: verified Telegram initData in, a session out. Every login is recorded."""

from __future__ import annotations

import logging

from ..audit import AuditLog
from ..errors import NotConfigured, Unauthorized
from ..observability.metrics import count_login
from .directory import DriverDirectory
from .initdata import InitData, InvalidInitData, validate_init_data
from .ratelimit import Limit
from .sessions import Driver, Session, SessionStore

log = logging.getLogger(__name__)


class DriverAuth:
    def __init__(
        self,
        *,
        bot_token: str | None,
        max_age: int,
        sessions: SessionStore,
        directory: DriverDirectory,
        audit: AuditLog,
    ) -> None:
        self._bot_token = bot_token
        self._max_age = max_age
        self.sessions = sessions
        self._directory = directory
        self._audit = audit

    def verify(self, init_data: str) -> InitData:
        if not self._bot_token:
            raise NotConfigured("Telegram login is not configured (TELEGRAM_BOT_TOKEN)")
        try:
            return validate_init_data(init_data, self._bot_token, self._max_age)
        except InvalidInitData as exc:
            log.info("rejected Telegram init data: %s", exc.reason)
            count_login("driver", "rejected")
            raise Unauthorized("Не удалось войти через Telegram: откройте приложение заново из бота") from None

    async def login(self, init_data: str, ip: str | None = None) -> tuple[Session, InitData]:
        verified = self.verify(init_data)
        user = verified.user
        session = await self.sessions.create(
            Driver(telegram_id=user.id, first_name=user.first_name, username=user.username, last_name=user.last_name)
        )
        await self._directory.record_login(user)
        await self._audit.record(f"driver:{user.id}", "driver.login", target=str(user.id), ip=ip)
        count_login("driver", "ok")
        return session, verified

    async def admit(self, token: str | None, limit: Limit) -> Driver:
        """The driver of this session, within their rate limit (Unauthorized / RateLimited otherwise)."""
        driver = await self.sessions.admit(token, limit)
        if driver is None:
            raise Unauthorized("Сессия истекла, войдите заново")
        return driver

    async def logout(self, token: str) -> None:
        await self.sessions.delete(token)
