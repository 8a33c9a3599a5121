"""Several places per side and «по пути» (issue 22 §3) in the filters, the query's keys, the split into
marketplace queries, and the alerts matcher (property-based against the single-city searches)."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings, strategies as st

from cargotool.core.alerts.matcher import Criteria, Facts, MatcherIndex
from cargotool.core.alerts.search_filters import upstream_query
from cargotool.core.cargo.alongway import PAGE, _merged, single_queries
from cargotool.core.cargo.filters import parse_filters
from cargotool.core.cargotech.mapping import parse_load
from cargotool.core.cargotech.query import query_key
from cargotool.core.corridor import on_way
from cargotool.core.loads.models import GeoPoint
from cargotool.core.loads.query import Corridor, LoadQuery, PlaceFilter
from cargotool.standin import CargoTechStandIn
from cargotool.standin.dataset import CITIES, new_cargo

STANDIN = CargoTechStandIn()
GEO = {cid: (lat, lon) for cid, _, lat, lon in CITIES}
CITY_IDS = [c[0] for c in CITIES]
TODAY = dt.date(2026, 11, 24)
loads = st.integers(0, 10**6).map(lambda seed: parse_load(new_cargo(
    random.Random(seed), seed % 50_000, TODAY, STANDIN.dataset.cities, dt.datetime(2026, 11, 24, 9, tzinfo=dt.timezone.utc))))


def test_one_city_keeps_the_single_query_and_its_key():
    query = parse_filters({"from": "1", "to": "3"})
    assert query.origin == PlaceFilter(1) and not query.compound
    assert "origins" not in query_key(query) and "corridor" not in query_key(query)


def test_several_cities_are_a_compound_query_split_into_pairs():
    query = parse_filters({"from": "77, 1", "from_radius": "50", "to": "3"})
    assert query.origin is None and query.destination == PlaceFilter(3)
    assert query.origins == (PlaceFilter(77, radius_km=50), PlaceFilter(1, radius_km=50))
    assert query_key(parse_filters({"from": "1,77", "from_radius": "50", "to": "3"})) == query_key(query)
    assert query_key(query, paged=False) != query_key(parse_filters({"from": "77", "from_radius": "50", "to": "3"}), paged=False)
    singles = single_queries(query)
    assert [(q.origin.id, q.destination.id, q.limit, q.offset) for q in singles] == [(77, 3, PAGE, 0), (1, 3, PAGE, 0)]
    assert not any(q.compound for q in singles)


def test_the_corridor_reads_around_its_start():
    query = parse_filters({"route_from": "1", "route_to": "3", "corridor_km": "80"})
    assert query.corridor == Corridor(1, 3, 80) and query.origin is None
    assert [(q.origin, q.destination) for q in single_queries(query)] == [(PlaceFilter(1, radius_km=80), None)]


def test_merged_pages_take_turns_and_keep_each_load_once():
    assert [c["id"] for c in _merged([[{"id": 1}, {"id": 2}, {"id": 3}], [{"id": 9}, {"id": 2}]])] == [1, 9, 2, 3]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CITY_IDS), min_size=2, max_size=5, unique=True), loads)
def test_several_cities_match_iff_one_of_them_would(cities, load):
    several = Criteria.of(upstream_query({"from": ",".join(map(str, cities))}))
    singles = [Criteria.of(upstream_query({"from": str(city)})) for city in cities]
    facts = Facts.of(load)
    assert several.matches(facts, GEO) == any(c.matches(facts, GEO) for c in singles)
    index = MatcherIndex.build([(7, upstream_query({"from": ",".join(map(str, cities))}))], GEO)
    assert (7 in index.match(facts)) == several.matches(facts, GEO)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CITY_IDS), st.sampled_from(CITY_IDS), st.sampled_from([30, 100, 250]), loads)
def test_a_corridor_search_matches_the_loads_on_the_way(a, b, width, load):
    if a == b:
        return
    query = upstream_query({"route_from": str(a), "route_to": str(b), "corridor_km": str(width)})
    facts = Facts.of(load)
    where = {cid: GeoPoint(lat, lon) for cid, (lat, lon) in GEO.items()}
    expected = on_way(where[facts.start_city], where[facts.finish_city], where[a], where[b], width + 0.5)
    assert Criteria.of(query).matches(facts, GEO) == expected
    index = MatcherIndex.build([(5, query)], GEO)
    assert (5 in index.match(facts)) == expected


def test_a_corridor_through_moscow_vladimir_nizhny():
    query = upstream_query({"route_from": "1", "route_to": "3", "corridor_km": "100"})  # Москва → Казань
    def facts(start, finish):
        return Facts.of(parse_load({"id": 1, "points": {"start": {"city": {"id": start, "name": "x"}},
                                                        "finish": {"city": {"id": finish, "name": "y"}}}}))
    criteria = Criteria.of(query)
    assert criteria.matches(facts(23, 4), GEO)  # Владимир → Нижний Новгород: on the way
    assert not criteria.matches(facts(4, 23), GEO)  # the other way
    assert not criteria.matches(facts(1, 9), GEO)  # Москва → Краснодар: off the route
    assert not criteria.matches(facts(23, 999), {**GEO})  # a city not placed yet: no match
    assert criteria.decidable({}) and LoadQuery(corridor=Corridor(1, 3, 5)).compound
