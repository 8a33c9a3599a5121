"""End to end at 360 px (Chromium): a trip posted by its shipper and resold by two brokers (the stand-in's
reposts) is one card saying «выставлен 3 компаниями: …»; a tap lists the postings, each opens its detail,
and the detail lists them too. Screenshots: test-artifacts/samefreight-360-*.png."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cargotool.standin.reposts import FIRST_REPOST_ID
from tests.e2e.conftest import open_app, screenshot
from tests.e2e.test_layout_360 import PHONE, box
from tests.e2e.test_miniapp_states import SMALL_TARGETS

SHIPPERS_OWN = "6236981221"  # Ростов-на-Дону → Санкт-Петербург, the sample's load 33
RESOLD = str(FIRST_REPOST_ID)  # its first resale, by ООО «ГрузЛайн»
TO_SPB = {"to": "2", "to_radius": "0"}
SPACES = re.compile(r"[\s\u202f\u00a0]+")


def text_of(locator) -> str:
    return SPACES.sub(" ", locator.inner_text()).strip()


def within(inner, outer) -> bool:
    return inner["x"] >= outer["x"] - 0.5 and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5


def no_page_overflow(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_one_card_per_trip_with_its_postings_one_tap_away(browser, server):
    page, errors = open_app(browser, server, user_id=9851, viewport=PHONE, saved_filters=TO_SPB)
    card = page.locator(f".card[data-id='{SHIPPERS_OWN}']")
    expect(card).to_be_visible(timeout=15000)
    expect(page.locator(f".card[data-id='{RESOLD}']")).to_have_count(0)  # folded into the shipper's card
    line = card.locator(".group-line")
    expect(line).to_be_visible()
    assert text_of(line) == ("👥 выставлен 3 компаниями: 136 800 / 128 000 / 121 000 ₽; "
                             "грузовладелец — ООО «Черноземье Трейд»")
    card.scroll_into_view_if_needed()
    assert within(box(page, f".card[data-id='{SHIPPERS_OWN}'] .group-line"), box(page, f".card[data-id='{SHIPPERS_OWN}']"))
    assert box(page, f".card[data-id='{SHIPPERS_OWN}'] .group-line")["height"] >= 44
    assert no_page_overflow(page)
    screenshot(page, "samefreight-360-card", full_page=False)

    line.click()  # the postings, not the card's detail
    sheet = page.locator("#postings-sheet")
    expect(sheet).to_be_visible()
    expect(page.locator("#screen-detail")).to_be_hidden()
    rows = sheet.locator(".posting")
    expect(rows).to_have_count(3)
    assert [text_of(r) for r in rows.all()] == ["ООО «Черноземье Трейд» 136 800 ₽", "ООО «ГрузЛайн» 128 000 ₽",
                                                 "ООО «Кубань Логистик» 121 000 ₽"]
    for row in rows.all():
        assert within(row.bounding_box(), box(page, "#postings-sheet .sheet-body"))
    assert page.evaluate(SMALL_TARGETS) == [] and no_page_overflow(page)
    screenshot(page, "samefreight-360-postings", full_page=False)

    rows.nth(1).click()  # the broker's resale opens its own detail
    expect(sheet).to_have_count(0)
    expect(page.locator("#screen-detail")).to_be_visible()
    expect(page.locator("#detail .summary")).to_contain_text(f"Груз № {RESOLD}", timeout=15000)
    section = page.locator("#detail-group")
    expect(section).to_be_visible()
    expect(section.locator(".posting")).to_have_count(3)
    expect(section.locator(f".posting[data-posting='{RESOLD}']")).to_be_disabled()  # the one open now
    assert within(box(page, "#detail-group"), {"x": 0, "width": PHONE[0]}) and no_page_overflow(page)
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, "samefreight-360-detail", full_page=False)

    section.locator(f".posting[data-posting='{SHIPPERS_OWN}']").click()  # and from there, the shipper's own
    expect(page.locator("#detail .summary")).to_contain_text(f"Груз № {SHIPPERS_OWN}", timeout=15000)
    page.click("#detail-back")
    expect(card).to_be_visible()
    assert errors == []
    page.close()
