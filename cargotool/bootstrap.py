"""The composition root: builds every long-lived object from `Settings`, and closes them.

Both the Sanic app (per worker, in `before_server_start`) and the CLI (per command) use `Services`;
tests build it with test settings. Nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx
import redis.asyncio as aioredis

from .config import Settings
from .core.alerts.auto import AutoResponder
from .core.alerts import commands as alert_bot
from .core.alerts.commands import AlertCommands
from .core.alerts.delivery import Alerter
from .core.alerts.lease import Lease
from .core.alerts.location import LocationStore
from .core.alerts.matcher import Geo
from .core.alerts.searches import SearchStore
from .core.alerts.watcher import Watcher
from .core.audit import AuditLog
from .core.billing import bot as billing_bot
from .core.billing.flags import Flags
from .core.billing.notices import BillingNotices
from .core.billing.paywall import Paywall
from .core.billing.gateway import YooKassaGateway
from .core.billing.payments import Payments
from .core.billing.plans import Plan, plans_from
from .core.billing.promo import PromoCodes
from .core.billing.refunds import Refunds
from .core.billing.stars import StarsPayments
from .core.billing.subscriptions import Subscriptions
from .core.billing.paysupport import PaySupport
from .core.bot import commands as conversation_bot
from .core.bot.commands import Conversation
from .core.bot.handlers import BotHandlers
from .core.bot.updates import UpdateInbox
from .core.cargo.share import LoadSharer
from .core.insights import wait_questions as wait_questions_bot
from .core.insights.wait_questions import WaitQuestions
from .core.messaging.api import BotApi
from .core.messaging.outbox import Outbox
from .core.messaging.router import Router
from .core.insights.gazetteer import default_gazetteer
from .core.insights.moderation import ReportDesk
from .core.insights.positions import LiveLocation
from .core.insights.service import Insights, build_insights
from .core.privacy import bot as privacy_in_bot
from .core.privacy.bot import PrivacyBot
from .core.privacy.consent import Consents
from .core.privacy.forget import Forgetter
from .core.privacy.policy import Policy, policy_from
from .core.responses import decisions as decisions_bot
from .core.responses.chat import ChatDispatch
from .core.responses.decisions import DecisionButtons
from .core.responses.service import ResponseService
from .core.cargo.service import CacheTTL, CargoService
from .core.drivers.auth import DriverAuth
from .core.drivers.directory import DriverDirectory
from .core.drivers.ratelimit import Limit, RateLimiter
from .core.drivers import reach as reach_bot
from .core.drivers.reach import BotReach
from .core.drivers.sessions import SessionStore
from .core.cargotech import CargoTechClient, build_http_client
from .core.cargotech.breaker import CircuitBreaker
from .core.observability.metrics import register_circuit
from .core.cargotech.retry import RetryPolicy
from .core.cargotech.token_file import TokenFile
from .core.redaction import install_log_redaction, redactor
from .core.waiting import wait_any
from .core.storage.db import Database
from .core.storage.migrations import migrate
from .core.storage.redis import Keys, RedisTarget, connect_redis

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    redis: aioredis.Redis
    keys: Keys
    database: Database
    http: httpx.AsyncClient
    cargotech: CargoTechClient
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
    notices: BillingNotices
    searches: SearchStore
    alerter: Alerter
    watcher: Watcher
    insights: Insights
    report_desk: ReportDesk
    wait_questions: WaitQuestions
    upstream_label: str  # "live" or "recorded"
    consents: Consents
    forgetter: Forgetter
    privacy_policy: Policy
    sharer: LoadSharer
    token_file: TokenFile | None = None  # only on the embedded store: carries the token between processes

    async def _once_per_window(self, job: str, seconds: int) -> bool:
        return bool(await self.redis.set(self.keys(f"jobs:{job}"), "1", nx=True, ex=seconds))

    async def remind_expiring(self) -> int:
        return await self.notices.remind_expiring()

    async def run_background(self, stop: asyncio.Event, sweep_every: float = 60.0) -> None:
        """The long-running work of a server worker or the bot runner: deliver the outbox, process bot
        updates, and expire stale responses (at most one process per window, by a Redis key)."""
        tasks = [asyncio.ensure_future(self.outbox.run(stop)), asyncio.ensure_future(self.updates.run(stop)),
                 asyncio.ensure_future(self.watcher.run(stop))]
        try:
            while not stop.is_set():
                for job, work, window in (("expire-responses", self.responses.expire_due, 300),
                                          ("reconcile-payments", self._reconcile, 300),
                                          ("reconcile-refunds", self._reconcile_refunds, 3600),
                                          ("remind-expiring", self.remind_expiring, 300),
                                          ("age-lane-rates", self.insights.lanes.age_out, 300),
                                          ("ask-dock-waits", self.wait_questions.ask_due, 300)):
                    if await self._once_per_window(job, window):
                        try:
                            await work()
                        except Exception as exc:
                            log.warning("background job %s failed: %s", job, type(exc).__name__)
                await wait_any(stop, timeout=sweep_every)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _reconcile(self) -> None:
        if self.payments.gateway.configured:
            await self.payments.reconcile(self.settings.reconcile_after_minutes)

    async def _reconcile_refunds(self) -> None:
        """Hourly: refunds of recent payments whose notification was lost (one YooKassa call per payment)."""
        if self.payments.gateway.configured:
            await self.payments.reconcile(self.settings.reconcile_after_minutes,
                                          refund_days=self.settings.reconcile_refund_days)

    async def aclose(self) -> None:
        if self.bot_api is not None:
            await self.bot_api.aclose()
        await self.cargos.aclose()
        await self.cargotech.tokens.aclose()
        await self.http.aclose()
        await self.redis.aclose()
        self.payments.gateway.close()
        self.database.close()


def register_secrets(settings: Settings) -> None:
    install_log_redaction()
    for value in settings.secret_values:
        redactor.add_secret(value)
    redactor.add_phone(settings.cargotech_phone)


def redis_target(settings: Settings) -> RedisTarget:
    return RedisTarget(url=settings.redis_url, sentinels=settings.redis_sentinels, master=settings.redis_sentinel_master,
                       sentinel_password=settings.redis_sentinel_password, max_connections=settings.redis_max_connections)


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


# In recorded mode requests never leave the process; this host (reserved, never resolvable) is what
# the HTTP log lines name, so nobody reads them as calls to the live API.
RECORDED_BASE_URL = "http://recorded-sample.cargotech.invalid"


def _cargotech_transport(settings: Settings) -> tuple[httpx.AsyncBaseTransport | None, str, str | None, str | None, Geo]:
    """The transport, credentials and known city coordinates: the real API (whose points carry no
    coordinates [?]), or the recorded sample served in-process."""
    if settings.uses_recorded_cargotech:
        from .standin import DEMO_PASSWORD, DEMO_PHONE, CargoTechStandIn, StandInTransport

        log.debug("CargoTech: serving the recorded sample data")  # `serve` warns once (embedded_defaults)
        standin = CargoTechStandIn()
        geo = {cid: (lat, lon) for cid, (_, lat, lon) in standin.dataset.cities.items()}
        return StandInTransport(standin), "recorded", DEMO_PHONE, DEMO_PASSWORD, geo
    return None, "live", settings.cargotech_phone, settings.cargotech_password, {}


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
    redis = redis if redis is not None else connect_redis(redis_target(settings))
    keys = Keys(settings.redis_key_prefix)
    database = Database(settings.database_url, pool_size=settings.database_pool_size,
                        pool_wait=settings.database_pool_wait, connect_timeout=settings.database_connect_timeout,
                        statement_timeout=settings.database_statement_timeout)
    if run_migrations:
        migrate(database)
    default_transport, label, phone, password, default_geo = _cargotech_transport(settings)
    http = build_http_client(
        RECORDED_BASE_URL if label == "recorded" and transport is None else settings.cargotech_base_url,
        connect_timeout=settings.cargotech_connect_timeout,
        read_timeout=settings.cargotech_read_timeout,
        transport=transport or default_transport,
    )
    audit = AuditLog(database)
    insights = build_insights(database, redis, keys, audit)
    # The live API's token outlives a process; the recorded sample's is issued in-process and dies with it.
    token_file = (TokenFile(settings.cargotech_token_file, redis, keys)
                  if label == "live" and not settings.shared_redis and settings.cargotech_token_file.lower() != "off"
                  else None)

    async def on_login() -> None:
        if token_file is not None:
            await token_file.save()
        if label == "live":  # logins to the in-process recorded sample are not events worth auditing
            await audit.record("system", "cargotech.login", target=label)

    breaker = CircuitBreaker(redis, keys("cargotech:circuit"), threshold=settings.cargotech_circuit_threshold,
                             open_seconds=settings.cargotech_circuit_open_seconds,
                             window=max(30, 3 * settings.cargotech_circuit_open_seconds))
    register_circuit("cargotech", lambda: breaker.known_state)  # cargotool_circuit_state in /metrics
    cargotech = CargoTechClient(
        http,
        phone=phone,
        password=password,
        redis=redis,
        keys=keys,
        retry=RetryPolicy(max_attempts=settings.cargotech_max_attempts, deadline=settings.cargotech_retry_deadline),
        token_ttl=settings.cargotech_token_cache_ttl,
        lock_timeout=settings.cargotech_login_lock_timeout,
        failure_backoff=settings.cargotech_login_failure_backoff,
        on_login=on_login,
        breaker=breaker,
    )
    cargos = CargoService(
        cargotech,
        redis,
        keys,
        CacheTTL(
            list=settings.cache_list_ttl,
            detail=settings.cache_detail_ttl,
            dictionary=settings.cache_dictionary_ttl,
            stale_max=settings.cache_stale_max,
        ),
        lock_timeout=settings.cargotech_retry_deadline + 5,
        observer=insights.on_cargos,
    )
    insights.list_page = cargos.list
    auth = DriverAuth(
        bot_token=settings.bot_token,
        max_age=settings.telegram_init_data_max_age,
        sessions=SessionStore(redis, keys, settings.session_ttl),
        directory=DriverDirectory(database),
        audit=audit,
    )
    responses = ResponseService(database, cargos, audit, expire_hours=settings.response_expire_hours)
    bot_api = (BotApi(settings.bot_token, settings.telegram_api_url, transport=bot_transport)
               if settings.telegram_bot_token else None)
    reach = BotReach(database, audit)
    outbox = Outbox(redis, keys, bot_api, on_blocked=reach.lost)
    responses.dispatch = ChatDispatch(outbox, responses, settings.telegram_dispatcher_chat_id, settings.webapp_url)
    plans = plans_from(settings.plans, settings.plans_stars)
    subscriptions = Subscriptions(database, redis, keys, audit)
    promos = PromoCodes(database, subscriptions, audit)
    notices = BillingNotices(outbox, subscriptions, settings.webapp_url)
    # The recorded demo has no payments configured: its paywall is off unless switched on.
    flags = Flags(database, audit, {"paywall": False} if settings.uses_recorded_cargotech else None)

    payments = Payments(database, YooKassaGateway(settings.yookassa_shop_id, settings.yookassa_secret_key,
                                                  settings.yookassa_api_url),
                        plans, promos, subscriptions, audit,
                        return_url=settings.payment_return_url or settings.webapp_url,
                        receipt=settings.yookassa_receipt == "on", vat_code=settings.yookassa_vat_code,
                        reservation_minutes=settings.promo_reservation_minutes, on_paid=notices.paid)
    stars = StarsPayments(database, plans, flags, subscriptions, audit, bot_api, on_paid=notices.paid)
    paywall = Paywall(flags, subscriptions)

    async def searches_changed() -> None:
        await redis.incr(keys("alerts:searches:version"))

    searches = SearchStore(database, settings.alerts_max_searches, on_change=searches_changed)
    auto = AutoResponder(redis=redis, keys=keys, database=database, responses=responses, paywall=paywall,
                         undo_seconds=settings.alerts_undo_seconds, per_day=settings.alerts_auto_per_day)
    locations = LocationStore(redis, keys)
    insights.positions.add(LiveLocation(locations))  # the bot's live location, beside the Mini App's
    locations.on_share_started = insights.positions.gained  # drivers without a position are cached long
    alerter = Alerter(database=database, redis=redis, keys=keys, outbox=outbox, paywall=paywall,
                      locations=locations, webapp_url=settings.webapp_url,
                      per_hour=settings.alerts_per_hour, default_quiet=settings.alerts_quiet_hours,
                      still_minutes=settings.alerts_still_minutes, auto=auto)
    watcher = Watcher(cargotech=cargotech, cargos=cargos, searches=searches, alerter=alerter, auto=auto, redis=redis,
                      keys=keys, lease=Lease(redis, keys("alerts:watcher:lease"), settings.alerts_lease_seconds),
                      poll_seconds=settings.alerts_poll_seconds,
                      max_per_minute=settings.alerts_max_upstream_per_minute,
                      geo=geo if geo is not None else (default_geo if transport is None else {}),
                      locate=lambda name: (p.lat, p.lon) if (p := default_gazetteer().find(name)) else None)
    wait_questions = WaitQuestions(insights.waits, insights.trips, outbox)
    consents = Consents(database, redis, keys)
    consents.erasers.update(position=insights.clear_app_position, live_location=insights.positions.erase)
    paysupport = PaySupport(redis, keys, outbox, database, settings.telegram_dispatcher_chat_id)
    forgetter = Forgetter(database=database, audit=audit, consents=consents, profiles=insights.profiles,
                          positions=insights.positions, searches=searches, alerter=alerter,
                          sessions=auth.sessions, reports=insights.reports,
                          paysupport=paysupport)
    privacy_policy = policy_from(settings)
    privacy_bot = PrivacyBot(consents=consents, forgetter=forgetter, outbox=outbox, policy=privacy_policy,
                             policy_url=settings.webapp_url.rstrip("/") + "/privacy")
    # The bot: each feature registers what it answers into the router; the conversation dispatches through it.
    router = Router()
    conversation = Conversation(router=router, responses=responses, webapp_url=settings.webapp_url,
                                subscriptions=subscriptions)
    conversation_bot.register(router, conversation)
    reach_bot.register(router, reach)
    billing_bot.register(router, stars, paysupport)
    decisions_bot.register(router, DecisionButtons(responses, settings.telegram_dispatcher_chat_id,
                                                   settings.admin_telegram_ids))
    wait_questions_bot.register(router, wait_questions)
    privacy_in_bot.register(router, privacy_bot)
    alert_bot.register(router, AlertCommands(alerter, searches, auto))
    handlers = BotHandlers(router=router, outbox=outbox, api=bot_api, fallback=conversation.help)
    return Services(
        settings=settings,
        redis=redis,
        keys=keys,
        database=database,
        http=http,
        cargotech=cargotech,
        audit=audit,
        cargos=cargos,
        auth=auth,
        limiter=RateLimiter(redis, keys),
        api_limit=Limit(settings.rate_limit_api_per_minute, settings.rate_limit_api_burst),
        login_limit=Limit(settings.rate_limit_login_per_minute, settings.rate_limit_login_burst),
        responses=responses,
        bot_api=bot_api,
        outbox=outbox,
        reach=reach,
        bot=handlers,
        updates=UpdateInbox(redis, keys, handlers),
        flags=flags,
        subscriptions=subscriptions,
        promos=promos,
        payments=payments,
        refunds=Refunds(database, payments, audit, stars),
        stars=stars,
        plans=plans,
        paywall=paywall,
        notices=notices,
        searches=searches,
        alerter=alerter,
        watcher=watcher,
        insights=insights,
        report_desk=ReportDesk(database, insights.reports),
        wait_questions=wait_questions,
        upstream_label=label,
        consents=consents,
        forgetter=forgetter,
        privacy_policy=privacy_policy,
        sharer=LoadSharer(bot_api),
        token_file=token_file,
    )
