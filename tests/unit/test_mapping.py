"""CargoTech's payloads as the product's loads (core/cargotech/mapping.py): coordinates, the offered
price, `extra` flags, and what is left empty when a field is missing."""

import datetime as dt

from cargotool.core.cargotech.mapping import page_of, parse_load, place_of
from cargotool.core.cargotech.models import CargoPage, Point
from cargotool.core.loads.models import Company, Contact, GeoPoint, Kind, Place

from .test_models import LIST_ITEM


def test_a_list_item_becomes_a_load():
    load = parse_load(LIST_ITEM)
    assert load.id == "12345" and load.weight_kg == 12000 and load.volume_m3 == 82.0 and load.distance_km == 531
    assert load.origin.place == Place(62, "Челябинск") and load.destination.place == Place(39, "Москва")
    assert load.origin.earliest == dt.date(2026, 1, 1) and load.origin.latest == dt.date(2026, 1, 2)
    assert load.destination.earliest == dt.datetime(2026, 1, 3, 10, tzinfo=dt.timezone.utc)
    assert load.body_types == (Kind(6, "рефрижератор", "реф."), Kind(1, "тент", "тент"))
    assert load.load_types == (Kind(1, "задняя", "задн."),)
    assert load.company == Company(id="1558666", name="ООО Тест", inn="7700000000", kind="broker", security_status=0)


def test_coordinates_from_points_as_start_and_finish():
    load = parse_load({**LIST_ITEM, "points": {
        "start": {"city": {"id": 1, "name": "A"}, "latitude": "55.75", "longitude": 37.61},
        "finish": {"city": {"id": 2, "name": "B"}, "latitude": 0, "longitude": 0},  # a blank, not a place
    }})
    assert load.origin.coordinates == GeoPoint(55.75, 37.61)
    assert load.destination.coordinates is None


def test_coordinates_from_points_as_a_list_follow_the_position():
    load = parse_load({"id": 1, "points": [
        {"position": 2, "city": {"id": 2, "name": "B"}, "latitude": 56.0, "longitude": 44.0},
        {"position": 1, "city": {"id": 1, "name": "A"}, "latitude": 55.0, "longitude": 37.0},
        {"position": 3, "city": {"id": 3, "name": "C"}, "latitude": 91, "longitude": 30.0},  # out of range
    ]})
    assert load.origin.place.name == "A" and load.origin.coordinates == GeoPoint(55.0, 37.0)
    assert load.destination.place.name == "C" and load.destination.coordinates is None


def test_the_carrier_price_is_offered_first_and_its_rate_computed():
    load = parse_load(LIST_ITEM)
    assert (load.price_kopecks, load.price_source) == (30000000, "price_carrier")
    assert load.rate_kopecks_per_km == round(30000000 / 531)  # never the upstream `price_per_km` of `price`
    # what CargoTech's own price filters compare stays the upstream amounts
    assert (load.filter_price_kopecks, load.filter_rate_kopecks_per_km) == (35250000, 66384)


def test_without_a_carrier_price_the_price_and_its_upstream_rate():
    load = parse_load({**LIST_ITEM, "price_carrier": 0})
    assert (load.price_kopecks, load.price_source, load.rate_kopecks_per_km) == (35250000, "price", 66384)
    load = parse_load({**LIST_ITEM, "price_carrier": None, "price_per_km": None})
    assert load.rate_kopecks_per_km == round(35250000 / 531)


def test_no_price_no_rate():
    load = parse_load({**LIST_ITEM, "price_carrier": None, "price": None})
    assert (load.price_kopecks, load.price_source, load.rate_kopecks_per_km) == (None, None, None)
    assert parse_load({**LIST_ITEM, "distance": None, "price_per_km": None}).rate_kopecks_per_km is None


def test_detail_fields_and_extra_flags():
    load = parse_load({**LIST_ITEM, "created_at": "2026-01-01T08:00:00Z", "updated_at": "2026-01-02",
                       "extra": {"note": "Ставка без НДС", "custom_cargo_type": "Трубы", "krugoreis": 1,
                                 "partial_load": True, "url": "https://x"},
                       "shipper": {"id": 7, "name": "Грузовладелец", "inn": "500100732259"},
                       "contacts": [{"type": "broker", "name": "Ирина", "phone": "+7 900 111-22-33"}]})
    assert load.note == "Ставка без НДС" and load.cargo_type == "Трубы"
    assert load.round_trip is True and load.partial_load is True and load.source_url == "https://x"
    assert load.shipper.name == "Грузовладелец" and load.shipper.inn == "500100732259"
    assert load.contacts == (Contact(role="broker", name="Ирина", phones=("+7 900 111-22-33",)),)
    assert load.created_at == dt.datetime(2026, 1, 1, 8, tzinfo=dt.timezone.utc)
    assert load.updated_at == dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)  # a bare date: its midnight, UTC


def test_missing_fields_leave_the_load_empty_not_broken():
    load = parse_load({"id": "6236980507", "extra": {"url": 5}})
    assert load.origin is None and load.destination is None and load.company is None and load.shipper is None
    assert load.weight_kg is None and load.body_types == () and load.contacts == ()
    assert load.round_trip is False and load.partial_load is False and load.source_url is None
    assert load.updated_at is None and load.note is None
    stop = parse_load({"id": 1, "points": {"start": {"address": "ул. Ленина, 1"}}}).origin
    assert stop.place is None and stop.address == "ул. Ленина, 1" and stop.coordinates is None


def test_a_page_and_a_point():
    page = page_of(CargoPage.parse({"data": [LIST_ITEM], "meta": {"limit": 1, "offset": 0, "size": 3}}, 20, 0))
    assert [load.id for load in page.items] == ["12345"] and page.total == 3 and page.next_offset == 1
    assert place_of(Point(id=1, name="Москва", type=2)) == Place(1, "Москва", kind=2)
