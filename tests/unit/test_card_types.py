"""The card's type (core/cargo/card_types.py) is what the card is: a card and a detail built from a stand-in
load carry exactly the typed keys, and a cached answer's parsed view is shared and read only."""

from __future__ import annotations

import datetime as dt
import json

from cargotool.core.cargo.card_types import Card, CardDetail, CardPoint, writable
from cargotool.core.cargo.cards import card, detail
from cargotool.core.cargo.service import Answer, _as_stale
from cargotool.core.cargotech.mapping import parse_load
from cargotool.standin.dataset import build_dataset

LOADS = [parse_load(c) for c in build_dataset(size=30, today=dt.date(2026, 1, 8)).cargos]


def keys(kind) -> tuple[frozenset, frozenset]:
    return kind.__required_keys__, kind.__required_keys__ | kind.__optional_keys__


def test_a_card_has_exactly_the_typed_keys():
    required, _ = keys(Card)
    for load in LOADS:
        made = card(load)
        assert set(made) == required, load.id  # no key missing, none untyped
        for side in ("from", "to"):
            assert made[side] is None or set(made[side]) == CardPoint.__required_keys__
        assert set(made["display"]) == Card.__annotations__["display"].__required_keys__


def test_a_detail_has_exactly_the_typed_keys():
    required, _ = keys(CardDetail)
    for load in LOADS:
        made = detail(load)
        assert set(made) == required, load.id
        for side in ("from", "to"):
            assert made[side] is None or set(made[side]) == CardPoint.__required_keys__ | {"address"}


def test_insights_keys_are_typed_as_optional():
    """What insights adds is on the type but never required: a card without insights is still a card."""
    _, every = keys(Card)
    added = {"market", "trust", "waits", "deadhead_km", "rate_with_deadhead_kopecks_per_km",
             "rate_with_deadhead_rub_km", "fuel_estimate"}
    assert added <= every - Card.__required_keys__
    assert {"lat", "lon", "coords_source", "address"} <= CardPoint.__optional_keys__
    assert {"backhaul", "contacts_hidden", "trust", "waits"} <= CardDetail.__optional_keys__


def test_an_answer_is_parsed_once_and_writable_copies_leave_it_whole():
    page = {"items": [card(load) for load in LOADS[:3]], "meta": {"stale": False, "fetched_at": "x"}}
    answer = Answer(json.dumps(page, ensure_ascii=False, separators=(",", ":")), 0.0)
    assert answer.data is answer.data and answer.data == json.loads(answer.text)
    mine = writable(answer.data["items"][0])
    mine["display"]["economics"] = "≈10 км порожняком"
    mine["deadhead_km"] = 10
    assert "economics" not in answer.data["items"][0]["display"] and "deadhead_km" not in answer.data["items"][0]


def test_a_stale_copy_marks_its_meta_and_leaves_the_fresh_data_whole():
    text = json.dumps({"items": [], "meta": {"stale": False, "fetched_at": "x", "limit": 20}}, separators=(",", ":"))
    fresh = Answer(text, 0.0)
    assert fresh.data["meta"]["stale"] is False  # parsed before: the stale copy must not write into it
    stale = _as_stale(fresh)
    assert stale.stale and list(stale.data["meta"]) == ["stale", "fetched_at", "limit", "age_seconds"]
    assert stale.data["meta"]["stale"] is True and fresh.data["meta"] == {"stale": False, "fetched_at": "x", "limit": 20}
    assert fresh.text == text
