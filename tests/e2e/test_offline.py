"""Offline (issue 22 §5), in Chromium at 360 px with DevTools' network emulation (`context.set_offline`): the last
list and the loads opened show from the device with their age, a response made offline waits and is sent once
when the network returns, and another driver on the same browser sees nothing of the first."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import httpx
from playwright.sync_api import expect

from cargotool.core.drivers.initdata import sign_init_data
from tests.conftest import TEST_BOT_TOKEN
from tests.e2e.conftest import ADMIN, DISPATCH_CHAT, TELEGRAM_STUB, open_app, screenshot

WIDTH, HEIGHT = 360, 780


class _Context:
    """`open_app` opens its page in this browser context (its pages share storage, as on one phone)."""

    def __init__(self, context):
        self.context = context

    def new_page(self, viewport):
        page = self.context.new_page()
        page.set_viewport_size(viewport)
        return page


def open_in(context, server, user_id, **kwargs):
    return open_app(_Context(context), server, user_id=user_id, viewport=(WIDTH, HEIGHT), **kwargs)


def api_headers(server, user_id):
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Пётр"})
    token = httpx.post(f"{server}/api/session", json={"init_data": init_data}).json()["session_token"]
    return {"Authorization": f"Bearer {token}"}


def responses_on_server(server, user_id):
    return httpx.get(f"{server}/api/responses", headers=api_headers(server, user_id)).json()["items"]


def device_keys(page):
    return page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('cto_'))")


def show_list_again(page):
    """Navigate inside the loaded app: the filter sheet's «Показать грузы» asks for the list's first page again."""
    page.click("#open-filters")
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()


def wait_until(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_age_text_is_russian(browser, server):
    page, _ = open_app(browser, server, user_id=9301, viewport=(WIDTH, HEIGHT))
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    texts = page.evaluate("""import("/static/js/format.js").then((f) => {
      const at = Date.parse("2026-12-04T11:05:00Z");  // 14:05 in Moscow
      return [f.savedAgoText(at, at + 40 * 60000), f.savedAgoText(at, at + 20000), f.savedAgoText(at, at + 121 * 60000),
              f.savedAgoText(at, at + 2 * 3600000), f.savedAgoText(at, at + 5 * 3600000), f.savedAgoText(at, at + 11 * 3600000),
              f.plural(21, "отклик", "отклика", "откликов"), f.plural(12, "отклик", "отклика", "откликов")];
    })""")
    assert texts == ["от 14:05 (40 мин назад)", "от 14:05 (только что)", "от 14:05 (2 ч 1 мин назад)",
                     "от 14:05 (2 часа назад)", "от 14:05 (5 часов назад)", "от 04.12 14:05 (11 часов назад)",
                     "отклик", "откликов"]
    page.close()


def test_offline_list_detail_and_a_queued_response_sent_once(browser, server, telegram):
    context = browser.new_context()
    page, errors = open_in(context, server, 9302)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    card = page.locator(".card").nth(2)
    cargo_id = card.get_attribute("data-id")
    route = card.locator(".route").inner_text().split("☆")[0].strip()
    card.click()
    expect(page.locator("#respond")).to_be_visible(timeout=15000)
    expect(page.locator("#detail .contact").first).to_be_visible()
    phone = page.locator("#detail .contact .phone").first.inner_text()
    page.click("#detail-back")
    expect(page.locator("#offline-banner")).to_be_hidden()

    context.set_offline(True)
    show_list_again(page)  # the list's first page again, now from the device
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(page.locator("#offline-banner")).to_have_text(
        re.compile(r"^Нет сети — показаны данные от \d\d:\d\d \((только что|\d+ мин назад)\)$"))
    expect(page.locator(".card")).to_have_count(20)
    page.locator(f".card[data-id='{cargo_id}']").click()
    expect(page.locator("#detail")).to_contain_text(phone)  # the contacts as the driver saw them
    expect(page.locator("#my-response")).to_contain_text("ещё не откликались")
    screenshot(page, "offline-detail-360")

    # a response made offline waits on the device
    page.click("#respond")
    page.fill("#offer-rate", "91000")
    page.fill("#offer-comment", "Без сети, на трассе")
    page.click("#offer-send")
    expect(page.locator("#offer-sheet")).to_be_hidden()
    expect(page.locator("#my-response .status")).to_have_text("ждёт отправки")
    expect(page.locator("#queued-hint")).to_be_visible()
    page.click("#detail-back")
    expect(page.locator(f".card[data-id='{cargo_id}'] .queued-line")).to_have_text("Отклик ждёт отправки")
    page.click("#open-responses")
    expect(page.locator("#responses .card").first).to_contain_text("ждёт отправки")
    expect(page.locator("#responses .card").first).to_contain_text(route)
    screenshot(page, "offline-responses-waiting-360")
    assert responses_on_server(server, 9302) == []

    # the network returns: sent once, and the screen says so
    context.set_offline(False)
    expect(page.locator("#responses .card").first).to_contain_text("отправлен", timeout=15000)
    expect(page.locator("#responses .card").first).not_to_contain_text("ждёт")
    screenshot(page, "offline-responses-sent-360")
    [sent] = responses_on_server(server, 9302)
    assert sent["cargo_id"] == cargo_id and sent["rate_rub"] == 91000 and sent["comment"] == "Без сети, на трассе"
    assert wait_until(lambda: any(cargo_id in m.params["text"] for m in telegram[0].sent("sendMessage", DISPATCH_CHAT)))
    page.evaluate("window.dispatchEvent(new Event('online'))")  # another `online` sends nothing more
    page.click("#responses-back")
    expect(page.locator(f".card[data-id='{cargo_id}'] .queued-line")).to_have_count(0)
    time.sleep(1)
    assert len([m for m in telegram[0].sent("sendMessage", DISPATCH_CHAT) if cargo_id in m.params["text"]]) == 1
    assert len(responses_on_server(server, 9302)) == 1
    assert errors == []
    context.close()


def test_a_try_whose_answer_was_lost_is_not_sent_twice(browser, server):
    context = browser.new_context()
    tries = []

    def lose_first_answer(route):
        answer = route.fetch()  # it reaches the server...
        tries.append(answer.status)
        if len(tries) == 1:
            route.abort("internetdisconnected")  # ...but its answer never comes back
        else:
            route.fulfill(response=answer)

    page, errors = open_in(context, server, 9303, routes=[("**/api/cargos/*/responses", lose_first_answer)])
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.locator(".card").nth(4).click()
    expect(page.locator("#respond")).to_be_visible(timeout=15000)
    page.click("#respond")
    page.fill("#offer-rate", "88000")
    page.click("#offer-send")  # the answer is lost: it waits (and may go at once, if the app's start sends the queue now)
    expect(page.locator("#offer-sheet")).to_be_hidden()
    context.set_offline(True)
    assert wait_until(lambda: page.evaluate("navigator.onLine") is False)
    context.set_offline(False)  # `online`: the queue sends it again, with the same Idempotency-Key
    expect(page.locator("#my-response .status")).to_have_text("отправлен", timeout=15000)
    # the repeat answered as the first try did (201 created); a plain repeat would be a 200 «no change»
    assert tries == [201, 201]
    admin = api_headers(server, ADMIN)
    created = httpx.get(f"{server}/api/admin/audit", params={"action": "response.", "actor": "driver:9303"}, headers=admin).json()
    assert [e["action"] for e in created["items"]] == ["response.created"]
    assert errors == []
    context.close()


def test_another_driver_on_the_same_phone_sees_nothing_of_the_first(browser, server):
    context = browser.new_context()
    first, _ = open_in(context, server, 9304)
    expect(first.locator(".card").first).to_be_visible(timeout=15000)
    first.locator(".card").first.click()
    expect(first.locator("#respond")).to_be_visible(timeout=15000)
    assert wait_until(lambda: any(k.startswith("cto_9304_d_") for k in device_keys(first)))
    first.close()

    second, errors = open_in(context, server, 9305)  # the same browser's storage: another driver's session
    expect(second.locator(".card").first).to_be_visible(timeout=15000)
    assert wait_until(lambda: not any(k.startswith("cto_9304_") for k in device_keys(second)))
    context.set_offline(True)
    second.locator(".card").first.click()  # not opened online by this driver: nothing to show
    expect(second.locator("#detail")).to_contain_text("Нет связи")
    second.click("#detail-back")
    context.set_offline(False)

    # «Удалить мои данные» clears the second driver's copy too
    second.click("#open-settings")
    second.once("dialog", lambda dialog: dialog.accept())
    second.click("#forget-me")
    expect(second.locator("#forget-result")).to_be_visible(timeout=15000)
    assert wait_until(lambda: device_keys(second) in ([], ["cto_users"]))
    screenshot(second, "offline-second-driver-360")
    assert errors == []
    context.close()


def _open_plain(context, server, user_id):
    """Open the app with no request interception (Playwright turns the HTTP cache off for intercepted pages)."""
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Пётр"})
    page = context.new_page()
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0", wait_until="domcontentloaded")
    return page, errors


def test_reopened_without_network_the_app_shows_the_last_list(browser, server):
    context = browser.new_context()
    page, errors = _open_plain(context, server, 9306)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    count = page.locator(".card").count()
    assert wait_until(lambda: "cto_9306_list" in device_keys(page))
    page.close()
    context.set_offline(True)
    # opened again as Telegram opens it: the page and its script come from the browser's cache (kept a day); the
    # login cannot reach the server, so the app starts from the device's copy
    page, errors = _open_plain(context, server, 9306)
    expect(page.locator("#offline-banner")).to_be_visible(timeout=15000)
    expect(page.locator(".card")).to_have_count(count)
    screenshot(page, "offline-reopened-360")
    context.set_offline(False)  # back online: the app starts over and logs in
    expect(page.locator("#offline-banner")).to_be_hidden(timeout=15000)
    expect(page.locator(".card").first).to_be_visible()
    assert errors == []
    context.close()


# Telegram 9.0's DeviceStorage, kept in the page (callbacks as the client calls them: error first)
DEVICE_STORAGE = TELEGRAM_STUB + """
window.deviceData = {};
Telegram.WebApp.isVersionAtLeast = function () { return true; };
Telegram.WebApp.DeviceStorage = {
  setItem: function (k, v, cb) { deviceData[k] = String(v); if (cb) cb(null, true); },
  getItem: function (k, cb) { cb(null, k in deviceData ? deviceData[k] : ""); },
  removeItem: function (k, cb) { delete deviceData[k]; if (cb) cb(null, true); },
  clear: function (cb) { deviceData = {}; if (cb) cb(null, true); }
};
"""


def test_inside_telegram_the_copies_go_to_device_storage(browser, server):
    context = browser.new_context()
    stub = ("https://telegram.org/**", lambda route: route.fulfill(body=DEVICE_STORAGE, content_type="text/javascript"))
    page, errors = open_in(context, server, 9307, telegram="stub", routes=[stub])
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.locator(".card").first.click()
    expect(page.locator("#respond")).to_be_visible(timeout=15000)
    page.click("#detail-back")
    stored = lambda: page.evaluate("Object.keys(window.deviceData)")  # noqa: E731
    assert wait_until(lambda: {"cto_users", "cto_9307_list", "cto_9307_idx"} <= set(stored())
                      and any(k.startswith("cto_9307_d_") for k in stored()))
    assert device_keys(page) == []  # nothing in the browser's storage
    context.set_offline(True)
    show_list_again(page)
    expect(page.locator("#offline-banner")).to_contain_text("Нет сети — показаны данные от")
    expect(page.locator(".card").first).to_be_visible()
    assert errors == []
    context.close()
