"""Loads and responses to them: cards, a page of the list, the detail, points, dictionaries, offers.

The card and the detail are the core's types (core/cargo/card_types.py), not a copy."""

from __future__ import annotations

from typing import Annotated, Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from ...core.cargo.card_types import Card, CardDetail, Company, Contact, TypeRef  # noqa: F401 (B.Name)
from ..validation import Say


class Meta(TypedDict):
    """`stale` is true when CargoTech failed and this is the last good copy; `fetched_at` (UTC) and
    `age_seconds` (stale copies only) say how old it is."""

    stale: bool
    fetched_at: str
    age_seconds: NotRequired[int]


class ListMeta(Meta):
    """`total` and `next_offset` count postings as the marketplace does; `folded`: how many of this page's
    postings are inside another card's `group` (so a page may hold fewer cards than `limit`)."""

    limit: int
    offset: int
    total: int | None
    next_offset: int | None
    folded: NotRequired[int]
    reach_known: NotRequired[bool]  # with reachable=1 or sort=arrival: whether the driver's position is known
    hidden_unreachable: NotRequired[int]  # with reachable=1: loads left out as out of reach


class CargoPage(TypedDict):
    items: list[Card]  # the core's card type: a new card key appears here by itself
    meta: ListMeta


class CargoDetail(CardDetail):
    meta: Meta


class PointItem(TypedDict):
    id: int
    name: str
    type: int | None


class Points(TypedDict):
    items: list[PointItem]
    meta: Meta


class RegionItem(TypedDict):
    id: str  # the region's code for `from_region` / `to_region` (GeoNames admin1, e.g. "61")
    name: str  # «Ростовская область»
    capital: str  # its administrative centre, the centre of its search


class Regions(TypedDict):
    items: list[RegionItem]


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
