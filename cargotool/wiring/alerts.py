"""Alerts on new loads: saved searches, the watcher (one across the fleet), delivery and automatic responses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from ..config import Settings
from ..core.alerts.auto import AutoResponder
from ..core.alerts.delivery import Alerter, Personal
from ..core.alerts.lease import Lease
from ..core.alerts.location import LocationStore
from ..core.alerts.searches import SearchStore
from ..core.alerts.watcher import Watcher, searches_changed
from ..core.billing.paywall import Paywall
from ..core.cargo.service import CargoService
from ..core.insights.gazetteer import default_gazetteer
from ..core.messaging.outbox import Outbox
from ..core.responses.service import ResponseService
from .cargotech import Upstream
from .regions import region_map
from .storage import Storage


@dataclass(frozen=True)
class Alerts:
    searches: SearchStore
    auto: AutoResponder
    alerter: Alerter
    watcher: Watcher


def build_alerts(settings: Settings, storage: Storage, *, outbox: Outbox, upstream: Upstream, cargos: CargoService,
                 responses: ResponseService, paywall: Paywall, locations: LocationStore, hidden=None,
                 personal: Personal | None = None) -> Alerts:
    """`hidden.excluded(driver_id, cargo_id, inn)`: what the driver hid (core/shortlist) gets no alert nor automatic
    response; `personal`: insights' `reach` and `net` of loads for a driver — «успеваю» and the alert's text
    (core/alerts/delivery.py)."""
    redis, keys = storage.redis, storage.keys
    searches = SearchStore(storage.database, settings.alerts_max_searches, on_change=searches_changed(redis, keys),
                           key_of=partial(upstream.marketplace.query_key, paged=False))
    auto = AutoResponder(redis=redis, keys=keys, database=storage.database, responses=responses, paywall=paywall,
                         undo_seconds=settings.alerts_undo_seconds, per_day=settings.alerts_auto_per_day, hidden=hidden)
    alerter = Alerter(database=storage.database, redis=redis, keys=keys, outbox=outbox, paywall=paywall,
                      locations=locations, webapp_url=settings.webapp_url,
                      per_hour=settings.alerts_per_hour, default_quiet=settings.alerts_quiet_hours,
                      still_minutes=settings.alerts_still_minutes, auto=auto, hidden=hidden, personal=personal)
    watcher = Watcher(marketplace=upstream.paced_marketplace, cargos=cargos, searches=searches, alerter=alerter, auto=auto,
                      redis=redis, keys=keys, lease=Lease(redis, keys("alerts:watcher:lease"), settings.alerts_lease_seconds),
                      poll_seconds=settings.alerts_poll_seconds, min_poll_seconds=settings.alerts_poll_min_seconds,
                      max_per_minute=settings.alerts_max_upstream_per_minute, geo=upstream.geo,
                      locate=default_gazetteer().coordinates, ceilings=upstream.marketplace.ceilings,
                      circuit_open=upstream.breaker.refusing, region_of=region_map().of_city)
    return Alerts(searches, auto, alerter, watcher)
