"""Drivers' responses to loads and where they go (the dispatcher chat, core/responses/chat.py)."""

from __future__ import annotations

from ..config import Settings
from ..core.billing.paywall import Paywall
from ..core.cargo.service import CargoService
from ..core.messaging.outbox import Outbox
from ..core.responses.chat import ChatDispatch
from ..core.responses.replay import Replays
from ..core.responses.service import ResponseService
from .storage import Storage


def build_responses(settings: Settings, storage: Storage, cargos: CargoService, outbox: Outbox,
                    paywall: Paywall) -> ResponseService:
    def dispatch_for(responses: ResponseService) -> ChatDispatch:  # the dispatcher chat reads responses back
        return ChatDispatch(outbox, responses, settings.telegram_dispatcher_chat_id, settings.webapp_url)

    return ResponseService(storage.database, cargos, storage.audit, expire_hours=settings.response_expire_hours,
                           paywall=paywall, dispatch_for=dispatch_for,
                           replays=Replays(storage.redis, storage.keys))
