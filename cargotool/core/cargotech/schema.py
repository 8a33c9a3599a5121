"""The fields our models know, per CargoTech payload (cargotech-api.md §1.3–1.6), and a walker that
names the ones we do not know. `cargotool cargotech probe` reports them; the client counts payloads
that carry any (metric `cargotool_cargotech_payload_issues_total`), so drift shows before drivers
notice. Keep these sets in step with models.py.
"""

from __future__ import annotations

from typing import Any, Mapping

TYPE_REF = frozenset({"id", "name", "short_name"})
COMPANY = frozenset({"id", "inn", "name", "type", "security_status"})
CONTACT = frozenset({"type", "name", "phones", "phone"})
ROUTE_POINT = frozenset({"city", "address", "first_date", "last_date", "position", "type", "latitude", "longitude"})
CITY = frozenset({"id", "name"})
EXTRA = frozenset({"note", "external_inn", "custom_cargo_type", "integrate", "is_delete_from_archive", "krugoreis",
                   "partial_load", "note_valid", "integrate_contacts", "url", "bid_id"})
CARGO = frozenset({"id", "weight", "volume", "distance", "price", "price_carrier", "price_per_km", "currency", "points",
                   "company", "load_types", "truck_types", "contacts", "shipper", "extra", "cargo_type", "created_at",
                   "updated_at"})
META = frozenset({"limit", "offset", "size"})
POINT = frozenset({"id", "name", "type"})

# Nested objects we read, and what we know inside them (lists are walked item by item).
_NESTED: dict[frozenset, dict[str, frozenset]] = {
    CARGO: {"company": COMPANY, "shipper": COMPANY, "load_types": TYPE_REF, "truck_types": TYPE_REF,
            "contacts": CONTACT, "extra": EXTRA, "points": ROUTE_POINT},
    ROUTE_POINT: {"city": CITY},
}


def unknown_fields(data: Any, known: frozenset, prefix: str = "") -> set[str]:
    """Dotted paths of the keys in `data` our models do not read, e.g. {"tax_rate", "points.start.lat"}."""
    if not isinstance(data, Mapping):
        return set()
    found = {f"{prefix}{key}" for key in data if key not in known}
    for key, inner in _NESTED.get(known, {}).items():
        value = data.get(key)
        path = f"{prefix}{key}."
        if key == "points" and isinstance(value, Mapping):  # {start: {...}, finish: {...}} [HAR]
            for side, point in value.items():
                if side in ("start", "finish"):
                    found |= unknown_fields(point, inner, f"{path}{side}.")
                else:
                    found.add(f"{path}{side}")
        elif isinstance(value, list):
            for item in value:
                found |= unknown_fields(item, inner, path)
        else:
            found |= unknown_fields(value, inner, path)
    return found
