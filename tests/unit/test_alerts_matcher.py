"""The matcher agrees with the list: a load matches a search iff the stand-in's list endpoint, given that
search's upstream query, would show it (property-based), and the index finds exactly the matching searches."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import HealthCheck, given, settings, strategies as st

from cargotool.core.alerts.matcher import Criteria, Facts, MatcherIndex
from cargotool.core.alerts.search_filters import upstream_query
from cargotool.core.cargotech.mapping import parse_load
from cargotool.core.cargotech.query import CEILINGS, to_params
from cargotool.standin import CargoTechStandIn
from cargotool.standin.dataset import CITIES, LOAD_TYPES, TRUCK_TYPES, WV_CLASSES, new_cargo

STANDIN = CargoTechStandIn()
GEO = {cid: (lat, lon) for cid, _, lat, lon in CITIES}
TODAY = dt.date(2026, 11, 24)
CITY_IDS = [c[0] for c in CITIES]


def _ids(pool):
    return st.lists(st.sampled_from([i for i, _, _ in pool]), min_size=1, max_size=3).map(lambda xs: ",".join(map(str, xs)))


filters = st.fixed_dictionaries({}, optional={
    "from": st.sampled_from(CITY_IDS).map(str),
    "from_radius": st.sampled_from(["0", "30", "100", "300", "500"]),
    "to": st.sampled_from(CITY_IDS).map(str),
    "to_radius": st.sampled_from(["0", "50", "200"]),
    "date": st.integers(0, 8).map(lambda d: (TODAY + dt.timedelta(days=d)).isoformat()),
    "wv": st.sampled_from([f"{t:g}-{m}" for t, m in WV_CLASSES]),
    "truck_types": _ids(TRUCK_TYPES),
    "load_types": _ids(LOAD_TYPES),
    "price_min": st.integers(0, 150_000).map(str),
    "price_max": st.integers(50_000, 400_000).map(str),
    "rate_min": st.integers(0, 120).map(str),
    "distance_min": st.integers(0, 1500).map(str),
    "distance_max": st.integers(300, 5000).map(str),
}).map(lambda f: {k: v for k, v in f.items() if not (k.endswith("_radius") and k[:-7] not in f)})


def _valid(f: dict) -> bool:
    for low, high in (("price_min", "price_max"), ("distance_min", "distance_max")):
        if low in f and high in f and int(f[low]) > int(f[high]):
            return False
    return True


loads = st.integers(0, 10**6).map(lambda seed: new_cargo(random.Random(seed), seed % 50_000, TODAY, STANDIN.dataset.cities,
                                                         dt.datetime(2026, 11, 24, 9, tzinfo=dt.timezone.utc)))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(filters.filter(_valid), loads)
def test_a_load_matches_a_search_iff_the_list_would_show_it(raw_filters, cargo):
    query = upstream_query(raw_filters)
    expected = STANDIN.matches(cargo, to_params(query))
    assert Criteria.of(query, CEILINGS).matches(Facts.of(parse_load(cargo)), GEO) is expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(filters.filter(_valid), min_size=1, max_size=40), st.lists(loads, min_size=1, max_size=10))
def test_the_index_finds_exactly_the_matching_searches(search_filters, cargos):
    queries = {n: upstream_query(f) for n, f in enumerate(search_filters, start=1)}
    index = MatcherIndex.build(queries.items(), GEO, CEILINGS)
    assert not index.undecidable
    for cargo in cargos:
        expected = sorted(n for n, q in queries.items() if STANDIN.matches(cargo, to_params(q)))
        assert sorted(index.match(Facts.of(parse_load(cargo)))) == expected


def test_searches_the_matcher_cannot_decide_are_set_aside():
    unknown_city = upstream_query({"from": "999999", "from_radius": "50"})
    mine = upstream_query({"mode": "my"})
    exact = upstream_query({"from": "999999"})
    index = MatcherIndex.build([(1, unknown_city), (2, mine), (3, exact)], GEO)
    assert index.undecidable == {1, 2}
    load = parse_load({**STANDIN.dataset.cargos[0], "points": {"start": {"city": {"id": 999999, "name": "X"}}}})
    assert index.match(Facts.of(load)) == [3]
