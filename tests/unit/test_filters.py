import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargotool.core.cargo.filters import parse_filters
from cargotool.core.cargotech.query import query_key, to_params
from cargotool.core.errors import InvalidInput


def params_of(raw):
    return dict(to_params(parse_filters(raw)))


def test_defaults_always_carry_the_required_upstream_params():
    params = to_params(parse_filters({}))
    assert params[:5] == [("include", "contacts"), ("limit", "20"), ("offset", "0"),
                          ("filter[mode]", "all"), ("filter[user_id]", "0")]


def test_point_type_is_sent_with_every_point_id():
    params = params_of({"from": "62", "from_radius": "50", "to": "1", "to_type": "1"})
    assert params["filter[start_point_id]"] == "62" and params["filter[start_point_type]"] == "2"
    assert params["filter[start_point_radius]"] == "50"
    assert params["filter[finish_point_id]"] == "1" and params["filter[finish_point_type]"] == "1"
    assert "filter[finish_point_radius]" not in params


def test_units_are_normalised():
    params = params_of({"price_min": "50000", "rate_min": "60", "distance_max": "1500", "wv": "1,5-9"})
    assert params["filter[price]"] == "5000000,99999900"  # roubles → kopecks, open top from HAR bound
    assert params["filter[price_per_km]"] == "6000,99900"
    assert params["filter[distance]"] == "0,1500"
    assert params["filter[wv]"] == "1.5-9"


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidInput) as caught:
        parse_filters({"wv": "heavy", "date": "24.11.2026", "limit": "500", "truck_types": "1,x",
                       "from_radius": "10", "mode": "mine", "price_min": "9", "price_max": "1", "colour": "red"})
    fields = caught.value.fields
    assert set(fields) == {"wv", "date", "limit", "truck_types", "from", "mode", "price_max", "colour"}
    assert all(isinstance(message, str) and message for message in fields.values())


def test_past_dates_are_rejected_when_today_is_known():
    with pytest.raises(InvalidInput) as caught:
        parse_filters({"date": "2026-01-01"}, today=dt.date(2026, 11, 24))
    assert "date" in caught.value.fields
    assert parse_filters({"date": "2026-11-24"}, today=dt.date(2026, 11, 24)).loading_date == dt.date(2026, 11, 24)


def test_wv_bounds():
    with pytest.raises(InvalidInput):
        parse_filters({"wv": "2000-10"})
    query = parse_filters({"wv": "20-83"})
    assert (query.weight_t, query.volume_m3) == (20, 83) and params_of({"wv": "20-83"})["filter[wv]"] == "20-83"


ids = st.lists(st.integers(min_value=1, max_value=999), min_size=1, max_size=6)


@given(ids, ids)
def test_equal_searches_give_equal_upstream_queries(trucks, loads):
    """Order and duplicates of ids do not change the query (the shared cache keys on it)."""
    a = parse_filters({"truck_types": ",".join(map(str, trucks)), "load_types": ",".join(map(str, loads))})
    b = parse_filters({"truck_types": ",".join(map(str, reversed(trucks + trucks))),
                       "load_types": " , ".join(map(str, sorted(loads, reverse=True)))})
    assert query_key(a) == query_key(b)


@given(st.text(max_size=20))
def test_garbage_never_escapes_as_anything_but_invalid_input(text):
    for field in ("from", "wv", "date", "limit", "truck_types", "price_min"):
        try:
            parse_filters({field: text})
        except InvalidInput as exc:
            assert field in exc.fields
