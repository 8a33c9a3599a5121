"""End to end (Chromium at 360 px, Telegram's script stubbed): «Маршрут» next to each address on the detail
opens the address's `nav_url` through Telegram's openLink (issue 22 §4)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.e2e.conftest import TELEGRAM_STUB, open_app, screenshot

PHONE = (360, 740)
# the stub's openLink records the links it is given
LINK_STUB = TELEGRAM_STUB + "Telegram.WebApp.openLink = function (url) { telegramCalls.push('openLink:' + url); };"


def stubbed(route):
    route.fulfill(body=LINK_STUB, content_type="text/javascript")


def inside(page, selector: str) -> bool:
    """The element lies within the 360 px viewport and its row (nothing cut off or pushed out)."""
    return page.evaluate("""(sel) => { const b = document.querySelector(sel).getBoundingClientRect();
        const row = document.querySelector(sel).parentElement.getBoundingClientRect();
        return b.left >= row.left - 0.5 && b.right <= row.right + 0.5 && b.right <= window.innerWidth
          && document.documentElement.scrollWidth <= window.innerWidth; }""", selector)


def test_route_buttons_open_the_address_in_yandex_maps(browser, server):
    page, errors = open_app(browser, server, user_id=9401, viewport=PHONE, routes=[("https://telegram.org/**", stubbed)])
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.locator(".card").first.click()
    for button in ("#nav-from", "#nav-to"):
        expect(page.locator(button)).to_be_visible()
        expect(page.locator(button)).to_have_text("Маршрут")
        assert inside(page, button), button
    screenshot(page, "navigation-detail-360")
    page.click("#nav-to")
    opened = [c for c in page.evaluate("window.telegramCalls") if c.startswith("openLink:")]
    assert len(opened) == 1
    url = opened[0].removeprefix("openLink:")
    assert url.startswith("https://yandex.ru/maps/?")
    address = page.locator("#nav-to").locator("xpath=..").locator(".address").inner_text()
    # the stand-in sends no coordinates: a search for the address (which names its city already)
    assert parse_qs(urlsplit(url).query) == {"text": [address]}
    assert not errors
