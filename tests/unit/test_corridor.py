"""Corridor geometry: cross-track and along-track bounds on a sphere, and loads on the way."""

from __future__ import annotations

import math

from hypothesis import assume, given
from hypothesis import strategies as st

from cargotool.core.corridor import along_track_km, corridor_distance_km, load_on_way, within_corridor
from cargotool.core.insights.economics import great_circle_km
from cargotool.core.loads.models import GeoPoint, Load, Place, Stop

MOSCOW = GeoPoint(55.7558, 37.6173)
KAZAN = GeoPoint(55.7963, 49.1088)
VLADIMIR = GeoPoint(56.1290, 40.4066)
NIZHNY = GeoPoint(56.3269, 44.0059)
SPB = GeoPoint(59.9386, 30.3141)
VORONEZH = GeoPoint(51.6720, 39.1843)

points = st.builds(GeoPoint, st.floats(40, 70), st.floats(20, 140))


def km(p: GeoPoint, q: GeoPoint) -> float:
    return great_circle_km(p.lat, p.lon, q.lat, q.lon)


def between(a: GeoPoint, b: GeoPoint, f: float) -> GeoPoint:
    """The point a fraction f of the way along the great circle from a to b."""
    f1, l1, f2, l2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    d = km(a, b) / 6371.0088
    if d == 0:
        return a
    x, y = math.sin((1 - f) * d) / math.sin(d), math.sin(f * d) / math.sin(d)
    cx = x * math.cos(f1) * math.cos(l1) + y * math.cos(f2) * math.cos(l2)
    cy = x * math.cos(f1) * math.sin(l1) + y * math.cos(f2) * math.sin(l2)
    cz = x * math.sin(f1) + y * math.sin(f2)
    return GeoPoint(math.degrees(math.atan2(cz, math.hypot(cx, cy))), math.degrees(math.atan2(cy, cx)))


def load(origin: GeoPoint | None, destination: GeoPoint | None) -> Load:
    def stop(point):
        return Stop(Place(None, "x"), None, None, None, point)
    return Load("1", stop(origin), stop(destination), 20000, 82.0, None, 100_000_00, "price", None, (), (), None)


def test_cities_along_the_m7():
    assert within_corridor(VLADIMIR, MOSCOW, KAZAN, 50)
    assert within_corridor(NIZHNY, MOSCOW, KAZAN, 50)
    assert not within_corridor(SPB, MOSCOW, KAZAN, 200)
    assert not within_corridor(VORONEZH, MOSCOW, KAZAN, 200)


def test_a_point_beyond_an_end_counts_by_its_distance_to_that_end():
    beyond = between(MOSCOW, KAZAN, 1.1)
    assert corridor_distance_km(beyond, MOSCOW, KAZAN) == km(beyond, KAZAN)
    assert within_corridor(beyond, MOSCOW, KAZAN, km(beyond, KAZAN) + 1)
    assert not within_corridor(beyond, MOSCOW, KAZAN, km(beyond, KAZAN) - 1)


def test_load_on_way_needs_both_points_and_the_direction():
    assert load_on_way(load(VLADIMIR, NIZHNY), MOSCOW, KAZAN, 50)
    assert not load_on_way(load(NIZHNY, VLADIMIR), MOSCOW, KAZAN, 50)  # the other way
    assert not load_on_way(load(VLADIMIR, VORONEZH), MOSCOW, KAZAN, 50)
    assert not load_on_way(load(None, NIZHNY), MOSCOW, KAZAN, 50)
    assert load_on_way(load(MOSCOW, KAZAN), MOSCOW, KAZAN, 0)


def test_load_on_way_uses_the_locator():
    far = load(None, None)
    assert load_on_way(far, MOSCOW, KAZAN, 50, locate=lambda stop: VLADIMIR if stop is far.origin else NIZHNY)


def test_degenerate_route_is_a_circle():
    assert within_corridor(VLADIMIR, MOSCOW, MOSCOW, 200)
    assert not within_corridor(NIZHNY, MOSCOW, MOSCOW, 200)
    assert along_track_km(VLADIMIR, MOSCOW, MOSCOW) == 0


@given(points, points, points)
def test_symmetric_in_the_ends(p, a, b):
    assert math.isclose(corridor_distance_km(p, a, b), corridor_distance_km(p, b, a), abs_tol=1e-3)


@given(points, points, st.floats(0, 1))
def test_points_on_the_great_circle_are_in(a, b, f):
    assert corridor_distance_km(between(a, b, f), a, b) < 1e-3


@given(points, points)
def test_the_ends_count(a, b):
    assert within_corridor(a, a, b, 0) and within_corridor(b, a, b, 0)


@given(points, points, points, st.floats(0, 3000), st.floats(0, 500))
def test_widening_never_removes_a_point(p, a, b, width, more):
    assert not within_corridor(p, a, b, width) or within_corridor(p, a, b, width + more)
    exact = corridor_distance_km(p, a, b)
    assert within_corridor(p, a, b, exact) and within_corridor(p, a, b, exact + more)


@given(points, points, points)
def test_the_distance_is_at_most_the_distance_to_either_end(p, a, b):
    assert corridor_distance_km(p, a, b) <= min(km(p, a), km(p, b)) + 1e-6


@given(points, points, st.floats(0, 1), st.floats(0, 1))
def test_along_track_grows_along_the_route(a, b, f, g):
    assume(km(a, b) > 1)
    first, second = sorted((f, g))
    assert along_track_km(between(a, b, first), a, b) <= along_track_km(between(a, b, second), a, b) + 1e-3
