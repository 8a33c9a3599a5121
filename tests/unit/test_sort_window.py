"""The sort window reads pages from where CargoTech's previous page ended, whatever size it serves."""

from __future__ import annotations

import json

from cargotool.core.cargo.service import Answer
from cargotool.core.loads import LoadQuery
from cargotool.core.errors import UpstreamUnavailable
from cargotool.core.insights.window import WINDOW, read_window


def board(total: int, cap: int, fail_from: int | None = None):
    """A list endpoint over `total` loads that serves at most `cap` per page; it records each call's offset."""
    calls = []

    async def list_page(query: LoadQuery):
        calls.append(query.offset)
        if fail_from is not None and query.offset >= fail_from:
            raise UpstreamUnavailable("CargoTech is down")
        ids = list(range(query.offset, min(total, query.offset + min(cap, query.limit))))
        after = query.offset + len(ids)
        meta = {"total": total, "next_offset": after if ids and after < total else None, "stale": False,
                "fetched_at": "2026-11-24T10:00:00Z"}
        return Answer(json.dumps({"items": [{"id": i, "display": {}} for i in ids], "meta": meta}), 0.0)

    return list_page, calls


async def test_a_page_cut_shorter_than_asked_is_followed_from_where_it_ended():
    list_page, calls = board(total=240, cap=20)
    cards, meta = await read_window(list_page, LoadQuery())
    assert [c["id"] for c in cards] == list(range(WINDOW)) and calls == [0, 20, 40, 60, 80]
    assert meta["more_upstream"] is True and meta["partial"] is False


async def test_a_short_list_takes_one_call_and_says_there_is_no_more():
    list_page, calls = board(total=30, cap=50)
    cards, meta = await read_window(list_page, LoadQuery(offset=40, limit=10))  # the driver's paging is ignored
    assert len(cards) == 30 and calls == [0] and meta["more_upstream"] is False


async def test_a_failing_later_page_leaves_the_earlier_ones():
    list_page, calls = board(total=240, cap=50, fail_from=50)
    cards, meta = await read_window(list_page, LoadQuery())
    assert len(cards) == 50 and meta["partial"] is True


async def test_each_driver_gets_cards_of_its_own_nested_dicts_included():
    """The parsed pages are shared between drivers: what one driver's figures write stays theirs."""
    answer = Answer(json.dumps({"items": [{"id": 1, "display": {"price": "1 000 ₽"}, "route": {"from": {"city": "Москва"}}}],
                                "meta": {"next_offset": None, "stale": False, "fetched_at": "2026-11-24T10:00:00Z"}}), 0.0)

    async def list_page(query: LoadQuery):
        return answer  # one cached answer, parsed once, read by every driver

    [mine], _ = await read_window(list_page, LoadQuery())
    mine["display"]["net"] = "900 ₽"
    mine["route"]["from"]["city"] = "changed"
    [theirs], _ = await read_window(list_page, LoadQuery())
    assert theirs["display"] == {"price": "1 000 ₽"} and theirs["route"]["from"]["city"] == "Москва"
