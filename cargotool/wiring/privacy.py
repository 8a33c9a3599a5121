"""Consents, «Удалить мои данные» (each owner forgets its own part), the policy and the bot's /privacy."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..core.billing.paysupport import PaySupport
from ..core.drivers.sessions import SessionStore
from ..core.insights.service import Insights
from ..core.messaging.outbox import Outbox
from ..core.privacy.bot import PrivacyBot
from ..core.privacy.consent import Consents
from ..core.privacy.forget import Forgetter
from ..core.privacy.policy import Policy, policy_from
from .alerts import Alerts
from .storage import Storage


@dataclass(frozen=True)
class Privacy:
    consents: Consents
    forgetter: Forgetter
    policy: Policy
    bot: PrivacyBot


def build_privacy(settings: Settings, storage: Storage, *, outbox: Outbox, insights: Insights, alerts: Alerts,
                  sessions: SessionStore, paysupport: PaySupport, shortlist, availability) -> Privacy:
    consents = Consents(storage.database, storage.redis, storage.keys,
                        erasers={"position": insights.clear_app_position, "live_location": insights.positions.erase})
    forgetter = Forgetter(database=storage.database, audit=storage.audit, consents=consents, profiles=insights.profiles,
                          positions=insights.positions, searches=alerts.searches, alerter=alerts.alerter,
                          sessions=sessions, reports=insights.reports, paysupport=paysupport,
                          shortlist=shortlist, driving=insights.reach, availability=availability)
    policy = policy_from(settings)
    bot = PrivacyBot(consents=consents, forgetter=forgetter, outbox=outbox, policy=policy,
                     policy_url=settings.webapp_url.rstrip("/") + "/privacy")
    return Privacy(consents, forgetter, policy, bot)
