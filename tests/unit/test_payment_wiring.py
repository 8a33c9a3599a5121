"""Issue 21 §1–2 wiring: CargoTech's `payment` block read into the Load, the payment filters in saved
searches (what the alerts watcher applies to each found load), and the net on a card."""

from __future__ import annotations

import datetime as dt

import pytest

from cargotool.core.alerts.search_filters import upstream_query
from cargotool.core.alerts.searches import Search
from cargotool.core.cargo.cards import card
from cargotool.core.cargotech.mapping import parse_load
from cargotool.core.insights.economics import FuelProfile
from cargotool.core.insights.positions import Profile
from cargotool.core.insights.roadcost import add_net
from cargotool.core.insights.truck import Truck
from cargotool.core.loads.models import StatedPayment
from cargotool.core.netcost import PlatonTariff


def _load(payment=None, note=None, price=10_000_000):
    raw = {"id": 7, "distance": 1000, "price": price, "points": {"start": {"city": {"id": 1, "name": "Москва"}}}}
    if payment is not None:
        raw["payment"] = payment
    if note is not None:
        raw["extra"] = {"note": note}
    return parse_load(raw)


@pytest.mark.parametrize("payment, stated", [
    ({"vat": True, "in_cash": False, "prepay": 0}, StatedPayment(vat=True, in_cash=False, prepay=0)),
    ({"vat": 0, "in_cash": 1}, StatedPayment(vat=False, in_cash=True)),
    ({"prepay": 30, "type": 2, "only_vat_price": True}, StatedPayment(prepay=30)),  # undocumented keys unread
    ({"vat": "yes", "in_cash": None, "prepay": -5}, None),  # unexpected types are unknown, not guessed
    ({}, None),
    ("нал", None),
])
def test_the_payment_block_is_read_only_where_its_meaning_is_plain(payment, stated):
    assert _load(payment).payment == stated


def test_a_card_says_where_the_terms_came_from():
    assert card(_load({"vat": True, "in_cash": True}))["payment_terms"]["text"] == "с НДС, наличными"
    mixed = card(_load({"vat": False}, note="Оплата на карту, отсрочка 5 б.д."))["payment_terms"]
    assert mixed == {"vat": "without", "form": "card", "timing": "deferred", "days": 5, "source": "comment",
                     "text": "без НДС, на карту, отсрочка 5 банк. дней (из комментария)"}
    assert card(_load())["payment_terms"]["text"] == "условия оплаты не указаны"


def _search(filters):
    now = dt.datetime.now(dt.timezone.utc)
    return Search(1, 1, "s", filters, upstream_query(filters), "k", True, None, now, now)


@pytest.mark.parametrize("filters, payment, note, accepted", [
    ({"vat": "with"}, {"vat": True}, None, True),
    ({"vat": "with"}, {"vat": False}, None, False),
    ({"vat": "with"}, None, None, False),  # unknown never passes a positive filter
    ({"vat": "without"}, None, "ставка без НДС", True),
    ({"no_deferral": "1"}, {"prepay": 50}, None, True),
    ({"no_deferral": "1"}, None, "отсрочка 14 дней", False),
    ({"no_deferral": "1"}, None, None, False),
    ({"vat": "with", "no_deferral": "1"}, {"vat": True}, "оплата по выгрузке", True),
    ({}, None, None, True),
])
def test_saved_searches_apply_the_payment_filters_to_found_loads(filters, payment, note, accepted):
    assert _search({"from": "1", **filters}).accepts(_load(payment, note)) is accepted


def test_the_upstream_query_of_a_search_leaves_the_payment_filters_out():
    assert upstream_query({"from": "1", "vat": "with", "no_deferral": "1"}) == upstream_query({"from": "1"})


def test_the_net_needs_fuel_figures_and_counts_platon_only_over_12t():
    platon = PlatonTariff(rub_per_km=5.0, federal_share=0.5, source="test", as_of=dt.date(2026, 3, 1))
    base = card(_load())
    add_net(base, Profile(None, None, Truck(True, 1000)), platon)
    assert "net" not in base
    fuel = FuelProfile(30, 7000)
    light, heavy = card(_load()), {**card(_load()), "deadhead_km": 100}
    add_net(light, Profile(None, fuel, None), platon)
    add_net(heavy, Profile(None, fuel, Truck(True, 1000)), platon)
    assert light["net"]["parts"] == [{"name": "топливо", "rub": 21000}]
    assert light["net"]["rub"] == 79000 and light["net"]["text"] == "Чистыми ≈ 79\u202f000\u202f₽"
    assert heavy["net"]["parts"] == [{"name": "топливо", "rub": 23100}, {"name": "Платон", "rub": 2750},
                                     {"name": "прочие расходы", "rub": 11000}]
    assert heavy["net"]["rub"] == 100_000 - 23100 - 2750 - 11000
