"""The list of loads for one driver (`GET /api/cargos`, the login's first page, the CLI if it wants):
the query string is parsed once into the query (`LoadQuery`, what the shared cache keys on) and the
driver's own view (`ListView`: an order or filter of ours); then either the shared page — its finished
bytes untouched unless something depends on the driver — or the driver's ordered copy (core/insights).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol
from urllib.parse import parse_qsl

from ..loads.priced import WITH_PRICE
from ..loads.query import LoadQuery
from .filters import InvalidFilter, parse_filters
from .formatting import moscow_today
from .service import Answer, CargoService

# CargoTech's list has no sort we can rely on (`sort` is unverified for it): these order the freshest
# loads ourselves (core/insights/window.py). Without `sort` the list keeps CargoTech's own order, newest first.
SORTS = {"rate_with_deadhead": "₽/км с порожним", "above_market": "выше рынка", "rate": "₽/км", "price": "цена",
         "loading": "ближайшая погрузка"}
SORTS["arrival"] = "по прибытию"  # issue 21 §6: the earliest legal arrival at the loading point (core/insights/reach.py)
SORTS["net"] = "больше чистыми"  # issue 21 §2: the net after the road (core/netcost), for drivers with fuel figures
REACHABLE = "reachable"  # «успеваю»: only loads the driver can reach under the driving-time rules
VIEW_PARAMS = ("sort", "no_long_waits", WITH_PRICE, REACHABLE)  # list parameters of ours, not the marketplace's
PAYMENT_PARAMS = ("vat", "no_deferral")  # issue 21 §1: payment-terms filters of ours (core/payterms)
VIEW_PARAMS += PAYMENT_PARAMS
VAT_VALUES = ("with", "without")


@dataclass(frozen=True)
class ListView:
    """How this driver wants the page: ordered by one of SORTS, and without companies with long waits."""

    sort: str | None = None
    no_long_waits: bool = False
    with_price: bool = False  # only loads with a price (CargoTech has no such filter; core/loads/priced.py)
    vat: str | None = None  # "with" | "without": only loads known to be paid with / without VAT
    no_deferral: bool = False  # only loads known to be paid without deferral (prepayment or at unloading)
    reachable: bool = False  # «успеваю» (core/insights/reach.py)
    reachable: bool = False  # «успеваю» (core/insights/reach.py)

    @classmethod
    def parse(cls, values: dict[str, str]) -> "ListView":
        fields = {}
        sort = values.get("sort") or None
        if sort is not None and sort not in SORTS:
            fields["sort"] = "Допустимо: " + ", ".join(SORTS)
        flags = {name: values.get(name, "") for name in ("no_long_waits", WITH_PRICE, "no_deferral", REACHABLE)}
        for name, flag in flags.items():
            if flag not in ("", "0", "1", "true", "false"):
                fields[name] = "Допустимо: 1 или 0"
        vat = values.get("vat") or None
        if vat is not None and vat not in VAT_VALUES:
            fields["vat"] = "Допустимо: with (с НДС) или without (без НДС)"
        if fields:
            raise InvalidFilter("Проверьте фильтры", fields=fields)
        return cls(sort, flags["no_long_waits"] in ("1", "true"), flags[WITH_PRICE] in ("1", "true"),
                   vat, flags["no_deferral"] in ("1", "true"), reachable=flags[REACHABLE] in ("1", "true"))


PLAIN = ListView()


class DriverViews(Protocol):
    """What the list needs from insights (core/insights/service.py), which sits above this package."""

    async def ordered_list(self, driver_id: int, query: LoadQuery, view: ListView) -> str: ...

    async def personalise_list(self, driver_id: int, page: Answer) -> str | None: ...


@lru_cache(maxsize=4096)
def parse_list_query(query_string: str, today: dt.date) -> tuple[LoadQuery, ListView]:
    """The query and the driver's view of a list query string. Drivers repeat the same searches, so the
    parse is cached; invalid strings raise InvalidFilter (exceptions are not cached): a bad view field
    first, then a repeated filter, then every bad filter."""
    values: dict[str, str] = {}
    ours: dict[str, str] = {}
    repeated: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name in VIEW_PARAMS:
            ours[name] = value
            continue
        if name in values:
            repeated[name] = "Параметр указан несколько раз"
        values[name] = value
    view = ListView.parse(ours) if ours else PLAIN
    if repeated:
        raise InvalidFilter("Проверьте фильтры", fields=repeated)
    return parse_filters(values, today=today), view


async def driver_page(cargos: CargoService, views: DriverViews, driver_id: int, query_string: str,
                      today: dt.date | None = None) -> Answer | str:
    """A page of the list for this driver: the shared answer (its bytes served as they are), or this
    driver's own copy (a JSON text) when an order or filter of ours, or the driver's position, shapes it."""
    query, view = parse_list_query(query_string, today or moscow_today())
    # an order or filter of ours, or several places / «по пути» (core/cargo/alongway.py): over the freshest loads
    if view != PLAIN or query.compound:
        return await views.ordered_list(driver_id, query, view)
    answer = await cargos.list(query)
    personal = await views.personalise_list(driver_id, answer)
    return answer if personal is None else personal
