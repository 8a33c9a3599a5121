"""The CargoTech client: the live API, or the recorded sample served in-process; its pooled HTTP client,
circuit breaker, token cache and (on the embedded store) the token file shared between processes."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

import httpx

from ..config import Settings
from ..core.audit import AuditLog
from ..core.cargotech import CargoTechClient, build_http_client
from ..core.cargotech.marketplace import CargoTechMarketplace
from ..core.cargotech.probe import probe
from ..core.cargotech.retry import RetryPolicy
from ..core.cargotech.token_file import TokenFile
from ..core.loads.geo import Geo
from ..core.loads.marketplace import Marketplace
from ..core.loads.operator import Account, ProbeReport, TokenStatus, UpstreamAccount
from ..core.storage.circuit import CircuitBreaker
from .storage import Storage

log = logging.getLogger(__name__)

# In recorded mode requests never leave the process; this host (reserved, never resolvable) is what
# the HTTP log lines name, so nobody reads them as calls to the live API.
RECORDED_BASE_URL = "http://recorded-sample.cargotech.invalid"


@dataclass(frozen=True)
class CargoTechAccount:
    """The operator's view of the CargoTech account (core/loads/operator.py), over the client."""

    _client: CargoTechClient
    _token_file: TokenFile | None

    @property
    def shares_token_file(self) -> bool:
        return self._token_file is not None

    async def me(self) -> Account:
        account = await self._client.me()
        return Account(account.id, account.name, account.company)

    async def token_status(self) -> TokenStatus:
        return await self._client.tokens.status()

    async def restore_token(self) -> None:
        if self._token_file is not None:
            await self._token_file.restore()

    async def flush_token(self) -> bool:
        removed = await self._client.tokens.flush()
        return (self._token_file.remove() if self._token_file is not None else False) or removed

    async def probe(self, today: dt.date) -> ProbeReport:
        return await probe(self._client, today)

    async def aclose(self) -> None:
        await self._client.tokens.aclose()


@dataclass(frozen=True)
class Upstream:
    http: httpx.AsyncClient
    cargotech: CargoTechClient
    account: UpstreamAccount  # the operator's view: `cargotool cargotech ...`
    label: str  # "live" or "recorded"
    token_file: TokenFile | None  # only on the embedded store: carries the token between processes
    geo: Geo  # city coordinates known up front (the recorded sample's), for the alerts matcher
    breaker: CircuitBreaker  # towards CargoTech, shared through Redis; /metrics reads its state
    marketplace: Marketplace  # the client as the product's loads: what features use
    paced_marketplace: Marketplace  # the same, each call tried once: for the alerts watcher, which counts every request


@dataclass(frozen=True)
class _Source:
    transport: httpx.AsyncBaseTransport | None
    label: str
    phone: str | None
    password: str | None
    geo: Geo


def _source(settings: Settings) -> _Source:
    """The transport, credentials and known city coordinates: the real API (whose points carry no
    coordinates [?]), or the recorded sample served in-process."""
    if settings.uses_recorded_cargotech:
        from ..standin import DEMO_PASSWORD, DEMO_PHONE, CargoTechStandIn, StandInTransport

        log.debug("CargoTech: serving the recorded sample data")  # `serve` warns once (embedded_defaults)
        standin = CargoTechStandIn()
        geo = {cid: (lat, lon) for cid, (_, lat, lon) in standin.dataset.cities.items()}
        return _Source(StandInTransport(standin), "recorded", DEMO_PHONE, DEMO_PASSWORD, geo)
    return _Source(None, "live", settings.cargotech_phone, settings.cargotech_password, {})


def _token_file(settings: Settings, storage: Storage, label: str) -> TokenFile | None:
    """The live API's token outlives a process; the recorded sample's is issued in-process and dies with it."""
    if label == "live" and not settings.shared_redis and settings.cargotech_token_file.lower() != "off":
        return TokenFile(settings.cargotech_token_file, storage.redis, storage.keys)
    return None


def _on_login(token_file: TokenFile | None, audit: AuditLog, label: str) -> Callable[[], Awaitable[None]]:
    async def on_login() -> None:
        if token_file is not None:
            await token_file.save()
        if label == "live":  # logins to the in-process recorded sample are not events worth auditing
            await audit.record("system", "cargotech.login", target=label)

    return on_login


def _breaker(settings: Settings, storage: Storage) -> CircuitBreaker:
    return CircuitBreaker(storage.redis, storage.keys("cargotech:circuit"), threshold=settings.cargotech_circuit_threshold,
                          open_seconds=settings.cargotech_circuit_open_seconds,
                          window=max(30, 3 * settings.cargotech_circuit_open_seconds), name="CargoTech")


def build_upstream(settings: Settings, storage: Storage, transport: httpx.AsyncBaseTransport | None = None,
                   geo: Geo | None = None) -> Upstream:
    """`transport`: a test's stand-in instead of the configured upstream; `geo` then gives its city coordinates."""
    source = _source(settings)
    http = build_http_client(
        RECORDED_BASE_URL if source.label == "recorded" and transport is None else settings.cargotech_base_url,
        connect_timeout=settings.cargotech_connect_timeout, read_timeout=settings.cargotech_read_timeout,
        transport=transport or source.transport)
    token_file = _token_file(settings, storage, source.label)
    breaker = _breaker(settings, storage)
    cargotech = CargoTechClient(
        http, phone=source.phone, password=source.password, redis=storage.redis, keys=storage.keys,
        retry=RetryPolicy(max_attempts=settings.cargotech_max_attempts, deadline=settings.cargotech_retry_deadline),
        token_ttl=settings.cargotech_token_cache_ttl, lock_timeout=settings.cargotech_login_lock_timeout,
        failure_backoff=settings.cargotech_login_failure_backoff,
        on_login=_on_login(token_file, storage.audit, source.label), breaker=breaker)
    known = geo if geo is not None else (source.geo if transport is None else {})
    return Upstream(http, cargotech, CargoTechAccount(cargotech, token_file), source.label, token_file, known, breaker,
                    CargoTechMarketplace(cargotech), CargoTechMarketplace(cargotech.single_attempt()))
