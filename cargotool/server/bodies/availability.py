"""«Свободен с…» (core/availability builds these)."""

from __future__ import annotations

from typing import Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from ...core.cargo.card_types import Card


class AvailabilityIn(TypedDict):
    point_id: int  # a gazetteer city: the list filter's `from=` id
    date: str  # YYYY-MM-DD, Moscow: today … today + 30
    radius_km: NotRequired[int]  # 0 … 300, default 50
    name: NotRequired[str]  # the city autocomplete's name (else the name the server learnt for the id)


class AvailabilityItem(TypedDict):
    point_id: int
    name: str
    date: str
    radius_km: int
    text: str  # «Свободен в Краснодаре с чт 10 дек.»
    expires_on: str  # the day after which it is gone


class Proposal(TypedDict):
    point_id: int
    name: str
    date: str
    cargo_id: str  # the accepted load it comes from
    text: str  # «Свободен в Краснодаре с чт 10 дек.?»


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
    truck: str | None  # «свыше 12 т» / «до 12 т»; None: the driver has not said (no body type is known)
    text: str


class FreeTrucks(TypedDict):
    items: list[FreeTruck]
    text: str  # «Свободные машины: …» / «Свободных машин нет»
