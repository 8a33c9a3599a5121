import datetime as dt

import pytest

from cargotool.core.cargotech.models import Account, Cargo, CargoPage, Contact, Point, as_id, as_moment
from cargotool.core.errors import UpstreamBadResponse

LIST_ITEM = {
    "id": 12345,
    "weight": 12000,
    "volume": 82,
    "distance": 531,
    "price": 35250000,
    "price_carrier": 30000000,
    "price_per_km": 66384,
    "points": {
        "start": {"type": 1, "position": 1, "first_date": "2026-01-01", "last_date": "2026-01-02",
                  "city": {"id": 62, "name": "Челябинск"}},
        "finish": {"type": 2, "position": 2, "first_date": "2026-01-03T10:00:00Z", "last_date": None,
                   "city": {"id": "39", "name": "Москва"}},
    },
    "company": {"id": 1558666, "inn": "7700000000", "name": "ООО Тест", "type": "broker", "security_status": 0},
    "load_types": [{"id": 1, "name": "задняя", "short_name": "задн."}],
    "truck_types": [{"id": 6, "name": "рефрижератор", "short_name": "реф."}, {"id": 1, "name": "тент"}],
    "something_new": {"nested": True},
}


def test_list_item_is_read_with_units_and_types():
    cargo = Cargo.parse(LIST_ITEM)
    assert cargo.id == "12345"
    assert cargo.weight_kg == 12000 and cargo.volume_m3 == 82.0
    assert cargo.start.city.name == "Челябинск" and cargo.finish.city.id == 39
    assert cargo.start.first_date == dt.date(2026, 1, 1)
    assert cargo.finish.first_date == dt.datetime(2026, 1, 3, 10, tzinfo=dt.timezone.utc)
    assert [t.short_name for t in cargo.truck_types] == ["реф.", "тент"]  # short name falls back to name
    assert cargo.raw["something_new"] == {"nested": True}  # unknown fields stay available
    assert cargo.note is None and cargo.contacts == ()


def test_ids_as_strings_and_missing_optional_fields():
    cargo = Cargo.parse({"id": "6236980507", "points": [], "weight": "15000"})
    assert cargo.id == "6236980507"
    assert cargo.weight_kg == 15000
    assert cargo.price is None and cargo.start is None and cargo.company is None


def test_points_as_a_list_like_the_partner_schema():
    cargo = Cargo.parse({"id": 1, "points": [
        {"position": 2, "city": {"id": 2, "name": "B"}},
        {"position": 1, "city": {"id": 1, "name": "A"}},
        {"position": 3, "city": {"id": 3, "name": "C"}},
    ]})
    assert cargo.start.city.name == "A" and cargo.finish.city.name == "C"


def test_detail_fields_comment_contacts_and_custom_type():
    cargo = Cargo.parse({
        **LIST_ITEM,
        "extra": {"note": "Ставка без НДС", "custom_cargo_type": "Трубы", "krugoreis": True},
        "cargo_type": {"name": "металл"},
        "contacts": [
            {"type": "broker", "name": "Ирина", "phones": ["+7 900 111-22-33", "+7 900 111-22-33"]},
            {"type": "company", "name": None, "phone": "+7 900 444-55-66"},
            {"type": "company"},
        ],
    })
    assert cargo.note == "Ставка без НДС"
    assert cargo.cargo_type == "Трубы"  # extra.custom_cargo_type overrides cargo_type.name
    assert cargo.contacts == (
        Contact("broker", "Ирина", ("+7 900 111-22-33",)),
        Contact("company", None, ("+7 900 444-55-66",)),
    )


def test_item_without_id_is_an_error_and_is_skipped_in_a_page():
    with pytest.raises(UpstreamBadResponse):
        Cargo.parse({"weight": 1})
    page = CargoPage.parse({"data": [LIST_ITEM, {"weight": 1}], "meta": {"limit": 20, "offset": 0, "size": 7}}, 20, 0)
    assert [c.id for c in page.items] == ["12345"]
    assert page.total == 7 and page.next_offset == 1


def test_page_without_data_array_is_bad_response():
    with pytest.raises(UpstreamBadResponse):
        CargoPage.parse({"data": {"oops": 1}}, 20, 0)


def test_last_page_has_no_next_offset():
    page = CargoPage.parse({"data": [LIST_ITEM], "meta": {"limit": 20, "offset": 40, "size": 41}}, 20, 40)
    assert page.next_offset is None


@pytest.mark.parametrize("raw, expected", [
    ("2026-01-01", dt.date(2026, 1, 1)),
    ("2026-01-01T08:00:00+03:00", dt.datetime(2026, 1, 1, 5, tzinfo=dt.timezone.utc)),
    ("2026-01-01 08:00:00", dt.datetime(2026, 1, 1, 8, tzinfo=dt.timezone.utc)),
    ("not a date", None),
    (None, None),
    (20260101, None),
])
def test_moments(raw, expected):
    value = as_moment(raw)
    assert value == expected


def test_id_normalisation():
    assert as_id(12345) == as_id("12345") == as_id(" 12345 ") == "12345"
    assert as_id("abc-1") == "abc-1"
    assert as_id(True) is None


def test_point_and_account():
    assert Point.parse({"id": "62", "name": "Московский", "type": 1}) == Point(62, "Московский", 1)
    assert Point.parse({"name": "no id"}) is None
    account = Account.parse({"data": {"id": 7, "first_name": "Иван", "last_name": "Петров", "company": {"name": "ООО"}}})
    assert (account.id, account.name, account.company) == ("7", "Иван Петров", "ООО")
