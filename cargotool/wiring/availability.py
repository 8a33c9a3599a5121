"""«Свободен с…» (core/availability): the driver's availability over the shared cache, their responses and the
alerts' saved searches; the city autocomplete and the dictionaries (to check a city and a body type) and the
drivers' truck class (for the free trucks)."""

from __future__ import annotations

from ..core.alerts.searches import SearchStore
from ..core.availability.service import Availabilities
from ..core.cargo.service import CargoService
from ..core.insights.gazetteer import default_gazetteer
from ..core.insights.service import Insights
from ..core.responses.service import ResponseService
from .shortlist import Shortlists
from .storage import Storage


def build_availability(storage: Storage, searches: SearchStore, responses: ResponseService, insights: Insights,
                       cargos: CargoService, shortlists: Shortlists) -> Availabilities:
    return Availabilities(storage.database, default_gazetteer(), insights.point_names, searches,
                          accepted=responses.mine, list_page=cargos.list, hidden=shortlists.shortlist.excluded,
                          points=cargos.points, dictionaries=cargos.dictionaries,
                          truck_classes=insights.profiles.truck_classes, personalise=shortlists.views.personalise_list)
