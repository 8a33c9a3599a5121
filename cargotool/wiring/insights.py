"""Insights on loads (core/insights), the moderation desk, the dock-wait questions, and the bot's live
locations (a position source of insights, read by the alerts too)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.alerts.location import LocationStore
from ..core.cargo.alongway import CompoundList
from ..core.insights.gazetteer import default_gazetteer
from ..core.insights.moderation import ReportDesk
from ..core.insights.places import GazetteerPlaces
from ..core.insights.positions import LiveLocation, PointNames
from ..core.insights.service import Insights, ListPage, build_insights
from ..core.insights.wait_questions import WaitQuestions
from ..core.messaging.outbox import Outbox
from ..core.cargo.filters import MAX_RADIUS_KM
from ..core.netcost import PLATON_2026, PlatonTariff
from ..core.regions.queries import Points, RegionQueries
from .regions import region_map
from .storage import Storage


@dataclass(frozen=True)
class InsightsParts:
    insights: Insights
    report_desk: ReportDesk
    wait_questions: WaitQuestions
    locations: LocationStore


def build_insights_parts(storage: Storage, outbox: Outbox, list_page: ListPage, points: Points,
                         avg_speed_kmh: float | None = None, platon: PlatonTariff = PLATON_2026) -> InsightsParts:
    """`list_page(query)`: the shared cache's list. The bot's live location is a position source beside the
    Mini App's; a driver who starts sharing it must be re-read (drivers without a position are cached long),
    so the store tells insights' positions — built after it, hence through a callback. Insights read it
    through `CompoundList`, which also answers several places per side, «по пути» and whole regions (a region's
    centre found by `points(text)`, the shared cache's place search)."""
    places = GazetteerPlaces(PointNames(storage.redis, storage.keys), default_gazetteer())
    list_page = CompoundList(list_page, places, RegionQueries(region_map(), points, MAX_RADIUS_KM))
    locations = LocationStore(storage.redis, storage.keys, on_share_started=lambda: insights.positions.gained())
    insights = build_insights(storage.database, storage.redis, storage.keys, storage.audit, list_page=list_page,
                              position_sources=(LiveLocation(locations),), avg_speed_kmh=avg_speed_kmh, platon=platon)
    return InsightsParts(insights, ReportDesk(storage.database, insights.reports),
                         WaitQuestions(insights.waits, insights.trips, outbox), locations)


def platon_tariff(rub_per_km: float, federal_share: float) -> PlatonTariff:
    """The tariff of the settings `PLATON_RUB_KM`, `PLATON_FEDERAL_SHARE` (sources: core/netcost, README)."""
    return replace(PLATON_2026, rub_per_km=rub_per_km, federal_share=federal_share)
