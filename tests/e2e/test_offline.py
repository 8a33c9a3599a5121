"""Offline (issue 22 §5), in Chromium at 360 px with DevTools' network emulation (`context.set_offline`): the last
list and the loads opened show from the device with their age, a response made offline waits and is sent once
when the network returns, and another driver on the same browser sees nothing of the first."""

from __future__ import annotations

import json
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


def response_actions(server, user_id):
    """What the audit log recorded of the driver's responses (created, updated, …)."""
    audit = httpx.get(f"{server}/api/admin/audit", params={"action": "response.", "actor": f"driver:{user_id}"},
                      headers=api_headers(server, ADMIN)).json()
    return [e["action"] for e in audit["items"]]


def device_keys(page):
    return page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('cto_'))")


def show_list_again(page):
    """Navigate inside the loaded app: the filter sheet's «Показать грузы» asks for the list's first page again."""
    page.click("#open-filters")
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()


def stored_queue(page, user_id):
    return page.evaluate(f"JSON.parse(localStorage.getItem('cto_{user_id}_queue') || '[]')")


def flush(page, user_id):
    """The app's `online` (as the network's return): wait until nothing of the device's queue waits any more.
    (The page runs one bundle: importing /static/js/offlinequeue.js would give another instance of the module.)"""
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert wait_until(lambda: not [i for i in stored_queue(page, user_id) if i["state"] == "waiting"])


def offer(page, rate, phone=None):
    page.click("#respond")
    page.fill("#offer-rate", rate)
    if phone is not None:
        page.fill("#offer-phone", phone)
    page.click("#offer-send")
    expect(page.locator("#offer-sheet")).to_be_hidden()


def watch_toasts(page):
    """Record every text of the toast (it hides itself after two seconds)."""
    page.evaluate("""(() => { const node = document.getElementById('toast'); window.toasts = [];
      new MutationObserver(() => window.toasts.push(node.textContent))
        .observe(node, { childList: true, characterData: true, subtree: true }); })()""")


def open_first_load(page, index=0):
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    card = page.locator(".card").nth(index)
    cargo_id = card.get_attribute("data-id")
    card.click()
    expect(page.locator("#respond")).to_be_visible(timeout=15000)
    return cargo_id


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
    flush(page, 9302)  # nothing waits on the device: nothing more can be sent
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
    assert response_actions(server, 9303) == ["response.created"]
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


def test_a_newer_offer_sent_directly_replaces_the_one_waiting(browser, server, telegram):
    context = browser.new_context()
    held = {"rates": {91000}}  # offers whose tries cannot get through yet

    def network(route):
        body = json.loads(route.request.post_data or "{}")
        if body.get("rate_rub") in held["rates"]:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page, errors = open_in(context, server, 9308, routes=[("**/api/cargos/*/responses", network)])
    open_first_load(page, 1)
    offer(page, "91000")  # A: no network for it, it waits
    expect(page.locator("#my-response .status")).to_have_text("ждёт отправки")
    offer(page, "92000")  # B: goes straight through
    expect(page.locator("#my-response .status")).to_have_text("отправлен")
    held["rates"] = set()
    flush(page, 9308)  # the queue's next send: A must not follow B
    [mine] = responses_on_server(server, 9308)
    assert mine["rate_rub"] == 92000 and mine["status"] == "sent"
    assert response_actions(server, 9308) == ["response.created"]  # no revision back to the older offer
    assert wait_until(lambda: any(f"№{mine['id']}" in m.params["text"] for m in telegram[0].sent("sendMessage", DISPATCH_CHAT)))
    assert not [m for m in telegram[0].sent("sendMessage", DISPATCH_CHAT) if "изменил ставку" in m.params["text"]
                and f"№{mine['id']}" in m.params["text"]]
    assert errors == []
    context.close()


IN_FLIGHT = {"error": {"code": "in_flight", "message": "Этот отклик уже отправляется — подождите немного"}}


def test_a_copy_the_server_is_still_sending_keeps_waiting(browser, server):
    context = browser.new_context()
    network, in_flight = {"now": "down"}, []

    def answer(route):
        if network["now"] == "down":
            route.abort("internetdisconnected")
        elif network["now"] == "in_flight":  # what the server answers while the first try holds the key
            in_flight.append(route.request.headers.get("idempotency-key"))
            route.fulfill(status=409, headers={"Retry-After": "5"}, content_type="application/json", body=json.dumps(IN_FLIGHT))
        else:
            route.continue_()

    page, errors = open_in(context, server, 9309, routes=[("**/api/cargos/*/responses", answer)])
    open_first_load(page, 2)
    offer(page, "87000")
    network["now"] = "in_flight"

    def tried_twice():  # a second try comes only from a later send, after the first answer was taken in
        page.evaluate("window.dispatchEvent(new Event('online'))")
        return len(in_flight) >= 2

    assert wait_until(tried_twice)  # still waiting after an in_flight answer: not «не отправлен»
    assert len(set(in_flight)) == 1  # the same key every time
    [waiting] = stored_queue(page, 9309)
    assert waiting["state"] == "waiting" and not waiting["error"]
    expect(page.locator("#my-response .status")).to_have_text("ждёт отправки")
    network["now"] = "up"
    flush(page, 9309)
    expect(page.locator("#my-response .status")).to_have_text("отправлен")
    assert [r["rate_rub"] for r in responses_on_server(server, 9309)] == [87000]
    assert errors == []
    context.close()


def test_an_offer_older_than_a_day_is_not_sent_and_says_why(browser, server):
    context = browser.new_context()
    page, _ = open_in(context, server, 9313)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    cargo_id = page.locator(".card").nth(1).get_attribute("data-id")
    old = {"key": "0f7a3c1e-7d2b-4b8e-9c55-2a1f0e6d4b31", "cargoId": cargo_id, "body": {"rate_rub": 90000},
           "route": "Москва — Тверь", "at": int(time.time() * 1000) - 25 * 3600 * 1000, "state": "waiting", "error": None}
    page.evaluate("(item) => localStorage.setItem('cto_9313_queue', JSON.stringify([item]))", old)
    page.close()
    page, errors = open_in(context, server, 9313)  # the app starts again: it reads what waits
    line = page.locator(f".card[data-id='{cargo_id}'] .queued-line")
    expect(line).to_have_text("Отклик не отправлен: прошло больше суток — отправьте заново", timeout=15000)
    [kept] = stored_queue(page, 9313)
    assert kept["state"] == "failed"
    assert responses_on_server(server, 9313) == []
    screenshot(page, "offline-too-old-360")
    assert errors == []
    context.close()


def test_the_next_driver_on_the_phone_does_not_get_the_previous_drivers_phone(browser, server):
    context = browser.new_context()
    first, _ = open_in(context, server, 9310)
    open_first_load(first, 3)
    offer(first, "90000", phone="+7 911 222-33-44")
    expect(first.locator("#my-response .status")).to_have_text("отправлен")
    assert wait_until(lambda: "cto_9310_phone" in device_keys(first))
    first.close()

    second, errors = open_in(context, server, 9311)  # the same browser's storage: another driver
    open_first_load(second, 3)
    second.click("#respond")
    expect(second.locator("#offer-phone")).to_have_value("")
    assert wait_until(lambda: not any(k.startswith("cto_9310_") for k in device_keys(second)))
    screenshot(second, "offline-second-driver-offer-360")
    assert errors == []
    context.close()


# the device's storage is full: the queue's write fails while any copy of a load is there (or always)
FULL_STORAGE = """(always) => { const set = Storage.prototype.setItem;
  Storage.prototype.setItem = function (k, v) {
    const details = Object.keys(localStorage).some((key) => key.includes('_d_'));
    if (k.endsWith('_queue') && (always || details)) throw new DOMException('full', 'QuotaExceededError');
    return set.call(this, k, v);
  }; }"""


def test_a_queued_offer_makes_room_from_cached_loads_or_says_it_was_not_kept(browser, server):
    context = browser.new_context()
    offline = ("**/api/cargos/*/responses", lambda r: r.abort("internetdisconnected"))
    page, errors = open_in(context, server, 9312, routes=[offline])
    open_first_load(page, 0)
    page.click("#detail-back")
    open_first_load(page, 1)
    assert wait_until(lambda: len([k for k in device_keys(page) if k.startswith("cto_9312_d_")]) == 2)
    page.evaluate(FULL_STORAGE, False)
    watch_toasts(page)
    offer(page, "86000")
    assert wait_until(lambda: "cto_9312_queue" in device_keys(page))
    assert not [k for k in device_keys(page) if k.startswith("cto_9312_d_")]  # the loads' copies made room
    assert "Нет сети — отклик отправится, когда связь вернётся" in page.evaluate("window.toasts")

    page.evaluate(FULL_STORAGE, True)  # nothing makes room: the driver is told to keep the app open
    offer(page, "85000")
    assert wait_until(lambda: any("не закрывайте приложение до появления связи" in t for t in page.evaluate("window.toasts")))
    expect(page.locator("#my-response .status")).to_have_text("ждёт отправки")  # it waits while the app is open
    assert stored_queue(page, 9312)[0]["body"]["rate_rub"] == 86000  # the device still has the older one
    assert errors == []
    context.close()
