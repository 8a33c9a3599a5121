"""Loads and responses to them: cards, a page of the list, the detail, points, dictionaries, offers."""

from __future__ import annotations

from typing import Annotated, Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from ..validation import Say


class TypeRef(TypedDict):
    id: int | None
    name: str
    short_name: str


class Company(TypedDict):
    name: str | None
    inn: str | None
    security_status: int | None


class Reach(TypedDict):
    """«Успеваю?»: the earliest legal arrival at the loading point against its window (core/drivetime)."""

    verdict: str  # ok | tight | no
    arrival: str  # ISO 8601, Moscow time
    text: str


class Card(TypedDict):
    id: str
    weight_t: float | None
    distance_km: int | None
    price_kopecks: int | None
    price_rub: float | None
    price_source: str | None
    rate_kopecks_per_km: int | None
    rate_rub_per_km: float | None
    truck_types: list[TypeRef]
    load_types: list[TypeRef]
    company: Company | None
    display: dict[str, str]
    reach: NotRequired[Reach]  # when the driver's position is known


class Meta(TypedDict):
    """`stale` is true when CargoTech failed and this is the last good copy; `fetched_at` (UTC) and
    `age_seconds` (stale copies only) say how old it is."""

    stale: bool
    fetched_at: str
    age_seconds: NotRequired[int]


class ListMeta(Meta):
    limit: int
    offset: int
    total: int | None
    next_offset: int | None
    reach_known: NotRequired[bool]  # with reachable=1 or sort=arrival: whether the driver's position is known
    hidden_unreachable: NotRequired[int]  # with reachable=1: loads left out as out of reach


class CargoPage(TypedDict):
    items: list[Card]
    meta: ListMeta


class Contact(TypedDict):
    type: Any
    name: str | None
    phones: list[str]


class CargoDetail(Card):
    comment: NotRequired[str | None]
    contacts: list[Contact]
    contacts_hidden: NotRequired[bool]
    meta: Meta


class PointItem(TypedDict):
    id: int
    name: str
    type: int | None


class Points(TypedDict):
    items: list[PointItem]
    meta: Meta


class Dictionaries(TypedDict):
    """null when CargoTech cannot give that dictionary now (the Mini App hides the filter)."""

    truck_types: list[TypeRef] | None
    load_types: list[TypeRef] | None


class Offer(TypedDict):
    rate_rub: Annotated[float, Say("Укажите ставку целым числом рублей")]  # whole roubles (50000.0 is taken)
    comment: NotRequired[str | None]
    phone: NotRequired[str | None]


class Response(TypedDict):
    id: int | str
    cargo_id: str
    rate_rub: int
    comment: str | None
    phone: str | None
    status: str
    created_at: str
    updated_at: str
    cargo: dict[str, Any] | None


class ResponseBody(TypedDict):
    response: Response


class Responses(TypedDict):
    items: list[Response]


class Queued(TypedDict):
    queued: bool
