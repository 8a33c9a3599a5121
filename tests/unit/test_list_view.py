"""The list's own orderings and the «только с ценой» filter (page-level: CargoTech has neither), and
filter errors that name the real problem."""

from __future__ import annotations

import pytest

from cargotool.core.cargo.filters import InvalidFilter, parse_filters
from cargotool.core.cargo.listing import ListView
from cargotool.core.insights.service import sort_cards

CARDS = [
    {"id": 1, "price_kopecks": 5_000_000, "rate_kopecks_per_km": 7000, "from": {"from": "2026-11-27"}},
    {"id": 2, "price_kopecks": None, "rate_kopecks_per_km": None, "from": {"from": "2026-11-25"}},
    {"id": 3, "price_kopecks": 9_000_000, "rate_kopecks_per_km": 6000, "from": {"from": None}},
    {"id": 4, "price_kopecks": 7_000_000, "rate_kopecks_per_km": 9000, "from": {"from": "2026-11-26T09:00:00+03:00"}},
]


@pytest.mark.parametrize("sort, order", [("price", [3, 4, 1, 2]), ("rate", [4, 1, 3, 2]), ("loading", [2, 4, 1, 3])])
def test_page_orders_put_cards_without_the_figure_last(sort, order):
    assert [c["id"] for c in sort_cards(CARDS, sort)] == order


def test_with_price_and_sort_are_parsed_and_checked():
    assert ListView.parse({"with_price": "1", "sort": "price"}) == ListView("price", False, True)
    with pytest.raises(InvalidFilter) as error:
        ListView.parse({"with_price": "да", "sort": "newest"})
    assert set(error.value.fields) == {"with_price", "sort"}


def test_an_out_of_range_number_is_told_its_range_not_its_format():
    with pytest.raises(InvalidFilter) as error:
        parse_filters({"price_min": "999999999999", "from_radius": "600", "from": "1", "rate_min": "abc"})
    fields = error.value.fields
    assert fields["price_min"] == "Допустимо от 0 до 100\u00a0000\u00a0000"
    assert fields["from_radius"] == "Допустимо от 0 до 500"
    assert "целое число" in fields["rate_min"]  # not a number at all: that is the problem
