"""The bot's conversation: its handlers, what each feature adds to them, and the inbox of updates."""

from __future__ import annotations

from ..config import Settings
from ..core.alerts.commands import AlertCommands
from ..core.bot.handlers import BotHandlers
from ..core.bot.updates import UpdateInbox
from ..core.bot.wait_questions import WaitQuestions
from ..core.responses.service import ResponseService
from .alerts import Alerts
from .billing import Billing
from .messaging import Messaging
from .privacy import Privacy
from .storage import Storage


def build_bot(settings: Settings, storage: Storage, *, messaging: Messaging, responses: ResponseService,
              billing: Billing, alerts: Alerts, wait_questions: WaitQuestions,
              privacy: Privacy) -> tuple[BotHandlers, UpdateInbox]:
    handlers = BotHandlers(responses=responses, outbox=messaging.outbox, api=messaging.bot_api,
                           webapp_url=settings.webapp_url, dispatcher_chat_id=settings.telegram_dispatcher_chat_id,
                           admin_ids=settings.admin_telegram_ids, subscriptions=billing.subscriptions,
                           alerts=AlertCommands(alerts.alerter, alerts.searches, alerts.auto))
    handlers.callbacks["wt"] = wait_questions.on_callback
    handlers.on_private_message.append(messaging.reach.wrote_to_bot)
    handlers.commands.update({"/privacy": privacy.bot.privacy, "/forget_me": privacy.bot.forget_me,
                              "/forget_location": privacy.bot.forget_location})
    handlers.callbacks.update({"fm": privacy.bot.on_forget, "cs": privacy.bot.on_consent})
    handlers.location_gate = privacy.bot.location_gate
    handlers.message_hooks += [billing.stars.on_message,
                               billing.paysupport.on_message]
    return handlers, UpdateInbox(storage.redis, storage.keys, handlers)
