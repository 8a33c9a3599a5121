"""End to end at 360 px: the text nits a browser audit found on the card and its detail stay fixed — a loss
reads with the minus sign («Чистыми ≈ −12 700 ₽», not a hyphen) on the card and in the detail's sum, a number
keeps its unit on its line («12 т», a no-break space), and the ☆ button's name follows its state («В избранное»
→ «Убрать из избранного», the words beside it «В избранном»). Screenshot: test-artifacts/card-text-360-detail.png."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import open_app, screenshot
from tests.e2e.test_card_six import set_up_driver

PHONE = (360, 740)
DRIVER = 9631
MOSCOW = {"lat": 55.7558, "lon": 37.6173}
HYPHEN_NUMBER = re.compile(r"-\s*\d")


def set_up_a_losing_driver(server) -> None:
    """Fuel figures and a cost per km so high that every load is a loss."""
    set_up_driver(server, DRIVER, MOSCOW, cost_rub_km=900)


def test_a_loss_reads_with_the_minus_sign_and_units_stay_with_their_numbers(browser, server):
    set_up_a_losing_driver(server)
    page, errors = open_app(browser, server, user_id=DRIVER, viewport=PHONE)
    net = page.locator(".card .net-line").first
    expect(net).to_be_visible(timeout=15000)
    expect(net).to_contain_text("Чистыми ≈ \u2212")
    assert not HYPHEN_NUMBER.search(net.inner_text()), net.inner_text()
    specs = page.locator(".card .specs").first.text_content()
    assert re.search(r"\d\u00a0т\b", specs) and re.search(r"\d\u00a0км", specs), specs  # «12 т» never splits

    page.locator(".card .route").first.click(position={"x": 8, "y": 8})
    total = page.locator("#detail-net .total")
    expect(total).to_contain_text("\u2212", timeout=15000)
    assert not HYPHEN_NUMBER.search(total.inner_text()), total.inner_text()
    assert "тяжелее 12\u00a0т." in page.locator("#detail-net .hint-line").text_content()
    screenshot(page, "card-text-360-detail")
    page.click("#detail-back")
    page.click("#position-button")
    assert "12\u00a0т" in page.locator("#truck-fieldset label.check").text_content()
    assert errors == []
    page.close()


def test_the_star_says_what_a_tap_does_and_the_detail_says_where_the_load_is(browser, server):
    page, errors = open_app(browser, server, user_id=DRIVER + 1, viewport=PHONE)
    card = page.locator(".card").first
    expect(card).to_be_visible(timeout=15000)
    cargo_id = card.get_attribute("data-id")
    expect(card.locator(".star")).to_have_attribute("aria-label", "В избранное")
    card.locator(".route").click(position={"x": 8, "y": 8})
    marks = page.locator("#detail-marks")
    star, hint = marks.locator(".star"), marks.locator(".star-hint")
    expect(star).to_have_text("☆", timeout=15000)
    expect(star).to_have_attribute("aria-label", "В избранное")
    expect(hint).to_have_text("В избранное")
    star.click()
    expect(star).to_have_text("★")
    expect(star).to_have_attribute("aria-label", "Убрать из избранного")
    expect(star).to_have_attribute("title", "Убрать из избранного")
    expect(hint).to_have_text("В избранном")
    expect(page.get_by_role("button", name="Убрать из избранного").first).to_be_visible()
    # the list's card behind the detail says the same
    expect(page.locator(f".card[data-id='{cargo_id}'] .star")).to_have_attribute("aria-label", "Убрать из избранного")
    screenshot(page, "card-text-360-star", full_page=False)
    star.click()
    expect(star).to_have_text("☆")
    expect(hint).to_have_text("В избранное")
    expect(star).to_have_attribute("aria-label", "В избранное")
    assert errors == []
    page.close()
