"""A load as a card: the plain-data object behind the Mini App's cards and `cargos list --json`."""

from __future__ import annotations

from typing import Any

from ..cargotech.models import Cargo, Company, RoutePoint, TypeRef
from ..clock import iso_moscow
from .formatting import format_rub, format_tonnes, format_window


def _point(point: RoutePoint | None) -> dict[str, Any] | None:
    if point is None:
        return None
    return {
        "city": point.city.name if point.city else None,
        "city_id": point.city.id if point.city else None,
        "from": iso_moscow(point.first_date),
        "to": iso_moscow(point.last_date),
    }


def _types(types: tuple[TypeRef, ...]) -> list[dict[str, Any]]:
    return [{"id": t.id, "name": t.name, "short_name": t.short_name} for t in types]


def _company(company: Company | None) -> dict[str, Any] | None:
    if company is None:
        return None
    return {"name": company.name, "inn": company.inn, "security_status": company.security_status}


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


def card(cargo: Cargo) -> dict[str, Any]:
    price, source = offered_price(cargo)
    rate = rate_per_km(cargo, price, source)
    start, finish = cargo.start, cargo.finish
    return {
        "id": cargo.id,
        "from": _point(start),
        "to": _point(finish),
        "weight_t": round(cargo.weight_kg / 1000, 3) if cargo.weight_kg is not None else None,
        "volume_m3": cargo.volume_m3,
        "distance_km": cargo.distance_km,
        "price_kopecks": price,
        "price_rub": price / 100 if price is not None else None,
        "price_source": source,
        "rate_kopecks_per_km": rate,
        "rate_rub_per_km": rate / 100 if rate is not None else None,
        "truck_types": _types(cargo.truck_types),
        "load_types": _types(cargo.load_types),
        "company": _company(cargo.company),
        "display": {
            "route": f"{_city(start)} → {_city(finish)}",
            "loading": format_window(start.first_date, start.last_date) if start else "—",
            "weight": format_tonnes(cargo.weight_kg),
            "price": format_rub(price),
            "rate": format_rub(rate) + "/км" if rate is not None else "—",
        },
    }


def detail(cargo: Cargo) -> dict[str, Any]:
    """A card plus what only the detail endpoint has: addresses, comment, contacts, shipper, flags."""
    result = card(cargo)
    for side, point in (("from", cargo.start), ("to", cargo.finish)):
        if result[side] is not None and point is not None:
            result[side]["address"] = point.address
    extra = cargo.extra
    result.update(
        {
            "comment": cargo.note,
            "cargo_type": cargo.cargo_type,
            "shipper": _company(cargo.shipper),
            "contacts": [{"type": c.type, "name": c.name, "phones": list(c.phones)} for c in cargo.contacts],
            "round_trip": bool(extra.get("krugoreis")),
            "partial_load": bool(extra.get("partial_load")),
            "source_url": extra.get("url") if isinstance(extra.get("url"), str) else None,
            "created_at": iso_moscow(cargo.created_at),
        }
    )
    return result


def _city(point: RoutePoint | None) -> str:
    return point.city.name if point and point.city else "?"
