"""The card's type: every key a load's card and its detail carry, declared once.

`cards.py` builds the keys from a `Load`; `core/insights` adds its own (coordinates, `market`, `trust`,
`waits` when the shared cache fetches; the driver's economics per request; the detail's context). The
OpenAPI bodies (`server/bodies/cargos.py`) are these types, so the document cannot drift from the card.
A new card field is one line here (`NotRequired[...]` when only some cards have it) plus where it is made.

The card's `from`/`to` keys are Python keywords, hence the functional form for the types that have them.
`typing_extensions`' TypedDict: pydantic (the OpenAPI schema, server/schema.py) needs it on Python < 3.12.
"""

from typing import Any

from typing_extensions import NotRequired, TypedDict

CardPoint = TypedDict("CardPoint", {
    "city": str | None,
    "city_id": int | None,
    "from": str | None,  # the window's opening, ISO 8601 Moscow time
    "to": str | None,
    "address": NotRequired[str | None],  # the detail only
    "nav_url": NotRequired[str | None],  # the detail only: «Маршрут», a Yandex Maps link (core/navigation.py)
    "lat": NotRequired[float | None],  # insights: coordinates (the marketplace's, or the gazetteer's)
    "lon": NotRequired[float | None],
    "coords_source": NotRequired[str | None],  # cargotech | gazetteer
})


class CardDisplay(TypedDict):
    """The card's lines as the Mini App shows them."""

    route: str
    loading: str
    weight: str
    price: str
    rate: str
    economics: NotRequired[str]  # insights, for a driver with a position


class TypeRef(TypedDict):
    id: int | None
    name: str
    short_name: str


class Company(TypedDict):
    name: str | None
    inn: str | None
    security_status: int | None


class Contact(TypedDict):
    type: str | None
    name: str | None
    phones: list[str]


class Market(TypedDict):
    """The lane's market (insights/lanes.py `Market.for_rate`)."""

    low_rub_km: float
    median_rub_km: float
    high_rub_km: float
    points: int
    days: int
    delta_percent: int | None
    text: str
    basis_text: str


class ShortTrust(TypedDict):
    """The card's line about the company (insights/service.py `short_trust`)."""

    name: str | None
    inn: str
    flagged: bool
    reports_total: int
    drivers_worked: int | None


class Waits(TypedDict):
    """Dock waits' median (insights/waits.py `median_of`, `NO_DATA`)."""

    median: str | None
    median_label: str | None
    answers: int | None
    long: bool
    text: str


class FuelEstimate(TypedDict):
    km: float
    fuel_rub: float
    left_rub: float
    text: str


class SameTripPosting(TypedDict):
    id: str
    company: str | None
    price_rub: int | None


class SameTripGroup(TypedDict):
    """Several postings of one trip (the shipper's and resellers'), best price first (core/samefreight)."""

    count: int
    postings: list[SameTripPosting]
    text: str


class PaymentTerms(TypedDict):
    """How and when the load is paid (core/payterms `PaymentTerms.as_api`); each field None when unknown."""

    vat: str | None  # with | without
    form: str | None  # cash | cashless | card
    timing: str | None  # prepay | on_unloading | deferred
    days: int | None
    source: str | None  # marketplace | comment
    text: str


class NetPart(TypedDict):
    name: str
    rub: int


class Net(TypedDict):
    """What is left after the road (core/netcost `Net.as_dict`), an estimate."""

    rub: int
    text: str
    parts: list[NetPart]


class Reach(TypedDict):
    """«Успеваю?»: the earliest legal arrival at the loading point against its window (core/insights/reach.py)."""

    verdict: str  # ok | tight | no
    arrival: str  # ISO 8601, Moscow time
    text: str


class ForwarderEntry(TypedDict):
    """The register of transport forwarders (ГосЛог), through DaData (core/companycheck)."""

    listed: bool
    number: str | None
    since: str | None  # YYYY-MM-DD
    text: str


class CompanyStatus(TypedDict):
    """A company in the register by INN (core/companycheck `_view`); `pending` until it is checked."""

    inn: str
    name: str | None
    status: str  # active | liquidating | liquidated | bankrupt | reorganizing | not_found | unknown | pending
    registered: str | None  # YYYY-MM-DD
    text: str
    young: bool  # registered less than a year ago
    forwarder: NotRequired[ForwarderEntry | None]  # the detail only; None when not checked


class CompanyCheck(TypedDict):
    poster: CompanyStatus | None
    shipper: CompanyStatus | None  # None when the poster is the shipper or the shipper is not known


_CARD_KEYS: dict[str, Any] = {
    "id": str,
    "from": CardPoint | None,
    "to": CardPoint | None,
    "weight_t": float | None,
    "volume_m3": float | None,
    "distance_km": int | None,
    "price_kopecks": int | None,
    "price_rub": float | None,
    "price_source": str | None,
    "rate_kopecks_per_km": int | None,
    "rate_rub_per_km": float | None,
    "truck_types": list[TypeRef],
    "load_types": list[TypeRef],
    "company": Company | None,
    "payment_terms": PaymentTerms,  # issue 21 §1
    "display": CardDisplay,
    # insights, when the shared cache fetches (the same for everyone)
    "market": NotRequired[Market | None],
    # insights, per request for a driver with a position
    "deadhead_km": NotRequired[int],
    "rate_with_deadhead_kopecks_per_km": NotRequired[float | None],
    "rate_with_deadhead_rub_km": NotRequired[float | None],
    "fuel_estimate": NotRequired[FuelEstimate],
    # samefreight: on the card standing for several postings of one trip (when the shared cache fetches), and
    # on the detail of each of them (per request)
    "group": NotRequired[SameTripGroup],
    # insights, per request for a driver who gave fuel figures (issue 21 §2)
    "net": NotRequired[Net],
    # insights, per request for a driver with a position (issue 21 §6)
    "reach": NotRequired[Reach],
    # core/companycheck with DADATA_API_KEY (issue 21 §3): cached answers when the shared cache fetches; the
    # detail's per request
    "company_check": NotRequired[CompanyCheck],
    # shortlist, per request: on a personal page's card only when true (shortlist/views.py), on the detail always
    "favourite": NotRequired[bool],
}

CardBase = TypedDict("CardBase", _CARD_KEYS)  # what a card and a detail share


class Card(CardBase):
    """A load in the list (`GET /api/cargos`' items, `cargos list --json`)."""

    trust: NotRequired[ShortTrust | None]  # insights, when the shared cache fetches
    waits: NotRequired[Waits]


class Summary(TypedDict):
    """What drivers said about a company (insights/trust.py `Reports.summaries_now`)."""

    name: str | None
    inn: str | None
    security_status: int | None
    security_status_label: str | None
    drivers_worked: int | None
    drivers_worked_text: str | None
    reports: list[dict[str, Any]]
    reports_total: int
    flagged: bool


class DetailTrust(Summary):
    shipper: NotRequired[Summary | None]  # the cargo's owner when it is not the poster (a broker)


class DetailWaits(TypedDict):
    loading: Waits
    unloading: Waits
    company: Waits
    min_answers: int


BackhaulLoad = TypedDict("BackhaulLoad", {
    "id": str,
    "display": CardDisplay | None,
    "rate_rub_per_km": float | None,
    "price_rub": float | None,
    "to": str | None,
})


class Backhaul(TypedDict):
    """Loads for the trip back (insights/service.py `backhaul`); unavailable: no city_id, radius or dates."""

    city: str | None
    from_text: str
    available: bool
    count: int | None
    best: list[BackhaulLoad]
    query: dict[str, Any] | None
    text: str
    city_id: NotRequired[int]
    radius_km: NotRequired[int]
    dates: NotRequired[list[str]]
    count_is_lower_bound: NotRequired[bool]


class CardDetail(CardBase):
    """A card plus what only the detail has (`GET /api/cargos/<id>`); insights' context replaces the card's
    short `trust` and company `waits` with the detail's."""

    comment: str | None
    cargo_type: str | None
    shipper: Company | None
    contacts: list[Contact]
    contacts_hidden: NotRequired[bool]  # core/contacts: a driver without access
    round_trip: bool
    partial_load: bool
    source_url: str | None
    created_at: str | None
    trust: NotRequired[DetailTrust]
    waits: NotRequired[DetailWaits]
    backhaul: NotRequired[Backhaul | None]


def writable(card: dict[str, Any]) -> dict[str, Any]:
    """A copy of a shared card (a cached answer's parsed `data`) that one driver's keys may be written to:
    the card and its `display` are new; everything else is still shared — replace it, never change it in place."""
    return {**card, "display": dict(card.get("display") or {})}
