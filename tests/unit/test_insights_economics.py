"""The arithmetic of the empty run, ₽/km including it and the fuel estimate (property tests), and the gazetteer."""

from __future__ import annotations

import math

from hypothesis import given, strategies as st

from cargotool.core.insights.economics import (ROAD_FACTOR, FuelProfile, deadhead_km, fuel_estimate, great_circle_km,
                                               rate_with_deadhead)
from cargotool.core.insights.gazetteer import default_gazetteer, normalise
from cargotool.core.insights.service import sort_cards

lats = st.floats(min_value=35, max_value=75, allow_nan=False)
lons = st.floats(min_value=19, max_value=180, allow_nan=False)
prices = st.integers(min_value=1, max_value=10**9)  # kopecks
distances = st.integers(min_value=1, max_value=10_000)
deadheads = st.integers(min_value=0, max_value=5_000)


@given(lats, lons, lats, lons)
def test_great_circle_is_symmetric_non_negative_and_bounded(lat1, lon1, lat2, lon2):
    there, back = great_circle_km(lat1, lon1, lat2, lon2), great_circle_km(lat2, lon2, lat1, lon1)
    assert there >= 0 and math.isclose(there, back, abs_tol=1e-6)
    assert there <= math.pi * 6371.0088 + 1e-6  # never more than half the globe


@given(lats, lons)
def test_no_empty_run_from_the_loading_point_itself(lat, lon):
    assert deadhead_km(lat, lon, lat, lon) == 0


@given(lats, lons, lats, lons, lats, lons)
def test_great_circle_triangle_inequality(a1, b1, a2, b2, a3, b3):
    assert great_circle_km(a1, b1, a3, b3) <= great_circle_km(a1, b1, a2, b2) + great_circle_km(a2, b2, a3, b3) + 1e-6


@given(lats, lons, lats, lons)
def test_deadhead_is_the_road_factor_times_the_straight_line(lat1, lon1, lat2, lon2):
    assert abs(deadhead_km(lat1, lon1, lat2, lon2) - great_circle_km(lat1, lon1, lat2, lon2) * ROAD_FACTOR) <= 0.5


def test_known_distance_moscow_kazan():
    # Moscow (55.7558, 37.6176) – Kazan (55.7961, 49.1064): about 720 km in a straight line.
    assert 715 <= great_circle_km(55.7558, 37.6176, 55.7961, 49.1064) <= 725
    assert deadhead_km(55.7558, 37.6176, 55.7961, 49.1064) == round(great_circle_km(55.7558, 37.6176, 55.7961, 49.1064) * 1.25)


@given(prices, distances, deadheads)
def test_rate_with_deadhead_is_price_over_all_km_and_never_above_the_posted_rate(price, distance, deadhead):
    rate = rate_with_deadhead(price, distance, deadhead)
    assert rate == round(price / (distance + deadhead))
    assert rate <= round(price / distance)
    if deadhead == 0:
        assert rate == round(price / distance)


@given(prices, distances, deadheads, deadheads)
def test_more_empty_run_never_pays_more_per_km(price, distance, d1, d2):
    low, high = sorted((d1, d2))
    assert rate_with_deadhead(price, distance, high) <= rate_with_deadhead(price, distance, low)


@given(st.sampled_from([None, 0]), distances, deadheads)
def test_rate_with_deadhead_needs_a_price(price, distance, deadhead):
    assert rate_with_deadhead(price, distance, deadhead) is None
    assert rate_with_deadhead(100_000, None, deadhead) is None and rate_with_deadhead(100_000, distance, None) is None


@given(prices, distances, deadheads, st.floats(min_value=1, max_value=100), st.integers(min_value=100, max_value=100_000))
def test_fuel_estimate_adds_up(price, distance, deadhead, litres, litre_price):
    estimate = fuel_estimate(FuelProfile(litres, litre_price), price, distance, deadhead)
    assert estimate["km"] == distance + deadhead
    assert estimate["fuel_kopecks"] + estimate["left_kopecks"] == price
    assert abs(estimate["fuel_kopecks"] - (distance + deadhead) * litres / 100 * litre_price) <= 0.5


def test_gazetteer_matches_russian_names_and_prefers_russia():
    gazetteer = default_gazetteer()
    moscow = gazetteer.find("Москва")
    assert (round(moscow.lat, 1), round(moscow.lon, 1), moscow.region) == (55.8, 37.6, "RU-48")
    assert gazetteer.find("г. Ростов-на-Дону (Ростовская обл.)") == gazetteer.find("ростов на дону")
    assert gazetteer.find("Подольск").country == "RU"  # a Ukrainian Podilsk has the same Cyrillic spelling
    assert gazetteer.find("Минск").country == "BY" and gazetteer.find("Алматы").country == "KZ"
    assert gazetteer.find("Нигдеград") is None and gazetteer.find(None) is None
    assert normalise("  Набережные  Челны ") == "набережные челны" and normalise("Орёл") == "орел"


def test_sorting_puts_cards_without_the_figure_last_in_their_order():
    cards = [{"id": "a"}, {"id": "b", "rate_with_deadhead_kopecks_per_km": 5000},
             {"id": "c", "rate_with_deadhead_kopecks_per_km": 7000}, {"id": "d"}]
    assert [c["id"] for c in sort_cards(cards, "rate_with_deadhead")] == ["c", "b", "a", "d"]
    cards = [{"id": "a", "market": {"delta_percent": -3}}, {"id": "b", "market": None}, {"id": "c", "market": {"delta_percent": 9}}]
    assert [c["id"] for c in sort_cards(cards, "above_market")] == ["c", "a", "b"]
