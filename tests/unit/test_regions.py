"""The region table (core/regions/regions.csv) against the gazetteer: a wrong code↔name pair shows as a
region whose most populous city is not its centre (nor the city the table names as the exception)."""

from __future__ import annotations

import pytest

from cargotool.core.alerts.matcher import Facts, MatcherIndex
from cargotool.core.alerts.search_filters import upstream_query
from cargotool.core.cargotech.mapping import parse_load
from cargotool.core.insights.gazetteer import normalise, rows
from cargotool.core.regions import find_regions, region, regions
from cargotool.wiring.regions import region_map

RU_CODES = sorted({place.admin1 for place, _ in rows() if place.country == "RU"})


def test_every_russian_admin1_code_of_the_gazetteer_has_a_region():
    assert RU_CODES == sorted(regions())
    assert len(regions()) == 83


@pytest.mark.parametrize("code", RU_CODES)
def test_the_regions_most_populous_city_is_its_centre_or_the_named_exception(code):
    item = regions()[code]
    top = region_map().largest(code)
    assert top is not None
    assert normalise(item.largest or item.capital) in {normalise(name) for name in top.names}
    if item.largest:  # an exception is an exception: the centre is then another city of the region
        assert normalise(item.capital) not in {normalise(name) for name in top.names}
    assert region_map().centre(code) is not None, "the centre must be a gazetteer city of the region"


def test_the_exceptions_are_the_known_ones():
    assert {code: r.largest for code, r in regions().items() if r.largest} == {
        "19": "Назрань", "32": "Сургут", "42": "Академическое", "47": "Химки", "85": "Череповец", "87": "Ноябрьск"}


def test_a_city_is_placed_in_its_region():
    places = region_map()
    assert places.of_city("Таганрог") == "61"
    assert places.of_city("г. Ростов-на-Дону") == "61"
    assert places.of_city("Сочи") == "38"
    assert places.of_city("Химки") == "47"
    assert places.of_city("Москва") == "48"
    assert places.of_city("Минск") is None  # not Russia
    assert places.of_city("Нигденетск") is None


def test_the_radius_holds_the_region_and_is_a_regions_size():
    places = region_map()
    assert 150 < places.radius_km("61") < 500  # Ростовская область: about 250 km from Ростов to its edges
    assert places.radius_km("48") < 80  # Москва with Зеленоград and «новая Москва»
    assert places.radius_km("91") > 500  # Красноярский край: capped by the list's radius (see alongway)


def test_a_typed_name_finds_the_region():
    assert [r.code for r in find_regions("Ростовская обл.")] == ["61"]
    assert [r.code for r in find_regions("татарстан")] == ["73"]
    assert [r.code for r in find_regions("краснодарский кр")] == ["38"]
    assert [r.code for r in find_regions("Московская")] == ["47"]
    assert find_regions("мо") == []
    assert region("61").public() == {"id": "61", "name": "Ростовская область", "capital": "Ростов-на-Дону"}


def test_a_former_name_of_a_larger_city_does_not_take_the_current_citys_place():
    places = region_map()
    assert places.of_city("Ставрополь") == "70"  # not Тольятти (Самарская область), once Ставрополь-на-Волге
    assert places.of_city("Тольятти") == "65"
    assert places.of_city("Куйбышев") == "53"  # the town in Новосибирская область, not Самара


def test_the_name_beginning_with_the_typed_word_and_shorter_comes_first():
    assert [r.name for r in find_regions("моск")] == ["Москва", "Московская область"]
    assert [r.name for r in find_regions("Республика Та")] == ["Республика Татарстан"]


def _facts(start: str, finish: str):
    load = parse_load({"id": 1, "points": {"start": {"city": {"id": 101, "name": start}},
                                           "finish": {"city": {"id": 102, "name": finish}}}})
    return Facts.of(load, region_map().of_city)


def test_the_matcher_keeps_the_loads_whose_cities_lie_in_the_searchs_regions():
    index = MatcherIndex.build([(1, upstream_query({"from_region": "61"})),
                                (2, upstream_query({"from_region": "61,38", "to_region": "47"}))])
    assert index.match(_facts("Таганрог", "Казань")) == [1]  # a town of Ростовская область, whatever its point id
    assert index.match(_facts("Сочи", "Казань")) == []  # Краснодарский край
    assert sorted(index.match(_facts("Шахты", "Химки"))) == [1, 2]
    assert index.match(_facts("Новороссийск", "Подольск")) == [2]
    assert index.match(_facts("Новороссийск", "Москва")) == []  # Москва is not Московская область
    assert index.match(_facts("Нигденетск", "Химки")) == []  # a city the gazetteer does not know: no match
    assert not index.undecidable
