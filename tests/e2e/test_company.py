"""End to end at 360 px (issue 21 §3): «Компания» on the detail (the register asked at once, through the DaData
stand-in), and on cards a flag only for a company that is wrong or young — healthy cards stay clean."""

from __future__ import annotations


import pytest
import redis as sync_redis
from playwright.sync_api import expect

from cargotool.standin.dataset import COMPANIES
from tests.e2e.conftest import dadata_env, SERVER_PROCESS, open_app, screenshot

VIEWPORT = (360, 740)
URALSNAB = COMPANIES[3]  # liquidating in the stand-in


@pytest.fixture(scope="module")
def e2e_env(dadata):
    return dadata_env(dadata[1])


def _forget_cached_lists() -> None:
    """As after CACHE_LIST_TTL: the next list fetch reads the register answers the detail saved."""
    env = SERVER_PROCESS["env"]
    client = sync_redis.Redis.from_url(env["REDIS_URL"], decode_responses=True)
    keys = list(client.scan_iter(match=f"{env['REDIS_KEY_PREFIX']}cache:list:*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_company_on_the_detail_and_a_flag_on_cards_at_360(browser, server, standin, dadata):
    cargo = next(c for c in standin[0].dataset.cargos if c["company"]["inn"] == URALSNAB["inn"])
    page, errors = open_app(browser, server, user_id=9431, viewport=VIEWPORT, start_param=f"c_{cargo['id']}")
    section = page.locator("#detail-company")
    expect(section).to_be_visible(timeout=15000)
    expect(section).to_contain_text("Компания")
    expect(section).to_contain_text("ликвидируется")
    expect(section).to_contain_text("в реестре экспедиторов с")
    assert dadata[0].calls >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT[0]
    section.scroll_into_view_if_needed()
    screenshot(page, "company-detail-360", full_page=False)
    page.close()

    flag = None
    for _ in range(20):  # the server keeps a list page 2 s in its process: reload until the fresh fetch
        _forget_cached_lists()
        page, errors = open_app(browser, server, user_id=9432, viewport=VIEWPORT, saved_filters={"limit": "50"})
        expect(page.locator(".card").first).to_be_visible(timeout=15000)
        flags = page.locator(".card .company-flag")
        if flags.count():
            flag = flags.first
            break
        page.close()
    assert flag is not None, "no card got the flag"
    expect(flag).to_contain_text("⚠ ликвидируется")
    cards = page.locator(".card").count()
    assert page.locator(".card .company-flag").count() < cards  # healthy (and not yet checked) cards stay clean
    flag.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT[0]
    screenshot(page, "company-cards-360", full_page=False)
    assert not errors
