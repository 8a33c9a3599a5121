"""Chains home (core/chains): the planner over the shared cache, insights' positions and point names."""

from __future__ import annotations

from ..config import Settings
from ..core.cargo.service import CargoService
from ..core.chains.homes import Homes
from ..core.chains.planning import Settings as PlanSettings
from ..core.chains.service import ChainPlanner
from ..core.insights.gazetteer import default_gazetteer
from ..core.insights.service import Insights
from .storage import Storage


def build_chains(settings: Settings, storage: Storage, *, cargos: CargoService, insights: Insights) -> ChainPlanner:
    gazetteer = default_gazetteer()
    return ChainPlanner(cargos.list, insights.positions, insights.point_names, Homes(storage.database, gazetteer),
                        gazetteer, PlanSettings(km_per_day=settings.chains_km_per_day))
