"""End to end (Chromium at 360 px): a whole region in the filter sheet's city picker (issue 22 §3) — typing
«Ростовская обл.» offers «Ростовская область — вся область», picking it sets `from_region`, the summary reads
«Ростовская область → Москва», and the list shows only loads from the region."""

from __future__ import annotations

from playwright.sync_api import expect

from cargotool.core.insights.gazetteer import default_gazetteer
from tests.e2e.conftest import open_app, screenshot
from tests.e2e.test_alongway_filters import PHONE, card_routes, fits


def test_a_whole_region_of_loading_from_the_city_picker(browser, server):
    page, errors = open_app(browser, server, user_id=9421, viewport=PHONE)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)

    page.click("#open-filters")
    page.fill(".city[data-side=from] input", "Ростовская обл.")
    option = page.locator(".city[data-side=from] .suggest li.region").first
    expect(option).to_have_text("Ростовская область — вся область")
    assert fits(page, ".city[data-side=from] .suggest li")
    screenshot(page, "region-suggest-360", full_page=False)
    option.click()
    expect(page.locator("#from-city")).to_have_value("Ростовская область — вся область")
    page.select_option("select[name=from_radius]", "100")  # a radius left in the select is not sent with a region
    page.fill(".city[data-side=to] input", "Моск")  # the city Москва first, then the regions «Москва — весь город» …
    expect(page.locator(".city[data-side=to] .suggest li").first).to_have_text("Москва")
    expect(page.locator(".city[data-side=to] .suggest li.region")).to_have_text(
        ["Москва — весь город", "Московская область — вся область"])
    page.locator(".city[data-side=to] .suggest li").first.click()
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()
    expect(page.locator("#filter-summary")).to_contain_text("Ростовская область → Москва")
    expect(page.locator(".card, #list-empty:not([hidden])").first).to_be_visible()  # the stand-in may have none
    saved = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.startsWith('cargotool.filters.'))[1]")
    assert '"from_region":"61"' in saved and '"to":"1"' in saved and "from_radius" not in saved

    page.click("#open-filters")  # the region comes back in the box; without «Куда»: the region's loads to anywhere
    expect(page.locator("#from-city")).to_have_value("Ростовская область — вся область")
    page.fill("#to-city", "")
    page.click("#apply-filters")
    expect(page.locator("#filter-summary")).to_contain_text("Ростовская область → куда угодно")
    expect(page.locator(".card").first).to_be_visible()
    starts = {route.split(" → ")[0] for route in card_routes(page)}
    assert starts and all(default_gazetteer().find(start).admin1 == "61" for start in starts), starts
    screenshot(page, "region-list-360")
    assert not errors
