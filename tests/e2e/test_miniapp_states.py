"""Every state of the Mini App says the right thing, in Russian, and is usable on a phone: each test leaves
a screenshot under test-artifacts/ (miniapp-state-*.png). This module's server keeps list answers fresh for
1 s only, so a stale copy can be shown."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, open_app, screenshot

LATIN_TECH = re.compile(r"[A-Za-z]{4,}")  # «ConnectError», «attempt(s)»: no English words on a driver's screen


@pytest.fixture(scope="module")
def e2e_env():
    return {"CACHE_LIST_TTL": "1", "CACHE_STALE_MAX": "3600", "CARGOTECH_MAX_ATTEMPTS": "1"}


def open_sheet(browser, server, user_id):
    """The list, then the filter sheet opened over it."""
    page, errors = open_app(browser, server, user_id=user_id)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#open-filters")
    return page, errors


@pytest.fixture
def faults(standin):
    yield standin[0]
    with standin[0]._lock:
        standin[0]._faults.clear()


def test_cargotech_unreachable_with_nothing_saved_is_said_in_russian(browser, server, faults):
    faults.fail_next("/v2/cargos/views", 503, times=50)
    page, errors = open_app(browser, server, user_id=9101, saved_filters={"wv": "13-71"})  # never asked before
    expect(page.locator("#list-error")).to_be_visible(timeout=15000)
    text = page.locator("#list-error").inner_text()
    assert "CargoTech" in text and "не отвечает" in text
    assert not LATIN_TECH.findall(text.replace("CargoTech", "")), text
    assert page.locator("#stale-banner").is_hidden()  # nothing saved is shown, so no banner says so
    screenshot(page, "miniapp-state-cargotech-down")
    assert errors == []
    page.close()


def test_stale_banner_says_how_old_the_data_is(browser, server, faults):
    page, errors = open_app(browser, server, user_id=9102, saved_filters={"wv": "12-70"})
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.close()
    time.sleep(3.5)  # past the 1 s freshness and the server's 2 s in-process copy
    faults.fail_next("/v2/cargos/views", 503, times=50)
    page, errors = open_app(browser, server, user_id=9102, saved_filters={"wv": "12-70"})
    expect(page.locator("#stale-banner")).to_be_visible(timeout=15000)
    expect(page.locator("#stale-banner")).to_contain_text(re.compile(r"полученные (меньше минуты|\d+ мин) назад"))
    expect(page.locator(".card").first).to_be_visible()
    screenshot(page, "miniapp-state-stale")
    assert errors == []
    page.close()


def test_a_city_typed_in_full_is_resolved_or_flagged_on_its_field(browser, server):
    page, errors = open_sheet(browser, server, user_id=9103)
    page.fill("#from-city", "Нетакогогорода")
    page.click("#apply-filters")
    error = page.locator(".field-error[data-error-for~=from]")
    expect(error).to_contain_text("не найден")
    expect(error).not_to_contain_text("CargoTech")  # the driver is not told about the marketplace's internals
    expect(page.locator("#sheet")).to_be_visible()
    screenshot(page, "miniapp-state-city-not-found", full_page=False)

    page.fill("#from-city", "казань")  # typed, never picked from the suggestions
    page.keyboard.press("Escape")
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()
    expect(page.locator("#filter-summary")).to_have_text("Казань → куда угодно")  # radius 0: that city only
    assert errors == []
    page.close()


def test_filter_errors_sit_on_their_field_and_name_the_range(browser, server):
    page, errors = open_sheet(browser, server, user_id=9104)
    page.fill("input[name=price_min]", "999999999999")
    page.fill("input[name=distance_min]", "900")
    page.fill("input[name=distance_max]", "100")
    page.click("#apply-filters")
    price_error = page.locator(".field-error[data-error-for~=price_min]")
    expect(price_error).to_contain_text("от 0 до 100\u00a0000\u00a0000")
    expect(page.locator(".field-error[data-error-for~=distance_max]")).to_contain_text("меньше минимума")
    assert "целое число" not in price_error.inner_text()
    assert page.locator("#filter-errors").is_hidden()  # nothing left without a field
    screenshot(page, "miniapp-state-filter-errors", full_page=False)
    assert errors == []
    page.close()


def test_radius_words_and_the_summary_shows_the_radius(browser, server):
    page, errors = open_sheet(browser, server, user_id=9105)
    options = page.locator("select[name=from_radius] option").all_inner_texts()
    assert options[0] == "только этот город" and "0 км" not in options
    page.fill("#from-city", "Моск")
    page.locator(".city[data-side=from] .suggest li", has_text="Москва").first.click()
    page.select_option("select[name=from_radius]", "100")
    page.click("#apply-filters")
    expect(page.locator("#filter-summary")).to_contain_text("Москва +100 км")
    screenshot(page, "miniapp-state-radius-summary", full_page=False)
    assert errors == []
    page.close()


def test_city_autocomplete_says_when_it_cannot_search(browser, server, faults):
    page, errors = open_app(browser, server, user_id=9106)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    faults.fail_next("/v1/dictionaries/points", 503, times=50)
    page.click("#open-filters")
    page.fill("#to-city", "Ярославл")
    note = page.locator(".field-error[data-error-for~=to]")
    expect(note).to_contain_text("Поиск городов сейчас недоступен", timeout=10000)
    screenshot(page, "miniapp-state-autocomplete-down", full_page=False)
    assert errors == []
    page.close()


def test_without_launch_data_no_header_button_is_there_to_press(browser, server):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.route("https://telegram.org/**", lambda route: route.abort())
    page.goto(server + "/")
    expect(page.locator("#fatal")).to_be_visible()
    for button in ("#open-filters", "#open-plans", "#open-responses", "#open-admin"):
        assert page.locator(button).is_hidden()
    screenshot(page, "miniapp-state-no-launch-data", full_page=False)
    page.close()


@pytest.mark.parametrize("user_id", [9107, ADMIN])  # a driver, and an admin (one more button)
def test_the_header_fits_360_px_and_every_control_is_big_enough(browser, server, user_id):
    page, errors = open_app(browser, server, user_id=user_id, viewport=(360, 740))
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    if user_id == ADMIN:
        expect(page.locator("#open-admin")).to_be_visible()
    boxes = [page.locator(f"#{name}").bounding_box() for name in ("open-admin", "open-plans", "open-responses", "open-filters")
             if page.locator(f"#{name}").is_visible()]
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box  # nothing cut off
        assert box["height"] >= 44 and box["width"] >= 44, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, f"miniapp-state-header-360-{'admin' if user_id == ADMIN else 'driver'}", full_page=False)
    page.click("#open-filters")
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], small
    assert errors == []
    page.close()


# Visible controls under 44 × 44 px (WCAG 2.5.5). A date input inside its chip counts as the chip, and a
# checkbox as its label (.check, 44 px high).
SMALL_TARGETS = """() => [...document.querySelectorAll('button, select, input:not([type=date]), [role=button], .suggest li')]
  .filter((n) => n.offsetParent !== null)
  .map((n) => { const r = n.getBoundingClientRect(); const label = n.closest('label');
    return { id: n.id || n.name || n.textContent.trim().slice(0, 30), type: n.type, w: r.width, h: r.height,
             label: label ? label.getBoundingClientRect().height : 0 }; })
  .filter((r) => r.h < 44 || r.w < 44)
  .filter((r) => !(r.type === 'checkbox' && r.label >= 44))"""

# Contrast of secondary text against the background behind it (WCAG relative luminance).
LOW_CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (n) => { for (; n; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
  return [...document.querySelectorAll('.summary, .dates, .specs, .company, .rate, .hint, .row span:first-child, .field-error, .errors, .linkish, .link, .secondary')]
    .filter((n) => n.offsetParent !== null && n.textContent.trim())
    .map((n) => { const a = lum(rgb(getComputedStyle(n).color)), b = lum(background(n));
      return { text: n.textContent.trim().slice(0, 30), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) }; })
    .filter((r) => r.ratio < 4.5);
}"""


def test_detail_and_offer_sheet_targets_contrast_grouped_rate_and_one_line_per_field(browser, server, standin):
    cargo = standin[0].dataset.cargos[11]
    page, errors = open_app(browser, server, user_id=9108, start_param=f"c_{cargo['id']}", viewport=(360, 740))
    expect(page.locator("#respond")).to_be_visible(timeout=15000)
    assert page.evaluate(SMALL_TARGETS) == []
    assert page.evaluate(LOW_CONTRAST) == []
    company = page.locator(".row", has_text="Компания").locator("span").nth(1).inner_text()
    assert re.fullmatch(r".+ · ИНН \d{10,12}", company), company  # name and INN, as on the card
    page.click("#respond")
    expect(page.locator("#offer-sheet")).to_be_visible()
    rows = page.locator("#offer-summary .row")
    assert rows.count() >= 4
    labels = rows.locator("span:first-child").all_inner_texts()
    assert labels[0] == "Маршрут" and "Цена в заявке" in labels
    for i in range(rows.count()):  # one line per field
        assert rows.nth(i).bounding_box()["height"] < 2 * 22
    page.fill("#offer-rate", "")
    page.type("#offer-rate", "145000")
    assert page.input_value("#offer-rate") == "145\u00a0000"  # grouped while typing
    assert page.evaluate(SMALL_TARGETS) == []
    assert page.evaluate(LOW_CONTRAST) == []
    screenshot(page, "miniapp-state-offer-sheet", full_page=False)
    assert errors == []
    page.close()


def test_sort_price_max_distance_and_only_with_price(browser, server):
    page, errors = open_app(browser, server, user_id=9109)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    cards = page.locator(".card .company")
    assert all(re.fullmatch(r".+ · ИНН \d{10,12}", text) for text in cards.all_inner_texts())
    page.select_option("#sort-select", "price")  # the list's one order control
    expect(page.locator("#filter-summary")).to_contain_text("сначала дороже")
    page.click("#open-filters")
    page.type("input[name=price_max]", "200000")
    assert page.input_value("input[name=price_max]") == "200\u00a0000"
    page.fill("input[name=distance_min]", "100")
    page.fill("input[name=distance_max]", "1500")
    page.check("input[name=with_price]")
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()
    expect(page.locator("#filter-summary")).to_contain_text("до 200\u202f000\u202f₽")
    expect(page.locator("#filter-summary")).to_contain_text("только с ценой")
    expect(page.locator("#filter-summary")).to_contain_text("сначала дороже")
    expect(page.locator(".card").first).to_be_visible()
    prices = [int(re.sub(r"\D", "", text)) for text in page.locator(".card .price").all_inner_texts()]
    assert prices and prices == sorted(prices, reverse=True) and max(prices) <= 200_000
    distances = [int(re.search(r"(\d[\d\s]*?)\sкм", text).group(1).replace("\u00a0", "").replace(" ", ""))
                 for text in page.locator(".card .specs").all_inner_texts()]
    assert all(100 <= d <= 1500 for d in distances), distances
    screenshot(page, "miniapp-state-sorted", full_page=False)
    assert errors == []
    page.close()
