"""Net after the road: the arithmetic, the text, and its properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargotool.core.cargo.formatting import THIN_SPACE
from cargotool.core.netcost import PLATON_2026, PlatonTariff, net

prices = st.integers(min_value=0, max_value=10_000_000_00)
kms = st.floats(min_value=0, max_value=8000, allow_nan=False)
fuels = st.none() | st.tuples(st.floats(min_value=0, max_value=60), st.floats(min_value=0, max_value=150))
others = st.none() | st.floats(min_value=0, max_value=100)


def test_the_card_example():
    result = net(9_000_000, loaded_km=1000, empty_km=100, fuel=(32, 70), over_12t=True,
                 platon=PlatonTariff(5.0, 0.8, "test", PLATON_2026.as_of), other_rub_km=None)
    # fuel 1100 km × 0.32 l × 70 ₽ = 24 640; Platon 1100 × 0.8 × 5 = 4 400
    assert [part.as_dict() for part in result.parts] == [{"name": "топливо", "rub": 24_640},
                                                         {"name": "Платон", "rub": 4_400}]
    assert result.rub == 90_000 - 24_640 - 4_400 == 60_960
    assert result.text == f"Чистыми ≈ 61{THIN_SPACE}000{THIN_SPACE}₽"
    assert result.as_dict() == {"rub": 60_960, "text": result.text, "parts": [
        {"name": "топливо", "rub": 24_640}, {"name": "Платон", "rub": 4_400}]}


def test_other_costs_and_no_platon_under_12t():
    result = net(5_000_000, 500, 0, fuel=None, over_12t=False, other_rub_km=10)
    assert [part.as_dict() for part in result.parts] == [{"name": "прочие расходы", "rub": 5_000}]
    assert result.rub == 45_000


def test_no_price_no_estimate_and_negative_input_refused():
    assert net(None, 100, 0, (30, 60), True) is None
    with pytest.raises(ValueError):
        net(100_00, -1, 0, None, False)
    with pytest.raises(ValueError):
        net(100_00, 1, 0, (30, -60), False)


def test_a_loss_is_shown_as_a_loss():
    assert net(1_000_00, 1000, 0, (30, 70), False).text.startswith("Чистыми ≈ \u221220")


def test_the_default_tariff_is_documented():
    assert PLATON_2026.rub_per_km == pytest.approx(3.34 * 0.75 / 0.51, abs=0.01)
    assert 0 < PLATON_2026.federal_share <= 1 and PLATON_2026.source and PLATON_2026.as_of.year == 2026


@given(prices, kms, kms, fuels, st.booleans(), others)
def test_net_never_exceeds_the_price_and_parts_add_up(price, loaded, empty, fuel, over, other):
    result = net(price, loaded, empty, fuel, over, other_rub_km=other)
    assert result.rub * 100 <= price
    assert result.rub == price // 100 - sum(part.rub for part in result.parts)
    assert all(part.rub >= 0 for part in result.parts)


@given(prices, kms, kms, st.floats(0, 60), st.floats(0, 150), st.floats(0, 100), st.floats(0, 50))
def test_monotone_in_each_cost(price, loaded, empty, litres, rub_litre, other, more):
    base = net(price, loaded, empty, (litres, rub_litre), True, other_rub_km=other).rub
    assert net(price, loaded, empty, (litres + more, rub_litre), True, other_rub_km=other).rub <= base
    assert net(price, loaded, empty, (litres, rub_litre + more), True, other_rub_km=other).rub <= base
    assert net(price, loaded, empty, (litres, rub_litre), True, other_rub_km=other + more).rub <= base
    assert net(price, loaded, empty + more, (litres, rub_litre), True, other_rub_km=other).rub <= base
    dearer = PlatonTariff(PLATON_2026.rub_per_km + more, PLATON_2026.federal_share, "t", PLATON_2026.as_of)
    assert net(price, loaded, empty, (litres, rub_litre), True, platon=dearer, other_rub_km=other).rub <= base
    assert net(price, loaded, empty, (litres, rub_litre), False, other_rub_km=other).rub >= base


@given(prices, kms, kms, fuels, others)
def test_no_platon_when_not_over_12t(price, loaded, empty, fuel, other):
    result = net(price, loaded, empty, fuel, False, other_rub_km=other)
    assert all(part.name != "Платон" for part in result.parts)
