"""The arithmetic of a load's economics: the empty run to the loading point, ₽/km including it, fuel.

Deadhead is the great-circle distance × `ROAD_FACTOR`. CargoTech's list gives no distance from the
driver to the loading point, so no upstream figure exists to prefer. 1.25 is a usual ratio of road to
straight-line distance between Russian cities (for example, Moscow–Kazan is 720 km by air and about
820 km by the M-12, Moscow–Yekaterinburg 1420 km and about 1790 km by road); it is an estimate and
the card says so («≈»).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..loads.geo import EARTH_RADIUS_KM, great_circle_km  # noqa: F401 (also imported from here; they live in core/loads/geo.py)

ROAD_FACTOR = 1.25


def deadhead_km(lat1: float, lon1: float, lat2: float, lon2: float, road_factor: float = ROAD_FACTOR) -> int:
    """The estimated empty run by road, whole km."""
    return round(great_circle_km(lat1, lon1, lat2, lon2) * road_factor)


def rate_with_deadhead(price_kopecks: int | None, distance_km: int | None, deadhead: int | None) -> int | None:
    """Kopecks per km over the loaded plus the empty run; None when a figure is missing."""
    if not price_kopecks or not distance_km or distance_km <= 0 or deadhead is None or deadhead < 0:
        return None
    return round(price_kopecks / (distance_km + deadhead))


@dataclass(frozen=True)
class FuelProfile:
    """The driver's own figures: litres per 100 km and the price of a litre in kopecks."""

    litres_per_100km: float
    price_kopecks_per_litre: int


def fuel_estimate(profile: FuelProfile, price_kopecks: int | None, distance_km: int | None,
                  deadhead: int | None) -> dict | None:
    """Fuel for the loaded + empty run and what is left of the price, in kopecks (an estimate)."""
    if not price_kopecks or not distance_km:
        return None
    km = distance_km + (deadhead or 0)
    cost = round(km * profile.litres_per_100km / 100 * profile.price_kopecks_per_litre)
    return {"km": km, "fuel_kopecks": cost, "left_kopecks": price_kopecks - cost}
