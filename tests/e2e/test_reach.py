"""End to end at 360 px: «успеваю?» — the verdict's coloured label on cards, its text on the detail, the hours
already driven today in the position sheet, the filter «Успеваю к погрузке» and the order «По прибытию»."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

from cargotool.core.drivers.initdata import sign_init_data
from tests.conftest import TEST_BOT_TOKEN
from tests.e2e.conftest import screenshot

KAZAN = (55.7961, 49.1064)
WIDTH = 360
LABELS = ("✓ успеваете", "⚠ впритык", "✕ не успеть")


def inside(page, selector: str, outer: str) -> None:
    """Visible, within its container and the 360 px screen, and not cut off inside itself."""
    node = page.locator(selector).first
    expect(node).to_be_visible()
    box = node.bounding_box()
    around = node.locator(f"xpath=ancestor::*[contains(concat(' ', @class, ' '), ' {outer} ') or @id='{outer}'][1]").bounding_box()
    assert box and around, selector
    assert box["x"] >= around["x"] - 0.5 and box["x"] + box["width"] <= around["x"] + around["width"] + 0.5, (box, around)
    assert box["x"] + box["width"] <= WIDTH
    assert node.evaluate("n => n.scrollWidth <= n.clientWidth + 1"), selector


def test_reach_on_cards_detail_filter_and_order_at_360_px(browser, server):
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, permissions=["geolocation"],
                                  geolocation={"latitude": KAZAN[0], "longitude": KAZAN[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("https://telegram.org/**", lambda route: route.abort())
    init = sign_init_data(TEST_BOT_TOKEN, {"id": 9351, "first_name": "Пётр"})
    page.goto(f"{server}/#tgWebAppData={quote(init, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web")
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    assert page.locator(".card .mini.reach").count() == 0  # no position, no verdict
    page.select_option("#sort-select", "arrival")  # without a position: said, and nothing is left out
    expect(page.locator("#toast")).to_contain_text("к каким погрузкам успеваете")
    page.select_option("#sort-select", "")

    page.click("#position-button")
    page.click("#locate")
    expect(page.locator("#position-sheet")).to_be_hidden()
    expect(page.locator(".card .mini.reach").first).to_be_visible()
    assert page.locator(".card .mini.reach").first.inner_text() in LABELS

    # «Сегодня уже за рулём» beside the fuel figures
    page.click("#position-button")
    inside(page, "#driven-today", "sheet-body")
    page.fill("#driven-today", "8,5")
    screenshot(page, "reach-driving-360", full_page=False)
    page.click("#driving-save")
    expect(page.locator("#position-sheet")).to_be_hidden()
    page.click("#position-button")
    expect(page.locator("#driven-today")).to_have_value("8,5")
    page.click("#position-sheet .sheet-head .link")

    # the order «По прибытию» and the filter «Успеваю к погрузке»
    page.select_option("#sort-select", "arrival")
    expect(page.locator(".card .mini.reach").first).to_be_visible()
    page.click("#open-filters")
    page.check("#filters input[name=reachable]")
    page.click("#apply-filters")
    expect(page.locator("#filter-summary")).to_contain_text("успеваю")
    expect(page.locator(".card").first).to_be_visible()
    page.wait_for_timeout(300)
    labels = page.locator(".card .mini.reach").all_inner_texts()
    assert labels and "✕ не успеть" not in labels
    inside(page, ".card .mini.reach", "card")
    screenshot(page, "reach-list-360", full_page=False)

    page.locator(".card").first.click()
    section = page.locator("#detail-reach")
    expect(section).to_contain_text("Успеваете к погрузке?")
    expect(section.locator(".reach-text")).to_contain_text("(≈ ")
    inside(page, "#detail-reach .reach-text", "section")
    section.scroll_into_view_if_needed()
    screenshot(page, "reach-detail-360", full_page=False)
    assert errors == []
    context.close()
