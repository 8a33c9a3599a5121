"""«Свободен с…» (core/availability builds these)."""

from __future__ import annotations

from typing import Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from ...core.cargo.card_types import Card


class AvailabilityIn(TypedDict):
    point_id: int  # a gazetteer city: the list filter's `from=` id
    date: str  # YYYY-MM-DD, Moscow: today … today + 30
    radius_km: NotRequired[int]  # 0 … 300, default 50
    name: NotRequired[str]  # the city autocomplete's name: the server takes its own name of the point, never this
    body_type: NotRequired[int | None]  # a truck (body) type id of GET /api/dictionaries `truck_types`


class AvailabilityItem(TypedDict):
    point_id: int
    name: str
    date: str
    radius_km: int
    body_type: int | None
    body_name: str | None  # «Тент»
    text: str  # «Свободен в Краснодаре с 10 дек. (чт)»
    expires_on: str  # the day after which it is gone


class Proposal(TypedDict):
    point_id: int
    name: str
    date: str
    cargo_id: str  # the accepted load it comes from
    text: str  # «Свободен в Краснодаре с 10 дек. (чт)?»


class AvailabilityBody(TypedDict):
    availability: AvailabilityItem | None
    proposal: NotRequired[Proposal | None]


class AvailabilityFeed(TypedDict):
    availability: AvailabilityItem | None
    items: list[Card]
    meta: dict[str, Any]


class FreeTruck(TypedDict):
    driver_id: int
    driver: str
    city: str
    point_id: int
    date: str
    radius_km: int
    body: str | None  # the body type the driver gave («Тент»), or None
    truck: str | None  # «свыше 12 т» / «до 12 т» (the driver's profile); None: the driver has not said
    text: str


class FreeTrucks(TypedDict):
    items: list[FreeTruck]
    text: str  # «Свободные машины: …» / «Свободных машин нет»
