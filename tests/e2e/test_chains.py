"""«Домой» end to end at 360 px (Chromium): reachable from the row under the list's header, the target city from the
autocomplete, a clear Russian message without a start, the three best chains with their arithmetic, the home
city kept, and a leg opening its load. Screenshot: test-artifacts/chains-360.png."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.e2e.conftest import open_app, screenshot

PHONE = (360, 740)


def pick(page, box, typed, name):
    page.fill(f"#{box} input", typed)
    page.locator(f"#{box} .suggest li", has_text=name).first.click()


def inside_the_screen(page, selector):
    for node in page.locator(selector).all():
        found = node.bounding_box()
        assert found and found["x"] >= 0 and found["x"] + found["width"] <= 360, (selector, found)


def _look(page, selector):
    """A button's colours, corners and weight (computed even while its screen is hidden)."""
    return page.evaluate("""(selector) => { const s = getComputedStyle(document.querySelector(selector));
        return [s.backgroundColor, s.color, s.borderRadius, s.fontWeight, s.borderStyle]; }""", selector)


def test_chains_home_at_360_px(browser, server):
    page, errors = open_app(browser, server, user_id=9851, viewport=PHONE)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    button = page.locator("#open-chains")
    expect(button).to_be_visible()
    assert button.bounding_box()["x"] + button.bounding_box()["width"] <= 360
    button.click()
    expect(page.locator("#screen-chains")).to_be_visible()
    page.fill("#chains-by", (dt.date.today() + dt.timedelta(days=4)).isoformat())
    pick(page, "chains-to-box", "Моск", "Москва")  # picking the target looks for chains at once
    expect(page.locator("#chains-error")).to_contain_text("укажите город отправления", timeout=15000)  # no position
    pick(page, "chains-from-box", "Белг", "Белгород")
    page.click("#chains-find")
    chains = page.locator("#chains-result .chain")
    expect(chains.first).to_be_visible(timeout=15000)
    expect(page.locator("#chains-error")).to_be_hidden()
    expect(chains).to_have_count(4)  # the stand-in's three chains and the direct trip
    expect(chains.first.locator(".chain-text")).to_contain_text("2 рейса, 900\u202fкм, 111\u202f₽/км с порожними, в Москве")
    expect(chains.last).to_contain_text("Прямой рейс для сравнения")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows sideways
    inside_the_screen(page, "#screen-chains .chain")
    inside_the_screen(page, "#screen-chains .chain-leg")
    inside_the_screen(page, "#chains-find")
    assert _look(page, "#chains-find") == _look(page, "#apply-filters")  # styled as the app's other primary buttons
    assert page.locator("#chains-find").bounding_box()["height"] >= 44  # a thumb's tap target
    screenshot(page, "chains-360", full_page=True)

    page.click("#chains-save-home")
    expect(page.locator("#chains-home-note")).to_have_text("Дом: Москва")
    leg = chains.first.locator(".chain-leg").first
    leg_id = leg.get_attribute("data-id")
    leg.click()
    expect(page.locator("#screen-detail")).to_be_visible()
    expect(page.locator("#screen-chains")).to_be_hidden()
    assert leg_id

    page.click("#detail-back")
    page.click("#open-chains")  # the home is proposed without asking
    expect(page.locator("#chains-to")).to_have_value("Москва")
    expect(page.locator("#chains-result .chain").first).to_be_visible(timeout=15000)
    expect(page.locator("#chains-result .chain-text").first).to_contain_text("дома")
    assert errors == []
    page.close()
