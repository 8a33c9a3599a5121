"""What a load is, independent of where it was posted. Money in kopecks, weight in kg, times aware or dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

Moment = dt.date | dt.datetime


@dataclass(frozen=True)
class Place:
    """A city (or other point) of the marketplace's dictionary. `kind` is the marketplace's point type,
    needed to filter by the place; None when unknown."""

    id: int | None
    name: str
    kind: int | None = None


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float


@dataclass(frozen=True)
class Stop:
    """Where a load is picked up or delivered, and its time window."""

    place: Place | None
    address: str | None
    earliest: Moment | None
    latest: Moment | None
    coordinates: GeoPoint | None = None  # when the marketplace sends them


@dataclass(frozen=True)
class Kind:
    """A body (truck) type or a load type."""

    id: int | None
    name: str
    short_name: str


@dataclass(frozen=True)
class Company:
    id: str | None
    name: str | None
    inn: str | None
    kind: str | None
    security_status: int | None


@dataclass(frozen=True)
class Contact:
    role: str | None
    name: str | None
    phones: tuple[str, ...]


@dataclass(frozen=True)
class StatedPayment:
    """Payment terms as the marketplace's structured fields state them, already read by its adapter into
    plain values (None: not stated). `core/payterms` turns them, with the comment, into the card's terms."""

    vat: bool | None = None
    in_cash: bool | None = None
    prepay: bool | int | None = None
    deferral_days: int | None = None
    banking_days: bool = False
    cashless: bool | None = None
    card: bool | None = None


@dataclass(frozen=True)
class Load:
    """A load from a list or a detail. `price_kopecks` is the price offered to a carrier (the adapter
    decides which upstream amount that is and names it in `price_source`); `rate_kopecks_per_km` follows
    the same price. Detail-only fields are empty in list items."""

    id: str
    origin: Stop | None
    destination: Stop | None
    weight_kg: int | None
    volume_m3: float | None
    distance_km: int | None
    price_kopecks: int | None
    price_source: str | None
    rate_kopecks_per_km: int | None
    body_types: tuple[Kind, ...]
    load_types: tuple[Kind, ...]
    company: Company | None
    shipper: Company | None = None
    contacts: tuple[Contact, ...] = ()
    note: str | None = None
    cargo_type: str | None = None
    created_at: Moment | None = None
    round_trip: bool = False
    partial_load: bool = False
    source_url: str | None = None
    updated_at: dt.datetime | None = None  # when the marketplace last changed it, if it says (the alerts feed's order)
    # What the marketplace's own price and ₽/km filters compare, which may differ from the offered price
    # (CargoTech: `price`, `price_per_km`): the alerts matcher says "the list would show it" with these.
    filter_price_kopecks: int | None = None
    filter_rate_kopecks_per_km: int | None = None
    payment: StatedPayment | None = None  # the structured payment fields, when the marketplace sends them


@dataclass(frozen=True)
class Page:
    items: tuple[Load, ...]
    limit: int
    offset: int
    total: int | None  # how many loads match in all, when the marketplace says

    @property
    def next_offset(self) -> int | None:
        after = self.offset + len(self.items)
        if not self.items or (self.total is not None and after >= self.total):
            return None
        return after
