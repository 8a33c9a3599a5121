"""How CargoTech gets a LoadQuery: the exact parameters (the recorded cassettes match on them, and saved
the list cache and saved searches key on `query_key`), and what an open upper end means to the matcher."""

from __future__ import annotations

import dataclasses
import datetime as dt

from cargotool.core.alerts.matcher import Criteria, Facts
from cargotool.core.cargo.filters import parse_filters
from cargotool.core.cargotech.query import CEILINGS, query_key, to_params
from cargotool.core.loads import LoadQuery, PlaceFilter, Span
from cargotool.core.loads.query import NEWEST, OLDEST

FULL = LoadQuery(
    origin=PlaceFilter(id=62, radius_km=50), destination=PlaceFilter(id=1, kind=1),
    loading_date=dt.date(2026, 11, 24), weight_t=1.5, volume_m3=9, body_types=(6, 1, 6), load_types=(3, 1),
    distance_km=Span(None, 1500), price_rub=Span(50_000, 200_000), rate_rub_per_km=Span(60, None),
    mine=True, limit=10, offset=20,
)


def test_a_full_query_is_spelt_as_the_web_ui_does():
    assert to_params(FULL) == [
        ("include", "contacts"), ("limit", "10"), ("offset", "20"), ("filter[mode]", "my"), ("filter[user_id]", "0"),
        ("filter[start_point_id]", "62"), ("filter[start_point_type]", "2"), ("filter[start_point_radius]", "50"),
        ("filter[finish_point_id]", "1"), ("filter[finish_point_type]", "1"),
        ("filter[start_date]", "2026-11-24"), ("filter[wv]", "1.5-9"),
        ("filter[load_types]", "1,3"), ("filter[truck_types]", "1,6"),
        ("filter[distance]", "0,1500"), ("filter[price]", "5000000,20000000"), ("filter[price_per_km]", "6000,99900"),
    ]


def test_the_same_query_typed_by_a_person_gives_the_same_parameters():
    typed = parse_filters({"from": "62", "from_radius": "50", "to": "1", "to_type": "1", "date": "2026-11-24",
                           "wv": "1,5-9", "truck_types": "6,1", "load_types": "3,1", "distance_max": "1500",
                           "price_min": "50000", "price_max": "200000", "rate_min": "60", "mode": "my",
                           "limit": "10", "offset": "20"})
    assert to_params(typed) == to_params(FULL)


def test_order_and_an_empty_query():
    assert to_params(LoadQuery())[-1] == ("filter[user_id]", "0")
    assert to_params(LoadQuery(order=NEWEST))[-1] == ("sort", "-updated_at")
    assert to_params(LoadQuery(order=OLDEST))[-1] == ("sort", "updated_at")


def search_key(query: LoadQuery) -> str:
    return query_key(query, paged=False)


def test_a_search_key_is_the_parameters_without_paging():
    assert search_key(FULL) == search_key(dataclasses.replace(FULL, limit=50, offset=0))
    assert search_key(LoadQuery(origin=PlaceFilter(3))) == search_key(LoadQuery(origin=PlaceFilter(3, kind=2)))
    assert search_key(LoadQuery()) == "include=contacts&filter[mode]=all&filter[user_id]=0"


def test_the_paged_key_is_the_parameters_as_the_cache_always_keyed_them():
    """The pre-redesign cache key format, so the list cache stays warm across the deploy."""
    assert query_key(FULL) == "&".join(f"{k}={v}" for k, v in to_params(FULL))
    assert query_key(FULL).startswith("include=contacts&limit=10&offset=20&filter[mode]=my")


def test_the_key_tells_queries_apart_and_ignores_id_order():
    assert query_key(LoadQuery(body_types=(6, 1))) == query_key(LoadQuery(body_types=(1, 6, 1)))
    assert query_key(LoadQuery(limit=20)) != query_key(LoadQuery(limit=50))
    assert query_key(LoadQuery(limit=20), paged=False) == query_key(LoadQuery(limit=50, offset=50), paged=False)
    assert query_key(LoadQuery(price_rub=Span(1, None))) != query_key(LoadQuery(price_rub=Span(None, 1)))


def test_queries_sent_alike_have_one_key():
    """The default point type spelt out or not, and a weight past the 6 digits sent, are one upstream query."""
    assert query_key(parse_filters({"from": "1"})) == query_key(parse_filters({"from": "1", "from_type": "2"}))
    assert query_key(parse_filters({"wv": "1.0000001-10"})) == query_key(parse_filters({"wv": "1-10"}))


def test_an_open_upper_end_means_cargotechs_ceiling_to_the_matcher():
    """1 200 ₽/km is above the 999 ₽/km CargoTech fills in for «от 60 ₽/км»: the list would not show it."""
    load = Facts(cargo_id="1", start_city=None, finish_city=None, first_day=None, last_day=None, weight_kg=None,
                 volume_m3=None, truck_types=frozenset(), load_types=frozenset(), distance_km=50, price=6_000_000,
                 price_per_km=120_000)
    query = LoadQuery(rate_rub_per_km=Span(60, None))
    assert Criteria.of(query).matches(load, {})  # no ceiling known: any rate from 60 ₽/km
    assert not Criteria.of(query, CEILINGS).matches(load, {})
