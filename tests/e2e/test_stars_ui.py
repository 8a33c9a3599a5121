"""Telegram Stars in the Mini App at 360 px (real server process, Bot API stand-in, headless Chromium): the
plans screen offers «⭐ N» beside roubles, the Stars button opens the invoice through
`Telegram.WebApp.openInvoice` (stubbed, as inside Telegram), the payment Telegram reports through the webhook
opens access once the invoice's callback says «paid», and the renewal can be turned off on the same screen.
Without a YooKassa shop, a card payment is refused with a Russian sentence beside the plan tapped."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from cargotool.core.drivers.initdata import sign_init_data
from tests.conftest import TEST_BOT_TOKEN
from tests.e2e.conftest import ADMIN, TELEGRAM_STUB, open_app, screenshot

SLOW = 15000  # ms: the machine is shared
HOOK_SECRET = "e2e-stars-hook-secret"
DRIVER = 9301

# telegram-web-app.js as inside Telegram, with openInvoice recording the link and keeping its callback
STARS_STUB = TELEGRAM_STUB + """
window.Telegram.WebApp.openInvoice = function (url, callback) {
  telegramCalls.push("openInvoice:" + url);
  window.invoiceCallback = callback;
};
"""


@pytest.fixture(scope="module")
def e2e_env():
    # no YooKassa shop: a card payment says so in Russian, next to the plan tapped
    return {"PLANS_STARS": "1m:250,3m:650", "TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET, "YOOKASSA_SHOP_ID": ""}


def invoices_opened(page, count: int) -> list[str]:
    """The invoice links the page passed to openInvoice, once there are `count` (polled: the CSP forbids
    wait_for_function's eval)."""
    deadline = time.monotonic() + SLOW / 1000
    while time.monotonic() < deadline:
        links = [c.split(":", 1)[1] for c in page.evaluate("window.telegramCalls") if c.startswith("openInvoice:")]
        if len(links) >= count:
            return links
        time.sleep(0.1)
    raise AssertionError(f"openInvoice was not called {count} time(s)")


def stub(route):
    route.fulfill(body=STARS_STUB, content_type="text/javascript")


def webhook(server, update):
    answer = httpx.post(server + "/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET})
    assert answer.status_code == 200, answer.text


def renew(server, user_id):
    """The driver turns the Stars renewal on through the API (as the Mini App's toggle does)."""
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Пётр"})
    token = httpx.post(server + "/api/session", json={"init_data": init_data}).json()["session_token"]
    answer = httpx.post(server + "/api/subscription/renewal", json={"enabled": True},
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["renewal"]["enabled"] is True, answer.text


def test_plans_at_360px_pay_in_stars_and_turn_renewal_off(browser, server, telegram):
    bot = telegram[0]
    page, errors = open_app(browser, server, user_id=DRIVER, viewport=(360, 740), telegram="stub",
                            routes=[("https://telegram.org/**", stub)])
    try:
        expect(page.locator("#open-plans")).to_be_visible(timeout=SLOW)
        page.click("#open-plans")
        monthly = page.locator("#plans .plan[data-plan='1m']")
        expect(monthly.locator(".pay-stars")).to_have_text("⭐ 250", timeout=SLOW)
        expect(monthly.locator(".pay-rub")).to_be_visible()
        expect(page.locator("#plans .plan[data-plan='6m'] .pay-stars")).to_have_count(0)  # no Stars price for it
        for card in page.locator("#plans .plan").all():  # both prices fit beside the title at 360 px
            box, buttons = card.bounding_box(), card.locator(".plan-pay").bounding_box()
            assert buttons["x"] + buttons["width"] <= box["x"] + box["width"] + 0.5
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "stars-plans-360")
        page.locator("#plans .plan[data-plan='6m'] .pay-rub").click()
        expect(page.locator("#plans .plan[data-plan='6m'] .plan-note")).to_have_text(
            "Оплата картой сейчас недоступна. Напишите в поддержку: /paysupport", timeout=SLOW)

        monthly.locator(".pay-stars").click()
        [link] = invoices_opened(page, 1)
        assert bot.invoices[link]["subscription_period"] == 2592000
        webhook(server, bot.pre_checkout_update(link, DRIVER))  # Telegram asks, the server answers at once
        assert bot.sent("answerPreCheckoutQuery")[-1].params["ok"] is True
        webhook(server, bot.payment_update(link, DRIVER))
        page.evaluate("window.invoiceCallback('paid')")
        expect(monthly.locator(".plan-note")).to_contain_text("Оплата получена", timeout=SLOW)
        expect(page.locator("#subscription-status")).to_contain_text("Подписка активна до", timeout=SLOW)
        expect(page.locator("#renewal-text")).to_contain_text("Автопродление звёздами включено: ⭐ 250", timeout=SLOW)

        page.click("#renewal-toggle")
        expect(page.locator("#renewal-text")).to_contain_text("Автопродление выключено", timeout=SLOW)
        expect(page.locator("#renewal-toggle")).to_have_text("Включить автопродление")
        assert bot.sent("editUserStarSubscription")[-1].params["is_canceled"] is True
        screenshot(page, "stars-renewal-off-360")

        page.locator("#plans .plan[data-plan='3m'] .pay-stars").click()  # a cancelled invoice says so beside its plan
        invoices_opened(page, 2)
        page.evaluate("window.invoiceCallback('cancelled')")
        expect(page.locator("#plans .plan[data-plan='3m'] .plan-note")).to_have_text("Оплата отменена.", timeout=SLOW)
        assert errors == []
    finally:
        page.close()


def test_the_admin_sees_stars_beside_roubles_and_refunds_stars_whole(browser, server, telegram):
    """Runs after the payment above (same module server)."""
    bot = telegram[0]
    page, errors = open_app(browser, server, user_id=ADMIN, viewport=(360, 740))
    try:
        expect(page.locator("#open-admin")).to_be_visible(timeout=SLOW)
        page.click("#open-admin")
        expect(page.locator("#payment-totals")).to_contain_text("звёздами ⭐ 250", timeout=SLOW)
        row = page.locator("#admin-body .admin-row[data-method='stars']", has_text="тариф «1 месяц»")
        expect(row).to_contain_text("⭐ 250 · звёзды · оплачен", timeout=SLOW)
        expect(row).to_contain_text("Telegram: stx", timeout=SLOW)
        row.locator("summary").click()
        expect(row.get_by_label("Сумма возврата, ₽")).to_have_count(0)  # Stars go back whole
        renew(server, DRIVER)  # the driver turned renewal back on; Telegram will not accept turning it off once
        bot.fail_next("editUserStarSubscription", 400)
        row.get_by_label("Причина возврата").fill("водитель передумал")
        row.locator("button[type=submit]").click()
        expect(row.locator(".summary")).to_contain_text("Звёзды возвращены: ⭐ 250", timeout=SLOW)
        expect(row.locator(".summary")).to_contain_text("Автопродление подписки не отключено", timeout=SLOW)
        assert [c.params["user_id"] for c in bot.sent("refundStarPayment")] == [DRIVER]
        row.locator("button[type=submit]").click()  # the form stays: sending it again turns the renewal off
        expect(row.locator(".summary")).to_contain_text("Эти звёзды уже возвращены (⭐ 250). Автопродление отключено",
                                                        timeout=SLOW)
        assert bot.sent("editUserStarSubscription")[-1].params["is_canceled"] is True
        assert len(bot.sent("refundStarPayment")) == 1
        expect(page.locator("#admin-body .admin-row[data-method='stars']", has_text="тариф «1 месяц»")).to_contain_text(
            "возвращено целиком", timeout=SLOW)
        screenshot(page, "stars-admin-360")
        assert errors == []
    finally:
        page.close()
