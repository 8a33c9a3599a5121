"""End to end (Chromium at 360 px, Telegram's script stubbed): the Mini App asks Telegram's requestWriteAccess
before it turns alerts on when the launch data lacks `allows_write_to_pm`, and while the server knows the bot
cannot write (a real 403 from the Bot API stand-in) it says so on «Мои поиски» and under «Мой отклик», with a
button that asks again and clears the server's mark."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
from playwright.sync_api import expect

from cargotool.core.drivers.initdata import sign_init_data
from tests.conftest import TEST_BOT_TOKEN
from tests.e2e.conftest import TELEGRAM_STUB, open_app, screenshot

PHONE = (360, 740)
BANNER = "Бот не может вам писать — уведомления не придут"

# Telegram 8.0 as the stub says, plus requestWriteAccess (granted) and a record of the page's API writes, in
# one list, so the test sees which came first.
REACH_STUB = TELEGRAM_STUB + """
Telegram.WebApp.isVersionAtLeast = function (version) { return parseFloat(version) <= 8.0; };
Telegram.WebApp.requestWriteAccess = function (callback) {
  telegramCalls.push("requestWriteAccess");
  setTimeout(function () { callback(true); }, 0);
};
(function () {
  var original = window.fetch;
  window.fetch = function (url, init) {
    if (init && init.method) telegramCalls.push("fetch:" + init.method + " " + url);
    return original.apply(this, arguments);
  };
})();
"""


def stubbed(route):
    route.fulfill(body=REACH_STUB, content_type="text/javascript")


def calls(page):
    return page.evaluate("window.telegramCalls")


def wait_for(check, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


def test_write_access_is_asked_before_alerts_are_turned_on(browser, server):
    page, errors = open_app(browser, server, user_id=9301, viewport=PHONE, routes=[("https://telegram.org/**", stubbed)])
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#watch-search")
    expect(page.locator("#search-alerts")).to_be_checked()
    asked = []
    # no filters at all: alerts would come for every new load, so the driver is asked first; «Отмена» keeps the sheet
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#search-save")
    expect(page.locator("#search-errors")).to_have_text("Выберите в фильтрах хотя бы «Откуда» или выключите уведомления")
    assert "каждый новый груз" in asked[0]
    assert "requestWriteAccess" not in calls(page) and "fetch:POST /api/searches" not in calls(page)
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#search-save")
    expect(page.locator("#toast")).to_contain_text("Поиск сохранён")
    assert len(asked) == 2
    made = calls(page)
    assert "requestWriteAccess" in made and "fetch:POST /api/searches" in made
    assert made.index("requestWriteAccess") < made.index("fetch:POST /api/searches")
    assert "fetch:POST /api/me/bot-access" in made  # the grant is reported
    page.click("#open-searches")
    expect(page.locator("#searches .card")).to_have_count(1)
    page.locator("#searches [data-action=toggle]").click()  # pause, then on again: asked once a session
    expect(page.locator("#searches .card.paused")).to_have_count(1)
    page.locator("#searches [data-action=toggle]").click()
    expect(page.locator("#searches .card.paused")).to_have_count(0)
    assert calls(page).count("requestWriteAccess") == 1
    assert errors == []


def test_a_driver_the_bot_cannot_reach_sees_it_and_can_allow_again(browser, server, standin, telegram):
    standin, telegram = standin[0], telegram[0]
    driver = 9302
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": driver, "first_name": "Пётр"})
    token = httpx.post(f"{server}/api/session", json={"init_data": init_data}).json()["session_token"]
    headers = {"Authorization": f"Bearer {token}"}
    cargo_id = str(standin.dataset.cargos[0]["id"])
    assert httpx.post(f"{server}/api/cargos/{cargo_id}/responses", json={"rate_rub": 90000}, headers=headers).status_code == 201

    telegram.blocked_chats.add(driver)  # Telegram refuses the bot's messages to this driver: a real 403
    assert httpx.post(f"{server}/api/cargos/{cargo_id}/contact-to-chat", headers=headers).status_code == 202
    access = lambda: httpx.get(f"{server}/api/me/bot-access", headers=headers).json()["bot_can_write"]  # noqa: E731
    wait_for(lambda: access() is False, "the outbox's 403 marks the driver")
    telegram.blocked_chats.discard(driver)  # what the driver's «Разрешить» will change

    page, errors = open_app(browser, server, user_id=driver, viewport=PHONE, path=f"/?load={cargo_id}",
                            routes=[("https://telegram.org/**", stubbed)])
    after_response = page.locator("#my-response .reach-banner")
    expect(after_response).to_contain_text(BANNER, timeout=15000)
    expect(after_response.locator(".reach-ask")).to_have_text("Разрешить")
    after_response.scroll_into_view_if_needed()
    screenshot(page, "miniapp-reach-response", full_page=False)
    page.click("#detail-back")

    page.click("#open-searches")
    banner = page.locator("#searches-reach .reach-banner")
    expect(banner).to_contain_text(BANNER)
    box = banner.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]  # fits the phone's width
    screenshot(page, "miniapp-reach-searches", full_page=False)
    assert "requestWriteAccess" not in calls(page)
    banner.locator(".reach-ask").click()
    expect(banner).to_have_count(0)
    assert calls(page).count("requestWriteAccess") == 1
    wait_for(lambda: access() is True, "the grant reaches the server")
    assert errors == []


def test_no_question_when_the_launch_data_allows_writing(browser, server):
    page, errors = open_app(browser, server, user_id=9303, viewport=PHONE, routes=[("https://telegram.org/**", stubbed)])
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": 9303, "first_name": "Пётр", "allows_write_to_pm": True})
    page.goto(f"{server}/?again=1#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web")
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#watch-search")
    page.once("dialog", lambda dialog: dialog.accept())  # «every new load?» (no filters)
    page.click("#search-save")
    expect(page.locator("#toast")).to_contain_text("Поиск сохранён")
    made = calls(page)
    assert "fetch:POST /api/searches" in made and "requestWriteAccess" not in made
    assert errors == []


def test_write_access_is_asked_before_the_first_response(browser, server, standin):
    cargo_id = str(standin[0].dataset.cargos[1]["id"])
    page, errors = open_app(browser, server, user_id=9304, viewport=PHONE, path=f"/?load={cargo_id}",
                            routes=[("https://telegram.org/**", stubbed)])
    page.locator("#respond").click(timeout=15000)
    for typed, said in (("abc", "целым числом рублей"), ("50", "Ставка от 100 до 50 000 000 ₽")):
        page.fill("#offer-rate", typed)
        page.click("#offer-send")
        expect(page.locator("#offer-errors")).to_contain_text(said)  # said in the browser ...
        assert "requestWriteAccess" not in calls(page)  # ... before the write-access question
    page.fill("#offer-rate", "95000")
    expect(page.locator("#offer-errors")).to_be_hidden()  # a valid rate clears the complaint as it is typed
    assert page.get_attribute("#offer-rate", "aria-invalid") is None
    page.click("#offer-send")
    expect(page.locator("#toast")).to_contain_text("Отклик отправлен")
    made = calls(page)
    sent = f"fetch:POST /api/cargos/{cargo_id}/responses"
    assert "requestWriteAccess" in made and sent in made
    assert made.index("requestWriteAccess") < made.index(sent)
    expect(page.locator("#my-response .reach-banner")).to_have_count(0)  # the server can write: no banner
    assert errors == []
