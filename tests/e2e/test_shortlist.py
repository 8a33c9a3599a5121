"""End to end at 360 px: ☆ a load on its card, hide a company from the detail (with the undo toast), the
«Избранное» screen and the «Скрытые» screen that shows the company again. Screenshots go to
test-artifacts/shortlist-360-*.png."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import open_app, screenshot

PHONE = (360, 740)
DRIVER = 9301
COMPANY = {"id": 1599999, "inn": "7707083893", "name": "ПАО «Проверка»", "type": "broker", "security_status": 0}


def _inside(page, selector):
    found = page.locator(selector).first.bounding_box()
    assert found and found["x"] >= 0 and found["x"] + found["width"] <= PHONE[0], (selector, found)


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]


def test_star_hide_a_company_and_undo_it_from_the_hidden_screen(browser, server, standin):
    standin = standin[0]
    marked = standin.publish({**standin.dataset.cargos[-1], "id": 4_100_001, "company": COMPANY})
    page, errors = open_app(browser, server, user_id=DRIVER, viewport=PHONE)
    card = page.locator(f'#cards .card[data-id="{marked["id"]}"]')
    expect(card).to_be_visible(timeout=15000)
    star = card.locator(".star")
    expect(star).to_have_text("☆")
    _inside(page, f'.card[data-id="{marked["id"]}"] .star')
    star.click()
    expect(star).to_have_text("★")
    _no_sideways_scroll(page)
    screenshot(page, "shortlist-360-list", full_page=False)

    card.click()
    expect(page.locator("#detail-marks")).to_be_visible(timeout=15000)
    expect(page.locator("#detail-marks .star")).to_have_text("★")
    for selector in ("#hide-cargo", "#hide-company"):
        expect(page.locator(selector)).to_be_visible()
        _inside(page, selector)
    _no_sideways_scroll(page)
    screenshot(page, "shortlist-360-detail", full_page=False)
    page.click("#hide-company")
    expect(page.locator("#undo-toast")).to_be_visible()
    _inside(page, "#undo-toast")
    expect(page.locator("#screen-list")).to_be_visible()
    expect(page.locator(f'#cards .card[data-id="{marked["id"]}"]')).to_have_count(0, timeout=15000)

    page.click("#open-settings")  # the menu: «Мои грузы»
    page.click("#open-favourites")
    expect(page.locator("#screen-favourites")).to_be_visible()
    expect(page.locator(f'#favourites-list .card[data-id="{marked["id"]}"]')).to_be_visible(timeout=15000)
    _no_sideways_scroll(page)
    screenshot(page, "shortlist-360-favourites", full_page=False)

    page.click("#favourites-hidden")
    expect(page.locator("#screen-hidden")).to_be_visible()
    row = page.locator("#hidden-list .hidden-item", has_text="ПАО «Проверка»")
    expect(row).to_be_visible(timeout=15000)
    _inside(page, "#hidden-list .hidden-item button")
    _no_sideways_scroll(page)
    screenshot(page, "shortlist-360-hidden", full_page=False)
    row.locator("button").click()
    expect(row).to_have_count(0)
    page.click("#hidden-back")
    expect(page.locator(f'#cards .card[data-id="{marked["id"]}"]')).to_be_visible(timeout=15000)
    assert errors == []
    page.close()


def test_the_detail_shows_the_star_another_device_set(browser, server):
    """Two devices of one driver: what one stars or unstars, the other's detail shows (`favourite` of the
    detail), and its list's card follows when going back."""
    phone, errors = open_app(browser, server, user_id=DRIVER + 1, viewport=PHONE)
    first = phone.locator("#cards .card").first
    expect(first).to_be_visible(timeout=15000)
    selector = f'#cards .card[data-id="{first.get_attribute("data-id")}"]'
    tablet, tablet_errors = open_app(browser, server, user_id=DRIVER + 1, viewport=PHONE)
    tablet.locator(selector + " .star").click()
    expect(tablet.locator(selector + " .star")).to_have_text("★")

    expect(phone.locator(selector + " .star")).to_have_text("☆")  # read at start: stale
    phone.locator(selector).click()
    expect(phone.locator("#detail-marks .star")).to_have_text("★", timeout=15000)
    _inside(phone, "#detail-marks .star")
    _no_sideways_scroll(phone)
    screenshot(phone, "shortlist-360-detail-star", full_page=False)
    expect(phone.locator(selector + " .star")).to_have_text("★")  # the card behind the detail follows

    tablet.locator(selector + " .star").click()
    expect(tablet.locator(selector + " .star")).to_have_text("☆")
    phone.click("#detail-back")
    phone.locator(selector).click()
    expect(phone.locator("#detail-marks .star")).to_have_text("☆", timeout=15000)
    phone.locator("#detail-marks .star").click()  # the toggle works from the detail
    expect(phone.locator("#detail-marks .star")).to_have_text("★")
    assert errors == [] and tablet_errors == []
    phone.close()
    tablet.close()
