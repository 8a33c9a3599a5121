"""Drivers' sign-in (Telegram launch data → a session) and the rate limits of the API and the login."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..core.drivers.auth import DriverAuth
from ..core.drivers.directory import DriverDirectory
from ..core.drivers.ratelimit import Limit, RateLimiter
from ..core.drivers.sessions import SessionStore
from .storage import Storage


@dataclass(frozen=True)
class Drivers:
    auth: DriverAuth
    limiter: RateLimiter
    api_limit: Limit
    login_limit: Limit


def build_drivers(settings: Settings, storage: Storage) -> Drivers:
    auth = DriverAuth(bot_token=settings.bot_token, max_age=settings.telegram_init_data_max_age,
                      sessions=SessionStore(storage.redis, storage.keys, settings.session_ttl),
                      directory=DriverDirectory(storage.database), audit=storage.audit)
    return Drivers(auth, RateLimiter(storage.redis, storage.keys),
                   api_limit=Limit(settings.rate_limit_api_per_minute, settings.rate_limit_api_burst),
                   login_limit=Limit(settings.rate_limit_login_per_minute, settings.rate_limit_login_burst))
