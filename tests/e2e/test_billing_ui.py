"""Money in the Mini App, end to end (real server process, YooKassa stand-in, headless Chromium): the paywall
is said before a driver types an offer, a typed offer survives a 402, the plans screen returns to the load
(by «Назад» and after paying), receipts ask for an e-mail or phone when they are on, and the admin screen
reads in Russian words with labelled forms (refunds included)."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, cli, open_app, screenshot

FLAG_CACHE_SECONDS = 5.2  # the server reads flags through a 5-second cache
SLOW = 15000  # ms: the machine is shared, a screen may take a while to appear


@pytest.fixture(scope="module")
def e2e_env():
    return {"YOOKASSA_RECEIPT": "on"}


def set_paywall(value: str) -> None:
    result = cli("flags", "set", "paywall", value)
    assert result.returncode == 0, result.stderr
    time.sleep(FLAG_CACHE_SECONDS)


def test_a_typed_offer_survives_a_402_and_comes_back(browser, server, standin):
    cargo = standin[0].dataset.cargos[31]
    page, errors = open_app(browser, server, user_id=9102, start_param=f"c_{cargo['id']}")
    try:
        expect(page.locator("#respond")).to_have_text("Откликнуться", timeout=SLOW)  # paywall off when the page opened
        page.click("#respond")
        page.fill("#offer-rate", "55555")
        page.fill("#offer-comment", "Жду звонка")
        set_paywall("on")  # ... and on by the time the driver sends
        page.click("#offer-send")
        expect(page.locator("#screen-plans")).to_be_visible(timeout=SLOW)
        expect(page.locator("#plans .plan")).to_have_count(4, timeout=SLOW)
        page.click("#plans-back")  # back to the load, which now says a subscription is needed
        expect(page.locator("#screen-detail")).to_be_visible(timeout=SLOW)
        expect(page.locator("#respond-paywall")).to_be_visible(timeout=SLOW)
        expect(page.locator("#offer-sheet")).to_be_hidden(timeout=SLOW)
        granted = cli("subs", "grant", "9102", "--days", "1", "--reason", "e2e")
        assert granted.returncode == 0, granted.stderr
        page.click("#respond")  # subscribed now: the offer opens as it was typed
        expect(page.locator("#offer-sheet")).to_be_visible(timeout=SLOW)
        assert page.input_value("#offer-rate") == "55\u00a0555" and page.input_value("#offer-comment") == "Жду звонка"
        page.click("#offer-send")
        expect(page.locator("#offer-sheet")).to_be_hidden(timeout=SLOW)
        expect(page.locator("#my-response")).to_contain_text("отправлен", timeout=SLOW)
        assert errors == []
    finally:
        page.close()


def test_paywall_before_typing_receipt_contact_and_back_to_the_load(browser, server, standin, yookassa):
    cargo = standin[0].dataset.cargos[30]
    page, errors = open_app(browser, server, user_id=9101, start_param=f"c_{cargo['id']}")
    try:
        expect(page.locator("#respond-paywall")).to_be_visible(timeout=SLOW)  # said before anything is typed
        expect(page.locator("#respond")).to_have_text("Оформить подписку", timeout=SLOW)
        page.click("#respond")
        expect(page.locator("#screen-plans")).to_be_visible(timeout=SLOW)
        expect(page.locator("#offer-sheet")).to_be_hidden(timeout=SLOW)
        page.click("#plans-back")
        expect(page.locator("#screen-detail")).to_be_visible(timeout=SLOW)  # «Назад» returns to the load, not the list
        expect(page.locator("#respond-paywall")).to_be_visible(timeout=SLOW)

        page.click("#respond")
        expect(page.locator("#receipt-box")).to_be_visible(timeout=SLOW)
        expect(page.locator("#plans .plan")).to_have_count(4, timeout=SLOW)
        page.locator("#plans .plan[data-plan='1m'] button").click()  # no contact yet: asked, nothing created
        expect(page.locator("#receipt-error")).to_contain_text("e-mail или телефон", timeout=SLOW)
        assert yookassa[0].creates == 0
        page.fill("#receipt-contact", "+7 900 12")
        page.locator("#plans .plan[data-plan='1m'] button").click()
        expect(page.locator("#receipt-error")).to_contain_text("Номер с кодом страны", timeout=SLOW)
        page.fill("#receipt-contact", "8 (900) 123-45-67")
        page.context.route("https://yoomoney.ru/**", lambda route: route.fulfill(body="ЮKassa", content_type="text/html"))
        with page.context.expect_page() as popup:
            page.locator("#plans .plan[data-plan='1m'] button").click()
        popup.value.close()
        assert yookassa[0].last_params["receipt"]["customer"] == {"phone": "79001234567"}
        screenshot(page, "billing-receipt-contact")
        [payment] = [p for p in yookassa[0].payments.values() if p["metadata"]["driver_id"] == "9101"]
        yookassa[0].succeed(payment["id"])
        answer = httpx.post(server + "/webhooks/yookassa", json=yookassa[0].notification("payment.succeeded", payment["id"]),
                            headers={"X-Forwarded-For": "185.71.76.5"})
        assert answer.json()["applied"] is True
        expect(page.locator("#screen-detail")).to_be_visible(timeout=SLOW)  # back at the load after paying
        expect(page.locator("#respond")).to_have_text("Откликнуться", timeout=SLOW)
        expect(page.locator("#respond-paywall")).to_have_count(0, timeout=SLOW)
        assert errors == []
    finally:
        page.close()

    again, errors = open_app(browser, server, user_id=9101)  # the contact is remembered
    try:
        expect(again.locator(".card").first).to_be_visible(timeout=SLOW)
        again.click("#open-plans")
        expect(again.locator("#receipt-contact")).to_have_value("+79001234567", timeout=SLOW)
        assert errors == []
    finally:
        again.close()


def test_admin_screen_in_russian_words_with_labels_and_refunds(browser, server):
    page, errors = open_app(browser, server, user_id=ADMIN)
    try:
        expect(page.locator("#open-admin")).to_be_visible(timeout=SLOW)
        page.click("#open-admin")
        row = page.locator("#admin-body .admin-row", has_text="водитель 9101")
        expect(row).to_contain_text("оплачен", timeout=SLOW)
        expect(row).to_contain_text("тариф «1 месяц»", timeout=SLOW)
        row.locator("summary").click()
        row.get_by_label("Сумма возврата, ₽").fill("100")
        row.get_by_label("Причина возврата").fill("проверка возврата")
        row.locator("button[type=submit]").click()
        expect(row.locator(".summary")).to_contain_text("Возврат 100 ₽ выполнен", timeout=SLOW)
        expect(page.locator("#admin-body .admin-row", has_text="водитель 9101")).to_contain_text("возвращено 100", timeout=SLOW)

        page.click("#admin-tabs [data-tab='promo']")
        kind = page.get_by_label("Что даёт промокод")
        expect(kind.locator("option")).to_have_text(["Дни доступа бесплатно", "Скидка в процентах", "Скидка в рублях"], timeout=SLOW)
        kind.select_option(label="Скидка в процентах")
        page.get_by_label("Сколько: дней, процентов или рублей").fill("10")
        page.get_by_label("Код (пусто — придумать самому)").fill("ADMIN10")
        page.get_by_label("Сколько раз можно использовать (пусто — без ограничений)").fill("3")
        page.click("#admin-body button[type=submit]")
        expect(page.locator("#admin-body .summary")).to_contain_text("Создан ADMIN10: −10 %", timeout=SLOW)
        expect(page.locator("#admin-body")).to_contain_text("использован 0 из 3", timeout=SLOW)

        page.click("#admin-tabs [data-tab='flags']")
        expect(page.locator("#admin-body")).to_contain_text("Отклики — только с подпиской", timeout=SLOW)
        screenshot(page, "billing-admin")
        assert errors == []
    finally:
        page.close()
        set_paywall("off")
