"""«Свободен с…» end to end at 360 px (Chromium): reached from the row under the list's header, the city from the
autocomplete, the day and the radius saved, the feed of loads from there shown and a card opening its load,
cleared by the driver; then the admin screen's «Свободные» tab listing the free truck.
Screenshots: test-artifacts/free-360.png, test-artifacts/free-trucks-admin-360.png."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, open_app, screenshot

PHONE = (360, 740)
DRIVER = 9861


def inside_the_screen(page, selector):
    for node in page.locator(selector).all():
        found = node.bounding_box()
        assert found and found["x"] >= 0 and found["x"] + found["width"] <= 360, (selector, found)


def test_free_from_at_360_px_and_the_dispatchers_tab(browser, server):
    page, errors = open_app(browser, server, user_id=DRIVER, viewport=PHONE)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    button = page.locator("#open-free")
    expect(button).to_be_visible()
    inside_the_screen(page, "#open-free")
    screenshot(page, "free-entry-360", full_page=False)
    button.click()
    expect(page.locator("#screen-free")).to_be_visible()
    expect(page.locator("#free-current")).to_have_text("Вы не указали, где и когда свободны", timeout=15000)
    page.fill("#free-city", "Моск")
    page.locator("#free-city-box .suggest li", has_text="Москва").first.click()
    day = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    page.fill("#free-date", day)
    page.select_option("#free-radius", "100")
    page.click("#free-save")
    expect(page.locator("#free-current")).to_contain_text("Свободен в Москве с", timeout=15000)
    expect(page.locator("#free-current")).to_contain_text("±100 км")
    cards = page.locator("#free-feed .card")
    expect(cards.first).to_be_visible(timeout=15000)
    expect(page.locator("#free-error")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows sideways
    inside_the_screen(page, "#free-feed .card")
    inside_the_screen(page, "#free-save")
    screenshot(page, "free-360", full_page=False)

    cargo_id = cards.first.get_attribute("data-id")
    cards.first.click()
    expect(page.locator("#screen-detail")).to_be_visible()
    expect(page.locator("#screen-free")).to_be_hidden()
    assert cargo_id
    page.click("#detail-back")
    page.click("#open-free")  # kept on the server: the form and the feed come back
    expect(page.locator("#free-city")).to_have_value("Москва", timeout=15000)
    expect(page.locator("#free-feed .card").first).to_be_visible(timeout=15000)
    assert errors == []

    admin, admin_errors = open_app(browser, server, user_id=ADMIN, viewport=PHONE)
    expect(admin.locator("#open-admin")).to_be_visible(timeout=15000)
    admin.click("#open-admin")
    admin.click("#admin-tabs .chip[data-tab=free]")
    truck = admin.locator(f".free-truck[data-driver='{DRIVER}']")
    expect(truck).to_be_visible(timeout=15000)
    expect(truck).to_contain_text("Пётр (@petr)")
    expect(truck).to_contain_text("Москва ±100 км, с " + ".".join(reversed(day.split("-")[1:])))
    assert admin.evaluate("document.documentElement.scrollWidth") <= 360
    inside_the_screen(admin, ".free-truck")
    screenshot(admin, "free-trucks-admin-360", full_page=True)
    assert admin_errors == []
    admin.close()

    page.click("#free-clear")  # the driver's to clear
    expect(page.locator("#free-current")).to_have_text("Вы не указали, где и когда свободны", timeout=15000)
    expect(page.locator("#free-feed .card")).to_have_count(0)
    page.close()
