"""End to end at 360 px (issue 21 §1–2): the payment line and «Чистыми ≈ … ₽ (оценка)» on cards, the parts
on the detail, the truck form beside the fuel figures, and the «Оплата» filters — in headless Chromium
against the real server and the CargoTech stand-in (a third of its loads carry a structured payment block)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import open_app, screenshot

VIEWPORT = (360, 740)


def inside(page, locator) -> bool:
    """Visible and within the 360 px viewport, not cut by its own box either."""
    box = locator.bounding_box()
    fits = locator.evaluate("n => n.scrollWidth <= n.clientWidth + 1")
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT[0] + 0.5 and fits


def test_payment_terms_and_net_on_cards_detail_and_filters_at_360(browser, server):
    page, errors = open_app(browser, server, user_id=9421, viewport=VIEWPORT)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    first_line = page.locator(".card .payment-line").first
    expect(first_line).to_be_visible()
    assert inside(page, first_line)
    texts = page.locator(".card .payment-line").all_inner_texts()
    assert any("НДС" in t for t in texts) and any("условия оплаты не указаны" in t for t in texts)

    # the truck form sits beside the fuel figures
    page.click("#position-button")
    expect(page.locator("#truck-fieldset")).to_be_visible()
    page.fill("#fuel-litres", "32")
    page.fill("#fuel-price", "70")
    page.click("#fuel-save")
    expect(page.locator("#position-sheet")).to_be_hidden()
    page.click("#position-button")
    page.check("#truck-heavy")
    page.fill("#truck-cost", "abc")
    page.click("#truck-save")
    expect(page.locator("#truck-error")).to_be_visible()  # a 400 with the field's message, nothing lost
    page.fill("#truck-cost", "12,5")
    page.click("#truck-save")
    expect(page.locator("#position-sheet")).to_be_hidden()

    page.select_option("#sort-select", "net")
    net = page.locator(".card .net-line").first
    expect(net).to_be_visible(timeout=15000)
    expect(net).to_contain_text("Чистыми ≈")
    expect(net).to_contain_text("(оценка)")
    assert inside(page, net)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT[0]
    screenshot(page, "money-cards-360", full_page=False)

    page.locator(".card .route").first.click(position={"x": 8, "y": 8})  # the title: the card's middle may be a button
    parts = page.locator("#detail-net")
    expect(parts).to_be_visible(timeout=15000)
    expect(parts).to_contain_text("топливо")
    expect(parts).to_contain_text("Платон")
    expect(parts).to_contain_text("прочие расходы")
    expect(page.locator("#detail-payment")).to_be_visible()
    assert inside(page, parts) and inside(page, page.locator("#detail-payment"))
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT[0]
    parts.scroll_into_view_if_needed()
    screenshot(page, "money-detail-360", full_page=False)
    page.click("#detail-back")

    page.click("#open-filters")
    payment = page.locator("#payment-field")
    payment.scroll_into_view_if_needed()
    expect(payment).to_be_visible()
    assert inside(page, payment)
    page.select_option("#filters select[name=vat]", "with")
    page.check("#filters input[name=no_deferral]")
    screenshot(page, "money-filters-360", full_page=False)
    page.click("#apply-filters")
    expect(page.locator("#filter-summary")).to_contain_text("с НДС")
    expect(page.locator("#filter-summary")).to_contain_text("без отсрочки")
    lines = page.locator(".card .payment-line")
    expect(lines.first).to_be_visible(timeout=15000)
    assert all(t.startswith("💳 с НДС") for t in lines.all_inner_texts())
    assert not errors
