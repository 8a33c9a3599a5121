"""What machines send and ask: the webhooks (Telegram, YooKassa) and health."""

from __future__ import annotations

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12


class TelegramUpdate(TypedDict):
    """A Bot API update: only what is read before it is queued (the rest is Telegram's, kept as sent)."""

    update_id: int


class YooKassaObject(TypedDict):
    id: str


class YooKassaNotification(TypedDict):
    """Only the event and the object's id are read; the object itself is re-fetched from YooKassa."""

    type: str
    event: str
    object: YooKassaObject

class TelegramAccepted(TypedDict):
    ok: bool
    duplicate: bool


class YooKassaAnswer(TypedDict):
    ok: bool
    applied: NotRequired[bool]
    ignored: NotRequired[str]


class Health(TypedDict):
    status: str


class Readiness(TypedDict):
    status: str
    checks: dict[str, str]
