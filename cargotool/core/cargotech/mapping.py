"""CargoTech's payload views (models.py) as the product's loads (core/loads): what each wire field means
for a driver is decided here, and only here — which amount is the offered price, where coordinates come
from, which `extra` flags a load carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..loads.models import Company, Contact, GeoPoint, Kind, Load, Page, Place, StatedPayment, Stop
from .models import Cargo, CargoPage, Point, RoutePoint, TypeRef
from .models import Company as CargoTechCompany
from .models import Contact as CargoTechContact


def offered_price(cargo: Cargo) -> tuple[int | None, str | None]:
    """The price shown to a driver, in kopecks, and the upstream field it came from.

    Another integration prefers `price_carrier` (the carrier-side amount) and falls back to `price`;
    CargoTech has not documented the difference (VAT? commission?) [?], so we do the same and say
    which one we used.
    """
    if cargo.price_carrier:
        return cargo.price_carrier, "price_carrier"
    if cargo.price:
        return cargo.price, "price"
    return None, None


def rate_per_km(cargo: Cargo, price: int | None, source: str | None) -> int | None:
    """Kopecks per km. Upstream `price_per_km` is `price / distance` [INFER], so it is used only when
    the shown price is `price`; otherwise the rate is computed from the shown price and the distance."""
    if source == "price" and cargo.price_per_km:
        return cargo.price_per_km
    if price and cargo.distance_km:
        return round(price / cargo.distance_km)
    return None


def stop_of(point: RoutePoint | None) -> Stop | None:
    if point is None:
        return None
    coordinates = GeoPoint(*point.coordinates) if point.coordinates is not None else None
    return Stop(place=Place(point.city.id, point.city.name) if point.city else None, address=point.address,
                earliest=point.first_date, latest=point.last_date, coordinates=coordinates)


def kind_of(ref: TypeRef) -> Kind:
    return Kind(id=ref.id, name=ref.name, short_name=ref.short_name)


def company_of(company: CargoTechCompany | None) -> Company | None:
    if company is None:
        return None
    return Company(id=company.id, name=company.name, inn=company.inn, kind=company.type,
                   security_status=company.security_status)


def contact_of(contact: CargoTechContact) -> Contact:
    return Contact(role=contact.type, name=contact.name, phones=contact.phones)


def place_of(point: Point) -> Place:
    return Place(id=point.id, name=point.name, kind=point.type)


def _flag(value: Any) -> bool | None:
    """A yes/no of the payment block: a JSON boolean, or 0/1 as the partner schema's PHP side may send [?]."""
    if isinstance(value, bool):
        return value
    return {0: False, 1: True}.get(value) if isinstance(value, int) else None


def payment_of(cargo: Cargo) -> StatedPayment | None:
    """CargoTech's `payment` block, known only from the partner import schema (`{type, prepay, vat, bargain,
    in_cash, only_vat_price, …}`, cargotech-api.md §1.9, marked [?]): only the fields whose meaning is plain
    are read — `vat` and `in_cash` as yes/no, `prepay` as yes/no or a positive amount. `type`,
    `only_vat_price` and `bargain` are not interpreted (their values are undocumented); anything of an
    unexpected type is left unknown rather than guessed. None when the block is absent or says nothing."""
    block = cargo.raw.get("payment")
    if not isinstance(block, dict):
        return None
    prepay = block.get("prepay")
    stated = StatedPayment(
        vat=_flag(block.get("vat")),
        in_cash=_flag(block.get("in_cash")),
        prepay=prepay if isinstance(prepay, (bool, int)) and not (isinstance(prepay, int) and prepay < 0) else None,
    )
    return None if stated == StatedPayment() else stated


def load_of(cargo: Cargo) -> Load:
    price, source = offered_price(cargo)
    extra = cargo.extra
    url = extra.get("url")
    return Load(
        id=cargo.id,
        origin=stop_of(cargo.start),
        destination=stop_of(cargo.finish),
        weight_kg=cargo.weight_kg,
        volume_m3=cargo.volume_m3,
        distance_km=cargo.distance_km,
        price_kopecks=price,
        price_source=source,
        rate_kopecks_per_km=rate_per_km(cargo, price, source),
        body_types=tuple(kind_of(t) for t in cargo.truck_types),
        load_types=tuple(kind_of(t) for t in cargo.load_types),
        company=company_of(cargo.company),
        shipper=company_of(cargo.shipper),
        contacts=tuple(contact_of(c) for c in cargo.contacts),
        note=cargo.note,
        cargo_type=cargo.cargo_type,
        created_at=cargo.created_at,
        round_trip=bool(extra.get("krugoreis")),
        partial_load=bool(extra.get("partial_load")),
        source_url=url if isinstance(url, str) else None,
        updated_at=_aware(cargo.updated_at),
        filter_price_kopecks=cargo.price,
        filter_rate_kopecks_per_km=cargo.price_per_km,
        payment=payment_of(cargo),
    )


def page_of(page: CargoPage) -> Page:
    return Page(items=tuple(load_of(c) for c in page.items), limit=page.limit, offset=page.offset, total=page.total)


def parse_load(raw: Any) -> Load:
    """A load from one CargoTech list item or detail `data` (tests and fixtures build loads with it)."""
    return load_of(Cargo.parse(raw))


def _aware(moment: dt.date | dt.datetime | None) -> dt.datetime | None:
    """A datetime for ordering: a bare date is its midnight, UTC (the zone as_moment assumes)."""
    if moment is None or isinstance(moment, dt.datetime):
        return moment
    return dt.datetime.combine(moment, dt.time(), tzinfo=dt.timezone.utc)
