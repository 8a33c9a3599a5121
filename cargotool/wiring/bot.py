"""The bot's conversation: each feature registers what it answers into the router; the handlers dispatch
through it; the inbox of updates feeds them."""

from __future__ import annotations

from ..config import Settings
from ..core.alerts import commands as alert_bot
from ..core.alerts.commands import AlertCommands
from ..core.availability import bot as availability_bot
from ..core.availability.bot import FreeCommand
from ..core.billing import bot as billing_bot
from ..core.bot import commands as conversation_bot
from ..core.bot.commands import Conversation
from ..core.bot.handlers import BotHandlers
from ..core.bot.updates import UpdateInbox
from ..core.drivers import reach as reach_bot
from ..core.insights import wait_questions as wait_questions_bot
from ..core.insights.wait_questions import WaitQuestions
from ..core.messaging.router import Router
from ..core.privacy import bot as privacy_in_bot
from ..core.responses import decisions as decisions_bot
from ..core.responses.decisions import DecisionButtons
from ..core.responses.service import ResponseService
from .alerts import Alerts
from .billing import Billing
from .messaging import Messaging
from .privacy import Privacy
from .storage import Storage


def build_bot(settings: Settings, storage: Storage, *, messaging: Messaging, responses: ResponseService,
              billing: Billing, alerts: Alerts, wait_questions: WaitQuestions,
              privacy: Privacy) -> tuple[BotHandlers, UpdateInbox]:
    router = Router()
    conversation = Conversation(router=router, responses=responses, webapp_url=settings.webapp_url,
                                subscriptions=billing.subscriptions)
    conversation_bot.register(router, conversation)
    reach_bot.register(router, messaging.reach)
    billing_bot.register(router, billing.stars, billing.paysupport)
    decisions_bot.register(router, DecisionButtons(responses, settings.telegram_dispatcher_chat_id,
                                                   settings.admin_telegram_ids))
    wait_questions_bot.register(router, wait_questions)
    privacy_in_bot.register(router, privacy.bot)
    alert_bot.register(router, AlertCommands(alerts.alerter, alerts.searches, alerts.auto))
    availability_bot.register(router, FreeCommand(storage.database, messaging.outbox,
                                                  settings.telegram_dispatcher_chat_id, settings.admin_telegram_ids))
    handlers = BotHandlers(router=router, outbox=messaging.outbox, api=messaging.bot_api, fallback=conversation.help)
    return handlers, UpdateInbox(storage.redis, storage.keys, handlers)
