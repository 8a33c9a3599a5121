"""Chains home: the arithmetic, the dates, and beating the direct trip."""

from __future__ import annotations

import datetime as dt
import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from cargotool.core.chains import Anchor, Settings, best_chains, best_direct
from cargotool.core.loads.models import GeoPoint, Load, Place, Stop

CITIES = {
    "Москва": GeoPoint(55.7558, 37.6173), "Краснодар": GeoPoint(45.0355, 38.9753),
    "Ростов-на-Дону": GeoPoint(47.2357, 39.7015), "Воронеж": GeoPoint(51.6720, 39.1843),
    "Казань": GeoPoint(55.7963, 49.1088), "Тула": GeoPoint(54.1931, 37.6173),
    "Волгоград": GeoPoint(48.7080, 44.5133), "Белгород": GeoPoint(50.5997, 36.5983),
}
MONDAY = dt.date(2026, 3, 9)
START = Anchor(Place(4, "Краснодар"), CITIES["Краснодар"], MONDAY)
HOME = Anchor(Place(1, "Москва"), CITIES["Москва"], MONDAY + dt.timedelta(days=5))  # by Saturday


def load(lid, fr, to, price_rub, day=MONDAY, last=None, km=None, unload=None) -> Load:
    def stop(city, first, latest):
        return Stop(Place(None, city), None, first, latest, CITIES[city])
    return Load(lid, stop(fr, day, last or day), stop(to, unload, unload), 20000, 82.0, km, price_rub * 100, "price",
                None, (), (), None)


def test_a_chain_that_beats_the_direct_trip():
    first = [load("direct", "Краснодар", "Москва", 80_000, km=1350), load("to-rostov", "Краснодар", "Ростов-на-Дону", 40_000, km=280)]
    second = [load("rostov-moscow", "Ростов-на-Дону", "Москва", 95_000, day=MONDAY + dt.timedelta(days=1), km=1070)]
    direct = best_direct(START, HOME, first)
    assert direct.legs[0].load.id == "direct"
    (chain,) = best_chains(START, HOME, first, second)
    assert [leg.load.id for leg in chain.legs] == ["to-rostov", "rostov-moscow"]
    assert chain.km == 280 + 1070 + chain.legs[1].empty_km + chain.final_empty_km  # both start in the city: 0 empty
    assert chain.rub_per_km > direct.rub_per_km
    assert chain.text == f"2 рейса, 1\u202f350\u202fкм, {round(135_000 / 1350)}\u202f₽/км с порожними, дома в чт"
    assert chain.as_dict()["legs"][1] == {"id": "rostov-moscow", "empty_km": 0, "loaded_km": 1070,
                                          "loading_day": "2026-03-10", "unloading_day": "2026-03-12"}


def test_a_second_leg_loading_before_the_truck_can_be_there_is_not_offered():
    first = [load("to-rostov", "Краснодар", "Ростов-на-Дону", 40_000, km=280)]
    too_soon = [load("rostov-moscow", "Ростов-на-Дону", "Москва", 95_000, day=MONDAY - dt.timedelta(days=1), km=1070)]
    assert best_chains(START, HOME, first, too_soon) == []


def test_not_home_in_time_is_not_offered():
    first = [load("to-rostov", "Краснодар", "Ростов-на-Дону", 40_000, km=280)]
    late = [load("rostov-moscow", "Ростов-на-Дону", "Москва", 95_000, day=MONDAY + dt.timedelta(days=4), km=1070)]
    assert best_chains(START, HOME, first, late) == []


def test_a_chain_worse_than_the_direct_trip_is_not_offered():
    first = [load("direct", "Краснодар", "Москва", 150_000, km=1350), load("to-rostov", "Краснодар", "Ростов-на-Дону", 20_000, km=280)]
    second = [load("rostov-moscow", "Ростов-на-Дону", "Москва", 80_000, day=MONDAY + dt.timedelta(days=1), km=1070)]
    assert best_chains(START, HOME, first, second) == []


def test_another_target_is_named_and_a_far_day_gets_its_date():
    kazan = Anchor(Place(3, "Казань"), CITIES["Казань"], MONDAY + dt.timedelta(days=10), home=False)
    first = [load("a", "Краснодар", "Воронеж", 70_000, km=830)]
    second = [load("b", "Воронеж", "Казань", 90_000, day=MONDAY + dt.timedelta(days=9), km=1000)]
    (chain,) = best_chains(START, kazan, first, second)
    assert chain.text.endswith("в Казани в чт 19.03")


def test_no_more_than_three_best_first():
    first = [load(f"f{n}", "Краснодар", "Ростов-на-Дону", 30_000 + n * 1000, km=280) for n in range(5)]
    second = [load(f"s{n}", "Ростов-на-Дону", "Москва", 90_000 + n * 1000, day=MONDAY + dt.timedelta(days=1), km=1070)
              for n in range(5)]
    chains = best_chains(START, HOME, first, second)
    assert len(chains) == 3
    assert [c.rub_per_km for c in chains] == sorted((c.rub_per_km for c in chains), reverse=True)
    assert [leg.load.id for leg in chains[0].legs] == ["f4", "s4"]


names = st.sampled_from(sorted(CITIES))


def loads(origins, destinations, offsets=st.integers(-1, 6)):
    return st.builds(
        lambda lid, fr, to, price, offset, span, km: load(lid, fr, to, price, MONDAY + dt.timedelta(days=offset),
                                                          MONDAY + dt.timedelta(days=offset + span), km),
        st.uuids().map(str), origins, destinations, st.integers(5_000, 200_000), offsets,
        st.integers(0, 2), st.none() | st.integers(1, 2500))


# first legs mostly out of the start area, second legs mostly towards home, some anywhere
near_start = st.sampled_from(["Краснодар", "Краснодар", "Ростов-на-Дону"])
near_home = st.sampled_from(["Москва", "Москва", "Тула"])
first_boards = st.lists(loads(near_start, names, st.integers(-1, 2)) | loads(names, names), max_size=12)
second_boards = st.lists(loads(names, near_home, st.integers(1, 6)) | loads(names, names), max_size=12)


@settings(max_examples=80, deadline=None)
@given(first_boards, second_boards, st.integers(1, 10), st.sampled_from([400.0, 600.0, 800.0]))
def test_chain_properties(first, second, by, km_per_day):
    target = Anchor(Place(1, "Москва"), CITIES["Москва"], MONDAY + dt.timedelta(days=by))
    plan = Settings(km_per_day=km_per_day)
    chains = best_chains(START, target, first, second, plan)
    direct = best_direct(START, target, first, plan)
    check(chains, direct, target, km_per_day)


def check(chains, direct, target, km_per_day):
    assert len(chains) <= 3
    for chain in chains:
        # the arithmetic: sum of prices over the sum of loaded and empty kilometres
        km = sum(leg.loaded_km + leg.empty_km for leg in chain.legs) + chain.final_empty_km
        assert chain.km == km
        assert math.isclose(chain.rub_per_km, sum(leg.load.price_kopecks for leg in chain.legs) / 100 / km)
        assert chain.rub_per_km > (direct.rub_per_km if direct else 0)
        # the dates
        one, two = chain.legs
        assert two.loads_at >= one.unloads_at + two.empty_km / km_per_day - 1e-9
        for leg in chain.legs:
            loading_day = chain.day(leg.loads_at)
            assert leg.load.origin.earliest <= loading_day <= leg.load.origin.latest
            assert leg.unloads_at >= leg.loads_at + leg.loaded_km / km_per_day
        assert chain.home_day <= target.day
        assert chain.home_at >= two.unloads_at + chain.final_empty_km / km_per_day - 1e-9
    assert [c.rub_per_km for c in chains] == sorted((c.rub_per_km for c in chains), reverse=True)


def random_board(rng, tag, n, origins, destinations, days):
    return [load(f"{tag}-{i}", rng.choice(origins), rng.choice(destinations), rng.randrange(10_000, 150_000),
                 MONDAY + dt.timedelta(days=rng.choice(days)), km=rng.choice((None, rng.randrange(100, 2000))))
            for i in range(n)]


def test_chain_properties_on_big_random_boards():
    offered = 0
    for seed in range(8):
        rng = random.Random(seed)
        first = random_board(rng, f"f{seed}", 60, ["Краснодар", "Ростов-на-Дону"], sorted(CITIES), range(0, 3))
        second = random_board(rng, f"s{seed}", 60, sorted(CITIES), ["Москва", "Тула"], range(1, 7))
        target = Anchor(Place(1, "Москва"), CITIES["Москва"], MONDAY + dt.timedelta(days=rng.randrange(4, 9)))
        chains = best_chains(START, target, first, second)
        check(chains, best_direct(START, target, first), target, Settings().km_per_day)
        offered += bool(chains)
    assert offered >= 4
