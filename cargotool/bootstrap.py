"""The composition root: builds every long-lived object from `Settings`, and closes them.

Both the Sanic app (per worker, in `before_server_start`) and the CLI (per command) use `Services`;
tests build it with test settings. Nothing here runs at import time. Each capability has its builder in
cargotool/wiring/; `build_services` only composes them, in the order their dependencies need.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import httpx
import redis.asyncio as aioredis

from .config import Settings
from .core.alerts.delivery import Alerter
from .core.alerts.searches import SearchStore
from .core.alerts.watcher import Watcher
from .core.availability.service import Availabilities
from .core.audit import AuditLog
from .core.billing.flags import Flags
from .core.billing.notices import BillingNotices
from .core.billing.payments import Payments
from .core.billing.paywall import Paywall
from .core.billing.plans import Plan
from .core.billing.promo import PromoCodes
from .core.billing.refunds import Refunds
from .core.billing.stars import StarsPayments
from .core.billing.subscriptions import Subscriptions
from .core.bot.handlers import BotHandlers
from .core.bot.updates import UpdateInbox
from .core.cargo.service import CargoService, observers
from .core.cargo.share import LoadSharer
from .core.loads.operator import UpstreamAccount
from .core.chains.service import ChainPlanner
from .core.companycheck.service import CompanyChecks
from .core.contacts.service import Contacts
from .core.drivers.auth import DriverAuth
from .core.drivers.ratelimit import Limit, RateLimiter
from .core.drivers.reach import BotReach
from .core.insights.moderation import ReportDesk
from .core.insights.service import Insights
from .core.insights.wait_questions import WaitQuestions
from .core.jobs import Scheduler
from .core.loads.geo import Geo
from .core.loads.marketplace import Marketplace
from .core.messaging.api import BotApi
from .core.messaging.outbox import Outbox
from .core.observability.metrics import CircuitReader
from .core.privacy.consent import Consents
from .core.privacy.forget import Forgetter
from .core.privacy.policy import Policy
from .core.redaction import install_log_redaction, redactor
from .core.responses.service import ResponseService
from .core.shortlist.service import Shortlist
from .core.shortlist.views import MarkedViews
from .core.samefreight import SameFreight
from .core.storage.db import Database
from .core.storage.redis import Keys
from .wiring.alerts import build_alerts
from .wiring.availability import build_availability
from .wiring.billing import build_billing
from .wiring.bot import build_bot
from .wiring.cargotech import build_upstream
from .wiring.chains import build_chains
from .wiring.companycheck import build_company_checks
from .wiring.drivers import build_drivers
from .wiring.insights import build_insights_parts, platon_tariff
from .wiring.jobs import build_scheduler
from .wiring.loads import build_cargos, build_contacts, build_samefreight
from .wiring.messaging import build_messaging
from .wiring.privacy import build_privacy
from .wiring.responses import build_responses
from .wiring.shortlist import build_shortlist
from .wiring.storage import build_storage


@dataclass
class Services:
    settings: Settings
    redis: aioredis.Redis
    keys: Keys
    database: Database
    http: httpx.AsyncClient
    upstream: UpstreamAccount  # the marketplace account, for the operator's `cargotech` commands
    marketplace: Marketplace
    audit: AuditLog
    cargos: CargoService
    auth: DriverAuth
    limiter: RateLimiter
    api_limit: Limit
    login_limit: Limit
    responses: ResponseService
    bot_api: BotApi | None  # None without TELEGRAM_BOT_TOKEN: messages wait in the outbox
    outbox: Outbox
    reach: BotReach  # whether the bot can write to a driver (a 403 marks, the driver clears)
    bot: BotHandlers
    updates: UpdateInbox
    flags: Flags
    subscriptions: Subscriptions
    promos: PromoCodes
    payments: Payments
    refunds: Refunds
    stars: StarsPayments
    plans: dict[str, Plan]
    paywall: Paywall
    contacts: Contacts  # who sees a load's contacts; «Контакты в чат»
    notices: BillingNotices
    searches: SearchStore
    alerter: Alerter
    watcher: Watcher
    insights: Insights
    samefreight: SameFreight  # postings of one trip: folded on the list, the group on the detail
    report_desk: ReportDesk
    wait_questions: WaitQuestions
    upstream_label: str  # "live" or "recorded"
    consents: Consents
    forgetter: Forgetter
    privacy_policy: Policy
    sharer: LoadSharer
    scheduler: Scheduler
    circuits: Mapping[str, CircuitReader]  # name → state reader of each circuit breaker, for /metrics (read-only)
    shortlist: Shortlist  # favourites and hidden loads and companies
    list_views: MarkedViews  # the list's driver views: insights, without what the driver hid
    chains: ChainPlanner  # chains home (GET /api/chains) and the driver's home city
    company_checks: CompanyChecks | None  # the company register by INN; None without DADATA_API_KEY
    availability: Availabilities  # «Свободен с…»: where and when a driver is free, its feed, free trucks

    async def run_background(self, stop: asyncio.Event, sweep_every: float = 60.0) -> None:
        """The long-running work of a server worker or the bot runner (core/jobs.py): deliver the outbox,
        process bot updates, watch for new loads, and run the periodic jobs."""
        await self.scheduler.run(stop, sweep_every)

    async def aclose(self) -> None:
        if self.bot_api is not None:
            await self.bot_api.aclose()
        await self.cargos.aclose()
        if self.company_checks is not None:
            await self.company_checks.aclose()
        await self.upstream.aclose()
        await self.http.aclose()
        await self.redis.aclose()
        self.payments.gateway.close()
        self.database.close()


def register_secrets(settings: Settings) -> None:
    install_log_redaction()
    for value in settings.secret_values:
        redactor.add_secret(value)
    redactor.add_phone(settings.cargotech_phone)


def embedded_defaults(settings: Settings) -> list[str]:
    """What this deployment runs on that is only fit for a demo: `serve` says it once at start-up
    (operator commands do not repeat it; `cargotech check` names the upstream it used)."""
    notes = []
    if not (settings.operator_name and settings.operator_inn and settings.privacy_contact):
        notes.append("OPERATOR_NAME, OPERATOR_INN or PRIVACY_CONTACT is not set: the privacy policy (GET /privacy) "
                     "does not name the operator or a contact")
    if not settings.shared_redis:
        notes.append("REDIS_URL is not set: using an embedded in-process store, valid for a single process only")
    if settings.uses_recorded_cargotech:
        notes.append("CargoTech: serving the recorded sample data (no credentials set); not the live API")
    return notes


def build_services(
    settings: Settings,
    *,
    redis: aioredis.Redis | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    bot_transport: httpx.AsyncBaseTransport | None = None,
    run_migrations: bool = True,
    geo: Geo | None = None,
) -> Services:
    """Wire everything. `redis` and `transport` let tests hand in their own connections; `geo` gives
    the alerts matcher city coordinates (a stand-in's) when the transport is not the default one."""
    register_secrets(settings)
    storage = build_storage(settings, redis, run_migrations)
    upstream = build_upstream(settings, storage, transport, geo)
    messaging = build_messaging(settings, storage, bot_transport)
    # A cycle, broken by callbacks: insights read the list (and places) through the shared cache, which tells insights
    # what each fetch brought.
    found = build_insights_parts(storage, messaging.outbox, list_page=lambda q: cargos.list(q), points=lambda t: cargos.points(t),
                                 avg_speed_kmh=settings.drivetime_avg_speed_kmh,
                                 platon=platon_tariff(settings.platon_rub_km, settings.platon_federal_share))
    samefreight = build_samefreight(settings, storage)
    company_checks = build_company_checks(settings, storage)
    cargos = build_cargos(settings, storage, upstream, fold=samefreight.fold_page,
                          observer=observers(found.insights.on_cargos, company_checks and company_checks.on_cargos))
    drivers = build_drivers(settings, storage)
    billing = build_billing(settings, storage, messaging)
    responses = build_responses(settings, storage, cargos, messaging.outbox, billing.paywall)
    contacts = build_contacts(cargos, billing.paywall, messaging)
    shortlists = build_shortlist(settings, storage, cards=contacts.card_for, views=found.insights)
    alerts = build_alerts(settings, storage, outbox=messaging.outbox, upstream=upstream, cargos=cargos,
                          responses=responses, paywall=billing.paywall, locations=found.locations,
                          hidden=shortlists.shortlist, personal=found.insights.for_alerts)
    availability = build_availability(storage, alerts.searches, responses, found.insights, cargos, shortlists)
    privacy = build_privacy(settings, storage, outbox=messaging.outbox, insights=found.insights, alerts=alerts,
                            sessions=drivers.auth.sessions, paysupport=billing.paysupport,
                            shortlist=shortlists.shortlist, availability=availability)
    bot, updates = build_bot(settings, storage, messaging=messaging, responses=responses, billing=billing, alerts=alerts,
                             wait_questions=found.wait_questions, privacy=privacy, availability=availability)
    scheduler = build_scheduler(settings, storage.redis, storage.keys,
                                loops=[messaging.outbox.run, updates.run, alerts.watcher.run], responses=responses,
                                payments=billing.payments, notices=billing.notices, lanes=found.insights.lanes,
                                wait_questions=found.wait_questions, company_checks=company_checks,
                                availability=availability)
    return Services(
        settings=settings, redis=storage.redis, keys=storage.keys, database=storage.database, audit=storage.audit,
        http=upstream.http, upstream=upstream.account, marketplace=upstream.marketplace, upstream_label=upstream.label,
        cargos=cargos, responses=responses,
        auth=drivers.auth, limiter=drivers.limiter, api_limit=drivers.api_limit, login_limit=drivers.login_limit,
        bot_api=messaging.bot_api, outbox=messaging.outbox, reach=messaging.reach, sharer=messaging.sharer,
        bot=bot, updates=updates,
        flags=billing.flags, subscriptions=billing.subscriptions, promos=billing.promos, payments=billing.payments,
        refunds=billing.refunds, stars=billing.stars, plans=billing.plans, paywall=billing.paywall,
        notices=billing.notices, contacts=contacts,
        searches=alerts.searches, alerter=alerts.alerter, watcher=alerts.watcher,
        insights=found.insights, samefreight=samefreight, report_desk=found.report_desk, wait_questions=found.wait_questions,
        consents=privacy.consents, forgetter=privacy.forgetter, privacy_policy=privacy.policy,
        scheduler=scheduler, circuits=MappingProxyType({"cargotech": upstream.breaker.state}),
        shortlist=shortlists.shortlist, list_views=shortlists.views, availability=availability,
        chains=build_chains(settings, storage, cargos=cargos, insights=found.insights), company_checks=company_checks,
    )
