"""The corridor around the great circle from A to B, W km wide on each side.

A great circle is enough for «по пути»: the corridor width (tens to a couple of hundred km) is much larger
than the gap between the straight line and the real road between two Russian cities along one lane, and
the gazetteer has only city coordinates anyway. Formulas: cross-track and along-track distance on a
sphere (Ed Williams' Aviation Formulary, as in movable-type.co.uk "latlong"), with the point's distance
to the nearer end when it projects beyond A or B.
"""

from __future__ import annotations

import math
from typing import Callable

from ..loads.geo import EARTH_RADIUS_KM, great_circle_km
from ..loads.models import GeoPoint, Load, Stop

Locate = Callable[[Stop], GeoPoint | None]


def _km(p: GeoPoint, q: GeoPoint) -> float:
    return great_circle_km(p.lat, p.lon, q.lat, q.lon)


def _bearing(p: GeoPoint, q: GeoPoint) -> float:
    """Initial bearing from p to q, radians."""
    f1, f2 = math.radians(p.lat), math.radians(q.lat)
    dl = math.radians(q.lon - p.lon)
    return math.atan2(math.sin(dl) * math.cos(f2), math.cos(f1) * math.sin(f2) - math.sin(f1) * math.cos(f2) * math.cos(dl))


def _track(point: GeoPoint, a: GeoPoint, b: GeoPoint) -> tuple[float, float]:
    """(cross-track km, signed along-track km from A) of `point` against the great circle A→B."""
    d13 = _km(a, point) / EARTH_RADIUS_KM
    if d13 == 0:
        return 0.0, 0.0
    angle = _bearing(a, point) - _bearing(a, b)
    cross = math.asin(max(-1.0, min(1.0, math.sin(d13) * math.sin(angle))))
    cos_cross = math.cos(cross)
    along = math.acos(max(-1.0, min(1.0, math.cos(d13) / cos_cross))) if cos_cross > 0 else 0.0
    return abs(cross) * EARTH_RADIUS_KM, math.copysign(along, math.cos(angle)) * EARTH_RADIUS_KM


def along_track_km(point: GeoPoint, a: GeoPoint, b: GeoPoint) -> float:
    """How far along A→B the point projects, clamped to [0, |AB|] (0 for a degenerate route A = B)."""
    length = _km(a, b)
    if length == 0:
        return 0.0
    return min(max(_track(point, a, b)[1], 0.0), length)


def corridor_distance_km(point: GeoPoint, a: GeoPoint, b: GeoPoint) -> float:
    """The point's distance to the segment A–B of the great circle: cross-track between the ends, else
    the distance to the nearer end."""
    length = _km(a, b)
    if length == 0:
        return _km(point, a)
    cross, along = _track(point, a, b)
    if 0 <= along <= length:
        return min(cross, _km(point, a), _km(point, b))
    return min(_km(point, a), _km(point, b))


def within_corridor(point: GeoPoint, a: GeoPoint, b: GeoPoint, width_km: float) -> bool:
    return corridor_distance_km(point, a, b) <= width_km


def load_on_way(load: Load, a: GeoPoint, b: GeoPoint, width_km: float,
                locate: Locate = lambda stop: stop.coordinates) -> bool:
    """Both the loading and the unloading point in the corridor, and the load going A→B (loading no later
    along the track than unloading). `locate` gives a stop's coordinates — by default what the marketplace
    sent; the wiring passes one that falls back to the gazetteer's city. Unknown points: not on the way.
    Positions along the track are clamped to the route, so a load between two points beyond the same end
    (within the width of it) counts whichever way it goes: near an end, direction means nothing."""
    if load.origin is None or load.destination is None:
        return False
    start, end = locate(load.origin), locate(load.destination)
    if start is None or end is None:
        return False
    return on_way(start, end, a, b, width_km)


def on_way(start: GeoPoint, end: GeoPoint, a: GeoPoint, b: GeoPoint, width_km: float) -> bool:
    """A trip from `start` to `end` lies in the corridor and goes A→B (see `load_on_way`)."""
    if not (within_corridor(start, a, b, width_km) and within_corridor(end, a, b, width_km)):
        return False
    return along_track_km(start, a, b) <= along_track_km(end, a, b)
