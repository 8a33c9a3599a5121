"""Insights on loads (core/insights), the moderation desk, the dock-wait questions, and the bot's live
locations (a position source of insights, read by the alerts too)."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.alerts.location import LocationStore
from ..core.bot.outbox import Outbox
from ..core.bot.wait_questions import WaitQuestions
from ..core.insights.moderation import ReportDesk
from ..core.insights.positions import LiveLocation
from ..core.insights.service import Insights, build_insights
from .storage import Storage


@dataclass(frozen=True)
class InsightsParts:
    insights: Insights
    report_desk: ReportDesk
    wait_questions: WaitQuestions
    locations: LocationStore


def build_insights_parts(storage: Storage, outbox: Outbox) -> InsightsParts:
    insights = build_insights(storage.database, storage.redis, storage.keys, storage.audit)
    locations = LocationStore(storage.redis, storage.keys)
    insights.positions.add(LiveLocation(locations))  # the bot's live location, beside the Mini App's
    locations.on_share_started = insights.positions.gained  # drivers without a position are cached long
    return InsightsParts(insights, ReportDesk(storage.database, insights.reports),
                         WaitQuestions(insights.waits, insights.trips, outbox), locations)
