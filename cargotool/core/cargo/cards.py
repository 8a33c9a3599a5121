"""A load as a card: the plain-data object behind the Mini App's cards and `cargos list --json`.

Its keys are declared in `card_types.py` (a new key: a line there and a line here)."""

from __future__ import annotations

from ..clock import iso_moscow
from ..loads.models import Company, Kind, Load, Stop
from ..payterms import of_load as payment_terms_of
from .card_types import Card, CardDetail, CardPoint, Company as CardCompany, TypeRef
from .formatting import format_rub, format_tonnes, format_window


def _point(stop: Stop | None) -> CardPoint | None:
    if stop is None:
        return None
    return {
        "city": stop.place.name if stop.place else None,
        "city_id": stop.place.id if stop.place else None,
        "from": iso_moscow(stop.earliest),
        "to": iso_moscow(stop.latest),
    }


def _types(types: tuple[Kind, ...]) -> list[TypeRef]:
    return [{"id": t.id, "name": t.name, "short_name": t.short_name} for t in types]


def _company(company: Company | None) -> CardCompany | None:
    if company is None:
        return None
    return {"name": company.name, "inn": company.inn, "security_status": company.security_status}


def card(load: Load) -> Card:
    price, rate = load.price_kopecks, load.rate_kopecks_per_km
    start, finish = load.origin, load.destination
    return {
        "id": load.id,
        "from": _point(start),
        "to": _point(finish),
        "weight_t": round(load.weight_kg / 1000, 3) if load.weight_kg is not None else None,
        "volume_m3": load.volume_m3,
        "distance_km": load.distance_km,
        "price_kopecks": price,
        "price_rub": price / 100 if price is not None else None,
        "price_source": load.price_source,
        "rate_kopecks_per_km": rate,
        "rate_rub_per_km": rate / 100 if rate is not None else None,
        "truck_types": _types(load.body_types),
        "load_types": _types(load.load_types),
        "company": _company(load.company),
        "payment_terms": payment_terms_of(load).as_api(),  # issue 21 §1: {vat, form, timing, days, source, text}
        "display": {
            "route": f"{_city(start)} → {_city(finish)}",
            "loading": format_window(start.earliest, start.latest) if start else "—",
            "weight": format_tonnes(load.weight_kg),
            "price": format_rub(price),
            "rate": format_rub(rate) + "/км" if rate is not None else "—",
        },
    }


def detail(load: Load) -> CardDetail:
    """A card plus what only the detail endpoint has: addresses, comment, contacts, shipper, flags."""
    result: CardDetail = card(load)  # type: ignore[assignment]  # the detail's keys are added below
    for side, stop in (("from", load.origin), ("to", load.destination)):
        if result[side] is not None and stop is not None:
            result[side]["address"] = stop.address
    result.update(
        {
            "comment": load.note,
            "cargo_type": load.cargo_type,
            "shipper": _company(load.shipper),
            "contacts": [{"type": c.role, "name": c.name, "phones": list(c.phones)} for c in load.contacts],
            "round_trip": load.round_trip,
            "partial_load": load.partial_load,
            "source_url": load.source_url,
            "created_at": iso_moscow(load.created_at),
        }
    )
    return result


def _city(stop: Stop | None) -> str:
    return stop.place.name if stop and stop.place else "?"
