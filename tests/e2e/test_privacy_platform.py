"""The Mini App's privacy screens and Telegram platform features at 360 px (issue 19, items 2 and 3): vertical
swipes off on the list and on elsewhere, DeviceStorage read back, showConfirm/showPopup instead of confirm(),
sharing a load through shareMessage with the id the server got from the bot, the home-screen offer shown once,
the consent prompt before the first position, and «Удалить мои данные».

Telegram's script is a richer stub than conftest's TELEGRAM_STUB: version 9.0 with the methods these features use,
each recording its call in `telegramCalls`; DeviceStorage is kept in the page's sessionStorage so it outlives a
reload (as Telegram's does), and answers to dialogs come from `window.stubAnswers`."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
from playwright.sync_api import expect

from cargotool.core.drivers.initdata import sign_init_data
from tests.conftest import TEST_BOT_TOKEN
from tests.e2e.conftest import screenshot

VIEWPORT = {"width": 360, "height": 740}
KAZAN = (55.7961, 49.1064)

PLATFORM_STUB = """
window.telegramCalls = [];
window.stubAnswers = Object.assign({ confirm: true, popup: "delete", share: true, home: "missed" }, window.stubAnswers || {});
window.Telegram = { WebApp: (function () {
  function call(name) { telegramCalls.push(name); }
  function button(name) {
    return { show: function () { call(name + ".show"); }, hide: function () { call(name + ".hide"); },
      onClick: function () {}, setText: function (t) { call(name + ".setText:" + t); } };
  }
  var noop = function () {};
  function stored() { return JSON.parse(sessionStorage.getItem("stub.device") || "{}"); }
  return { initData: new URLSearchParams(location.hash.slice(1)).get("tgWebAppData") || "", version: "9.0",
    isVersionAtLeast: function (v) { return parseFloat(v) <= 9.0; },
    ready: function () { call("ready"); }, expand: noop, BackButton: button("BackButton"), MainButton: button("MainButton"),
    HapticFeedback: { impactOccurred: noop, selectionChanged: noop, notificationOccurred: noop }, openLink: function (u) { call("openLink:" + u); },
    enableClosingConfirmation: noop, disableClosingConfirmation: noop, onEvent: noop,
    disableVerticalSwipes: function () { call("disableVerticalSwipes"); },
    enableVerticalSwipes: function () { call("enableVerticalSwipes"); },
    showConfirm: function (text, cb) { call("showConfirm:" + text); setTimeout(function () { cb(stubAnswers.confirm); }, 0); },
    showPopup: function (params, cb) { call("showPopup:" + params.title); setTimeout(function () { cb(stubAnswers.popup); }, 0); },
    shareMessage: function (id, cb) { call("shareMessage:" + id); setTimeout(function () { cb(stubAnswers.share); }, 0); },
    checkHomeScreenStatus: function (cb) { call("checkHomeScreenStatus"); setTimeout(function () { cb(stubAnswers.home); }, 0); },
    addToHomeScreen: function () { call("addToHomeScreen"); },
    DeviceStorage: {
      setItem: function (k, v, cb) { var s = stored(); s[k] = v; sessionStorage.setItem("stub.device", JSON.stringify(s)); call("DeviceStorage.setItem:" + k); if (cb) cb(null, true); },
      getItem: function (k, cb) { call("DeviceStorage.getItem:" + k); var v = stored()[k]; setTimeout(function () { cb(null, v === undefined ? "" : v); }, 0); },
      removeItem: function (k, cb) { var s = stored(); delete s[k]; sessionStorage.setItem("stub.device", JSON.stringify(s)); call("DeviceStorage.removeItem:" + k); if (cb) cb(null, true); },
      clear: function (cb) { sessionStorage.removeItem("stub.device"); if (cb) cb(null, true); } } };
})() };
"""


def open_page(browser, server, user_id, *, telegram=True, device=None, answers=None, geolocation=False, path="/"):
    """A 360 px page of the Mini App in its own browser context; `device` seeds DeviceStorage."""
    options = {"viewport": VIEWPORT}
    if geolocation:
        options.update(geolocation={"latitude": KAZAN[0], "longitude": KAZAN[1]}, permissions=["geolocation"])
    context = browser.new_context(**options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append("browser dialog: " + dialog.message), dialog.dismiss()))
    if device:
        page.add_init_script(f"if (!sessionStorage.getItem('stub.device')) sessionStorage.setItem('stub.device', {json.dumps(json.dumps(device))})")
    if answers:
        page.add_init_script(f"window.stubAnswers = {json.dumps(answers)}")
    if telegram:
        page.route("https://telegram.org/**", lambda route: route.fulfill(body=PLATFORM_STUB, content_type="text/javascript"))
    else:
        page.route("https://telegram.org/**", lambda route: route.abort())
    init = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Пётр", "username": "petr"})
    page.goto(f"{server}{path}#tgWebAppData={quote(init, safe='')}&tgWebAppVersion=9.0&tgWebAppPlatform=android", wait_until="load")
    return page, errors


def calls(page, prefix=""):
    return [c for c in page.evaluate("window.telegramCalls || []") if c.startswith(prefix)]


def swipes(page):
    return [c for c in calls(page) if c.endswith("VerticalSwipes")]


def test_vertical_swipes_are_off_on_the_list_and_on_elsewhere(browser, server):
    page, errors = open_page(browser, server, 9501)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    assert swipes(page)[-1] == "disableVerticalSwipes"  # the list can be pulled: Telegram must not close the app
    page.locator(".card").first.click()
    expect(page.locator("#screen-detail")).to_be_visible()
    page.wait_for_function("() => telegramCalls.filter(c => c.endsWith('VerticalSwipes')).pop() === 'enableVerticalSwipes'")
    page.click("#detail-back")
    page.wait_for_function("() => telegramCalls.filter(c => c.endsWith('VerticalSwipes')).pop() === 'disableVerticalSwipes'")
    page.click("#open-settings")
    expect(page.locator("#screen-settings")).to_be_visible()
    page.wait_for_function("() => telegramCalls.filter(c => c.endsWith('VerticalSwipes')).pop() === 'enableVerticalSwipes'")
    assert errors == []


def test_filters_kept_in_device_storage_are_read_back(browser, server):
    saved = json.dumps({"filters": {"from": "3"}, "names": {"from": "Казань"}})
    page, errors = open_page(browser, server, 9502, device={"filters": saved})
    expect(page.locator("#filter-summary")).to_contain_text("Казань", timeout=15000)
    # the restored filters are what the list asks for
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('/api/cargos?')"
                           " && e.name.includes('from=3'))", timeout=15000)
    assert "DeviceStorage.getItem:filters" in calls(page)
    assert json.loads(page.evaluate("localStorage.getItem('cargotool.filters.9502')"))["filters"] == {"from": "3"}
    assert errors == []


def test_closing_a_started_offer_asks_with_show_confirm_not_the_browsers_confirm(browser, server):
    page, errors = open_page(browser, server, 9503, answers={"confirm": False})
    page.locator(".card").first.click()
    page.click("#respond")
    page.fill("#offer-rate", "123 000")
    page.click("#close-offer")
    page.wait_for_function("() => telegramCalls.some(c => c.startsWith('showConfirm:'))")
    assert calls(page, "showConfirm:") == ["showConfirm:Закрыть без отправки отклика?"]
    expect(page.locator("#offer-sheet")).to_be_visible()  # «Отмена»: the offer stays open
    page.evaluate("stubAnswers.confirm = true")
    page.click("#close-offer")
    expect(page.locator("#offer-sheet")).to_be_hidden()
    assert errors == []  # no browser dialog was opened


def test_share_sends_the_prepared_message_the_server_got_from_the_bot(browser, server, telegram):
    page, errors = open_page(browser, server, 9504)
    card = page.locator(".card").first
    cargo_id = card.get_attribute("data-id", timeout=15000)
    card.click()
    page.click("#share-load")
    page.wait_for_function("() => telegramCalls.some(c => c.startsWith('shareMessage:'))")
    [shared] = calls(page, "shareMessage:")
    prepared = [c for c in telegram[0].sent("savePreparedInlineMessage") if c.params["user_id"] == 9504]
    assert len(prepared) == 1 and f"c_{cargo_id}" in json.dumps(prepared[0].params["result"])
    assert re.fullmatch(r"shareMessage:prepared-\d+", shared)
    expect(page.locator("#toast")).to_have_text("Груз отправлен")
    screenshot(page, "privacy-share-360", full_page=False)
    assert errors == []


def test_share_is_not_offered_outside_telegram(browser, server):
    page, errors = open_page(browser, server, 9505, telegram=False)
    page.locator(".card").first.click()
    expect(page.locator("#detail .route")).to_be_visible()
    expect(page.locator("#share-load")).to_have_count(0)


def test_the_home_screen_offer_comes_once_after_a_few_visits_and_never_again(browser, server):
    page, errors = open_page(browser, server, 9506)
    for visit in (1, 2):
        page.wait_for_function(f"() => JSON.parse(localStorage.getItem('cargotool.home.9506') || '{{}}').visits === {visit}", timeout=15000)
        expect(page.locator("#home-offer")).to_have_count(0)
        page.reload()
    expect(page.locator("#home-offer")).to_be_visible(timeout=15000)  # the third visit
    assert calls(page, "checkHomeScreenStatus") == ["checkHomeScreenStatus"]
    screenshot(page, "privacy-home-offer-360", full_page=False)
    page.click("#home-dismiss")
    expect(page.locator("#home-offer")).to_have_count(0)
    for visit in (4, 5):
        page.reload()
        page.wait_for_function(f"() => JSON.parse(localStorage.getItem('cargotool.home.9506') || '{{}}').visits === {visit}", timeout=15000)
        expect(page.locator("#home-offer")).to_have_count(0)
        assert calls(page, "checkHomeScreenStatus") == []  # not even asked again
    assert errors == []


def test_the_home_screen_offer_is_not_made_when_the_shortcut_is_there(browser, server):
    page, errors = open_page(browser, server, 9507, answers={"home": "added"}, device={"home": json.dumps({"visits": 5})})
    page.wait_for_function("() => (JSON.parse(localStorage.getItem('cargotool.home.9507') || '{}').done) === 'added'", timeout=15000)
    expect(page.locator("#home-offer")).to_have_count(0)
    assert "addToHomeScreen" not in calls(page)
    page.reload()
    page.wait_for_function("() => JSON.parse(localStorage.getItem('cargotool.home.9507') || '{}').visits === 7", timeout=15000)
    assert calls(page, "checkHomeScreenStatus") == []


def test_the_consent_prompt_comes_before_the_first_position(browser, server):
    page, errors = open_page(browser, server, 9508, telegram=False, geolocation=True)
    sent = []
    page.on("request", lambda r: sent.append((r.method, r.url.split("/api/", 1)[-1])) if "/api/me/" in r.url else None)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#position-button")
    consent = page.locator("#position-consent")
    expect(consent).to_be_visible()
    expect(page.locator("#position-reason")).to_contain_text("порожняком")  # what it is for
    expect(consent.locator("a.policy-link")).to_have_attribute("href", "/privacy")
    box = consent.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"]
    screenshot(page, "privacy-consent-360", full_page=False)
    page.click("#locate")
    expect(page.locator("#position-sheet")).to_be_hidden()
    expect(page.locator("#position-button")).to_have_text("📍 по геопозиции")
    writes = [entry for entry in sent if entry[0] == "PUT"]
    assert writes[:2] == [("PUT", "me/consent"), ("PUT", "me/position")]  # the answer first, then the position
    page.click("#position-button")
    expect(consent).to_be_hidden()  # asked once
    assert errors == []


def test_declining_keeps_the_position_unused(browser, server):
    page, errors = open_page(browser, server, 9509, telegram=False)
    page.click("#position-button")
    page.click("#position-decline")
    expect(page.locator("#position-sheet")).to_be_hidden()
    expect(page.locator("#position-button")).to_have_text("📍 Где вы?")
    init = sign_init_data(TEST_BOT_TOKEN, {"id": 9509, "first_name": "Пётр"})
    token = httpx.post(f"{server}/api/session", json={"init_data": init}).json()["session_token"]
    answer = httpx.get(f"{server}/api/me/consent", headers={"Authorization": f"Bearer {token}"}).json()
    assert answer["position"]["answer"]["answer"] is False and answer["position"]["answer"]["at"]


def test_settings_link_the_policy_and_forget_me_says_what_stays(browser, server):
    page, errors = open_page(browser, server, 9510)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#open-settings")
    expect(page.locator("#screen-settings")).to_be_visible()
    page.click("#settings-privacy")
    page.wait_for_function("() => telegramCalls.some(c => c.startsWith('openLink:'))")
    assert calls(page, "openLink:") == [f"openLink:{server}/privacy"]
    page.click("#forget-me")
    expect(page.locator("#forget-result")).to_be_visible()
    assert calls(page, "showPopup:") == ["showPopup:Удалить мои данные?"]
    expect(page.locator("#forget-kept")).to_contain_text("402-ФЗ")
    expect(page.locator("#forget-result")).to_contain_text("Ваши данные удалены")
    screenshot(page, "privacy-forget-360")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"]  # nothing sticks out at 360 px
    assert errors == []


def test_the_plans_screen_links_the_policy(browser, server):
    page, errors = open_page(browser, server, 9511, path="/?screen=plans")
    expect(page.locator("#screen-plans")).to_be_visible(timeout=15000)
    expect(page.locator("#plans-privacy")).to_have_attribute("href", "/privacy")
    page.goto(f"{server}/privacy")  # the page itself reads at 360 px: nothing wider than the screen
    expect(page.locator("h1")).to_have_text("Политика конфиденциальности")
    expect(page.locator("#data-payments")).to_contain_text("402-ФЗ")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    screenshot(page, "privacy-policy-360", full_page=False)
    assert errors == []


def _api_token(server, user_id):
    init = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Пётр"})
    return httpx.post(f"{server}/api/session", json={"init_data": init}).json()["session_token"]


def _stored(server, token):
    """The driver's position and latest «position» answer as the server has them."""
    headers = {"Authorization": f"Bearer {token}"}
    position = httpx.get(f"{server}/api/me/insights", headers=headers).json()["position"]
    answer = httpx.get(f"{server}/api/me/consent", headers=headers).json()["position"]["answer"]
    return position, answer["answer"] if answer else None


def _locate_with_consent(page, sent):
    """Open the sheet, see the consent block, choose the device position: the «yes» goes first, then the position."""
    page.click("#position-button")
    expect(page.locator("#position-consent")).to_be_visible()
    sent.clear()
    page.click("#locate")
    expect(page.locator("#position-sheet")).to_be_hidden()
    expect(page.locator("#position-button")).to_have_text("📍 по геопозиции")
    assert [entry for entry in sent if entry[0] == "PUT"] == [("PUT", "me/consent"), ("PUT", "me/position")]


def test_forgetting_the_position_asks_for_consent_again_before_the_next_one(browser, server):
    page, errors = open_page(browser, server, 9512, telegram=False, geolocation=True)
    sent = []
    page.on("request", lambda r: sent.append((r.method, r.url.split("/api/", 1)[-1])) if "/api/me/" in r.url else None)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    _locate_with_consent(page, sent)
    page.click("#position-button")
    page.click("#forget-position")
    expect(page.locator("#position-sheet")).to_be_hidden()
    expect(page.locator("#position-button")).to_have_text("📍 Где вы?")
    token = _api_token(server, 9512)
    assert _stored(server, token) == (None, False)  # the server withdrew the «yes» with the position
    _locate_with_consent(page, sent)  # asked again in the same session, and the position is stored
    position, answer = _stored(server, token)
    assert position is not None and answer is True
    assert errors == []


def test_a_consent_withdrawn_outside_the_app_is_asked_for_again_not_shown_as_an_error(browser, server):
    page, errors = open_page(browser, server, 9513, telegram=False, geolocation=True)
    sent = []
    page.on("request", lambda r: sent.append((r.method, r.url.split("/api/", 1)[-1])) if "/api/me/" in r.url else None)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    _locate_with_consent(page, sent)
    token = _api_token(server, 9513)  # what /forget_location in the bot does, while the app stays open
    assert httpx.delete(f"{server}/api/me/position", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page.click("#position-button")
    expect(page.locator("#position-consent")).to_be_hidden()  # the page still believes in the old «yes»
    page.click("#locate")
    expect(page.locator("#position-consent")).to_be_visible()  # the refusal brings the question back
    expect(page.locator("#position-error")).to_contain_text("Выберите его ещё раз")
    expect(page.locator("#position-error")).not_to_contain_text("Сначала разрешите")
    screenshot(page, "privacy-consent-again-360", full_page=False)
    assert _stored(server, token) == (None, False)  # nothing was agreed to behind the driver's back
    sent.clear()
    page.click("#locate")  # the driver's answer: the «yes» first, then the position
    expect(page.locator("#position-sheet")).to_be_hidden()
    assert [entry for entry in sent if entry[0] == "PUT"] == [("PUT", "me/consent"), ("PUT", "me/position")]
    position, answer = _stored(server, token)
    assert position is not None and answer is True
    assert errors == []
