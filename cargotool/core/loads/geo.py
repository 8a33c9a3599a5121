"""Where places are: city coordinates by place id, and the distance between two points on the globe."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # the mean radius

Geo = dict[int, tuple[float, float]]  # place id → (lat, lon)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
