"""Logging in and who the driver is (POST /api/session, /api/whoami)."""

from __future__ import annotations

from typing import Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12


class Driver(TypedDict):
    telegram_id: int
    first_name: str
    username: str | None


class Login(TypedDict):
    init_data: str
    cargos: NotRequired[str]  # a /api/cargos query string: its first page comes back with the session


class Session(TypedDict):
    session_token: str
    expires_at: str
    driver: Driver
    start_param: str | None
    bot_can_write: bool  # false while Telegram refuses the bot's messages (GET/POST /api/me/bot-access)
    cargos_query: NotRequired[str]
    cargos: NotRequired[dict[str, Any]]  # a CargoPage
    cargos_error: NotRequired[dict[str, Any]]  # {"status", "error": {...}}


class WhoAmI(TypedDict):
    driver: Driver
