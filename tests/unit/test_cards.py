import datetime as dt

from cargotool.core.cargo.cards import card, detail
from cargotool.core.cargo.formatting import THIN_SPACE, format_day, format_rub, format_tonnes
from cargotool.core.cargotech.mapping import parse_load

from .test_models import LIST_ITEM


def test_rouble_formatting_uses_thin_spaces():
    assert format_rub(35250000) == f"352{THIN_SPACE}500{THIN_SPACE}₽"
    assert format_rub(12345) == f"123,45{THIN_SPACE}₽"
    assert format_rub(None) == "—"
    assert format_rub(-1270000) == f"\u221212{THIN_SPACE}700{THIN_SPACE}₽"  # the minus sign, not a hyphen
    assert format_tonnes(12000) == "12" and format_tonnes(1500) == "1,5"


def test_datetimes_are_shown_in_moscow_time():
    assert format_day(dt.datetime(2026, 1, 3, 10, tzinfo=dt.timezone.utc)) == "03.01 13:00"
    assert format_day(dt.date(2026, 1, 3)) == "03.01"


def test_card_prefers_carrier_price_and_recomputes_rate():
    c = card(parse_load(LIST_ITEM))
    assert c["price_kopecks"] == 30000000 and c["price_source"] == "price_carrier"
    assert c["rate_kopecks_per_km"] == round(30000000 / 531)
    assert c["weight_t"] == 12.0 and c["from"]["city"] == "Челябинск"
    assert c["display"]["route"] == "Челябинск → Москва"
    assert [t["short_name"] for t in c["truck_types"]] == ["реф.", "тент"]
    assert c["company"] == {"name": "ООО Тест", "inn": "7700000000", "security_status": 0}


def test_card_falls_back_to_price_and_upstream_rate():
    c = card(parse_load({**LIST_ITEM, "price_carrier": None}))
    assert c["price_source"] == "price" and c["rate_kopecks_per_km"] == 66384


def test_detail_adds_comment_contacts_and_flags():
    d = detail(parse_load({**LIST_ITEM, "extra": {"note": "Ставка без НДС", "krugoreis": True, "url": "https://x"},
                            "contacts": [{"type": "broker", "name": "Ирина", "phones": ["+7 900 111-22-33"]}]}))
    assert d["comment"] == "Ставка без НДС" and d["round_trip"] is True and d["partial_load"] is False
    assert d["contacts"] == [{"type": "broker", "name": "Ирина", "phones": ["+7 900 111-22-33"]}]
    assert d["source_url"] == "https://x"
