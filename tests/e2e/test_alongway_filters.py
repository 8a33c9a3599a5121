"""End to end (Chromium at 360 px): several loading cities as chips, and «По пути» in the filter sheet (issue 22 §3)."""

from __future__ import annotations

from playwright.sync_api import expect

from cargotool.core.corridor import on_way
from cargotool.core.insights.gazetteer import default_gazetteer
from cargotool.core.loads.models import GeoPoint
from tests.e2e.conftest import open_app, screenshot

PHONE = (360, 740)


def pick(page, box: str, typed: str, name: str) -> None:
    page.fill(f"{box} input", typed)
    page.locator(f"{box} .suggest li", has_text=name).first.click()


def fits(page, selector: str) -> bool:
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)].every((n) => {
        const b = n.getBoundingClientRect(); return b.left >= 0 && b.right <= window.innerWidth; })
        && document.documentElement.scrollWidth <= window.innerWidth""", selector)


def card_routes(page) -> list[str]:
    """The cards' «A → B» (the title also holds the ☆ button)."""
    return [text.splitlines()[0].strip() for text in page.locator(".card .route").all_inner_texts()]


def where(name: str) -> GeoPoint:
    where = default_gazetteer().coordinates(name)
    assert where is not None, name
    return GeoPoint(*where)


def test_several_loading_cities_and_along_the_way(browser, server):
    page, errors = open_app(browser, server, user_id=9411, viewport=PHONE)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)

    page.click("#open-filters")
    pick(page, ".city[data-side=from]", "Моск", "Москва")
    page.click("#from-add")
    pick(page, ".city[data-side=from]", "Красн", "Краснодар")
    expect(page.locator("#from-more .chip")).to_have_count(1)
    expect(page.locator("#from-more .chip")).to_contain_text("Москва")
    assert fits(page, "#from-more .chip, #from-add")
    screenshot(page, "alongway-cities-360", full_page=False)
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()
    expect(page.locator("#filter-summary")).to_contain_text("Москва, Краснодар")
    expect(page.locator(".card").first).to_be_visible()
    starts = {route.split(" → ")[0] for route in card_routes(page)}
    assert starts and starts <= {"Москва", "Краснодар"}

    page.click("#open-filters")  # the chips come back; «Сбросить» clears them, then «По пути»
    expect(page.locator("#from-more .chip")).to_have_count(1)
    page.click("#reset-filters")
    expect(page.locator("#from-more")).to_be_hidden()
    pick(page, ".city[data-side=route_from]", "Моск", "Москва")
    pick(page, ".city[data-side=route_to]", "Каза", "Казань")
    page.select_option("#corridor-km", "150")
    page.locator("#along-way").scroll_into_view_if_needed()
    expect(page.locator("#corridor-km")).to_be_visible()
    assert fits(page, "#along-way input, #along-way select")
    screenshot(page, "alongway-route-360", full_page=False)
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()
    expect(page.locator("#filter-summary")).to_contain_text("по пути: Москва → Казань ±150 км")
    expect(page.locator(".card, #list-empty:not([hidden])").first).to_be_visible()  # not wait_for_function: the CSP forbids its eval
    for route in card_routes(page):
        start, finish = route.split(" → ")
        assert on_way(where(start), where(finish), where("Москва"), where("Казань"), 150), route
    screenshot(page, "alongway-list-360")
    assert not errors
