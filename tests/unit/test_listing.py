"""The list's query string is parsed once into the query and the driver's view; the plain list serves
the shared answer as it is."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from cargotool.core.cargo import listing
from cargotool.core.cargo.filters import InvalidFilter
from cargotool.core.cargo.listing import PLAIN, ListView, driver_page, parse_list_query
from cargotool.core.cargo.service import Answer
from cargotool.core.loads import LoadQuery, PlaceFilter

TODAY = dt.date(2026, 11, 24)


def test_view_parameters_are_taken_out_of_the_query(monkeypatch):
    calls = []
    real = listing.parse_filters
    monkeypatch.setattr(listing, "parse_filters", lambda values, **kw: calls.append(values) or real(values, **kw))
    query, view = parse_list_query("from=62&sort=price&with_price=1&limit=10", TODAY)
    assert calls == [{"from": "62", "limit": "10"}]  # one parse, and no re-encoded string in between
    assert query == LoadQuery(origin=PlaceFilter(62), limit=10)
    assert view == ListView("price", False, True)
    plain_query, plain_view = parse_list_query("limit=10&from=62", TODAY)
    assert plain_view is PLAIN and plain_query == query


def test_the_parse_is_cached_per_string_and_day():
    assert parse_list_query("from=7", TODAY) is parse_list_query("from=7", TODAY)


@pytest.mark.parametrize("text, fields", [
    ("sort=best&from=x", {"sort"}),  # a bad view field is reported before the filters
    ("from=1&from=2&sort=price&sort=rate", {"from"}),  # a repeated filter (a repeated view field: the last wins)
    ("from=x&wv=heavy&with_price=1", {"from", "wv"}),
])
def test_errors_name_the_fields(text, fields):
    with pytest.raises(InvalidFilter) as caught:
        parse_list_query(text, TODAY)
    assert set(caught.value.fields) == fields


class Cargos:
    def __init__(self):
        self.queries = []
        self.answer = Answer('{"items":[],"meta":{}}', 0.0)

    async def list(self, query):
        self.queries.append(query)
        return self.answer


class Views:
    def __init__(self, personal=None):
        self.personal = personal
        self.ordered = []

    async def ordered_list(self, driver_id, query, view):
        self.ordered.append((driver_id, query, view))
        return '{"ordered":true}'

    async def personalise_list(self, driver_id, page):
        return self.personal


def test_a_plain_list_is_the_shared_answer_itself():
    cargos = Cargos()
    page = asyncio.run(driver_page(cargos, Views(), 5, "from=62", TODAY))
    assert page is cargos.answer and cargos.queries == [LoadQuery(origin=PlaceFilter(62))]


def test_a_driver_with_a_position_gets_their_copy_and_a_view_the_ordered_window():
    cargos = Cargos()
    assert asyncio.run(driver_page(cargos, Views(personal="mine"), 5, "", TODAY)) == "mine"
    views = Views()
    assert asyncio.run(driver_page(cargos, views, 5, "sort=rate&offset=20", TODAY)) == '{"ordered":true}'
    assert views.ordered == [(5, LoadQuery(offset=20), ListView("rate"))]
