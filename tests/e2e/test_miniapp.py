"""End to end: the real server process, a stand-in CargoTech on loopback, the real Redis, and the Mini App
driven in headless Debian Chromium through Playwright — opened the way Telegram opens it, with signed
init data in the URL fragment. The fixtures live in conftest.py."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, DISPATCH_CHAT, cli, open_app, screenshot


def test_browse_filter_and_open_a_load(browser, server, standin):
    page, errors = open_app(browser, server)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    assert page.locator(".card").count() == 20

    # infinite scroll: the next page arrives when the end of the list comes into view
    page.locator("#sentinel").scroll_into_view_if_needed()
    # 40 loads, two of them the stand-in's reposts folded into their original's card (standin/reposts.py)
    expect(page.locator(".card")).to_have_count(38, timeout=10000)

    # filters: a city from autocomplete, and a weight–volume preset
    page.click("#open-filters")
    page.fill("#from-city", "Моск")
    page.locator(".city[data-side=from] .suggest li", has_text="Москва").first.click()
    page.select_option("select[name=from_radius]", "50")
    page.click("#wv-chips [data-wv='20-83']")
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()
    expect(page.locator("#filter-summary")).to_contain_text("Москва")
    expect(page.locator(".card").first).to_be_visible()
    routes = page.locator(".card .route").all_inner_texts()
    assert routes and all(r.split(" → ")[0] in {"Москва", "Подольск", "Химки", "Балашиха", "Московский"} for r in routes)

    # detail with the comment and contacts
    first_id = page.locator(".card").first.get_attribute("data-id")
    page.locator(".card").first.click()
    comment = page.locator("#detail-comment")
    expect(comment).to_be_visible()
    cargo = next(c for c in standin[0].dataset.cargos if str(c["id"]) == first_id)
    assert comment.inner_text() == cargo["extra"]["note"]
    assert page.locator(".contact .phone").count() >= 1
    screenshot(page, "miniapp-detail")

    # back to the list, then a reload keeps the filters (saved per driver on the device)
    page.click("#detail-back")
    expect(page.locator("#screen-list")).to_be_visible()
    page.reload()
    expect(page.locator("#filter-summary")).to_contain_text("Москва")
    screenshot(page, "miniapp-list", full_page=False)
    assert errors == []
    page.close()


def test_invalid_filter_is_explained_in_the_sheet(browser, server):
    page, errors = open_app(browser, server, user_id=9002)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#open-filters")
    page.fill("#wv-custom", "тяжёлый")
    page.click("#apply-filters")
    expect(page.locator(".field-error[data-error-for~=wv]")).to_contain_text("Тоннаж")  # on the field itself
    expect(page.locator("#sheet")).to_be_visible()
    assert errors == []
    page.close()


def test_deep_link_opens_the_load(browser, server, standin):
    cargo = standin[0].dataset.cargos[7]
    page, errors = open_app(browser, server, user_id=9003, start_param=f"c_{cargo['id']}")
    expect(page.locator("#detail-comment")).to_have_text(cargo["extra"]["note"], timeout=15000)
    assert errors == []
    page.close()


def test_theme_params_colour_the_page(browser, server):
    page, _ = open_app(browser, server, user_id=9004, theme='{"bg_color":"#17212b","text_color":"#f5f5f5","button_color":"#5288c1"}')
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    background = page.evaluate("getComputedStyle(document.querySelector('.bar')).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    page.close()


def test_without_init_data_the_page_says_how_to_open_it(browser, server):
    page = browser.new_page()
    page.route("https://telegram.org/**", lambda route: route.abort())
    page.goto(server + "/")
    expect(page.locator("#fatal")).to_be_visible()
    expect(page.locator("#fatal-text")).to_contain_text("из бота")
    page.close()


def test_respond_to_a_load_and_see_it_in_my_responses(browser, server, standin, telegram):
    cargo = standin[0].dataset.cargos[20]
    page, errors = open_app(browser, server, user_id=9005, start_param=f"c_{cargo['id']}")
    expect(page.locator("#respond")).to_be_visible(timeout=15000)
    expect(page.locator("#my-response")).to_contain_text("ещё не откликались")
    detail_text = page.locator("#detail").inner_text()
    assert "null" not in detail_text and "undefined" not in detail_text  # an empty slot never shows as a word
    page.click("#respond")
    expect(page.locator("#offer-sheet")).to_be_visible()
    posted = page.input_value("#offer-rate").replace("\u00a0", "")
    assert posted and int(posted) > 0  # prefilled with the posted price
    page.fill("#offer-rate", "абв")
    page.click("#offer-send")
    expect(page.locator("#offer-errors")).to_contain_text("рублей")
    page.fill("#offer-rate", str(int(posted) - 5000))
    page.fill("#offer-comment", "Буду на погрузке к 9:00")
    page.fill("#offer-phone", "8 911 222 33 44")
    expect(page.locator("#offer-diff")).to_contain_text("Ниже цены")
    page.click("#offer-send")
    expect(page.locator("#offer-sheet")).to_be_hidden()
    expect(page.locator("#my-response")).to_contain_text("отправлен")
    expect(page.locator("#respond")).to_have_text("Изменить ставку")
    screenshot(page, "miniapp-responded")

    # the dispatchers got exactly one message with the two buttons
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not telegram[0].sent("sendMessage", DISPATCH_CHAT):
        time.sleep(0.2)
    [message] = telegram[0].sent("sendMessage", DISPATCH_CHAT)
    assert "Буду на погрузке к 9:00" in message.params["text"] and "+7 911 222-33-44" in message.params["text"]
    assert [b["text"] for b in message.params["reply_markup"]["inline_keyboard"][0]] == ["Принять", "Отклонить"]

    # «Мои отклики» lists it; withdrawing changes its status
    page.click("#detail-back")
    page.click("#open-responses")
    expect(page.locator("#responses .card")).to_have_count(1)
    expect(page.locator("#responses .card")).to_contain_text("отправлен")
    page.locator("#responses .card").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#withdraw")
    expect(page.locator("#my-response")).to_contain_text("отозван")
    assert errors == []
    page.close()


def test_paywall_plans_and_payment(browser, server, yookassa):
    def flag(value):
        result = cli("flags", "set", "paywall", value)
        assert result.returncode == 0, result.stderr

    flag("on")
    time.sleep(5.2)  # the server reads flags through a 5-second cache
    try:
        cargo_page, errors = open_app(browser, server, user_id=9006, start_param="c_6236980000")
        expect(cargo_page.locator("#contacts-paywall")).to_be_visible(timeout=15000)
        assert cargo_page.locator(".contact .phone").count() == 0
        cargo_page.click("#contacts-paywall button")
        expect(cargo_page.locator("#plans .plan")).to_have_count(4)
        expect(cargo_page.locator("#subscription-status")).to_have_text("Подписки нет")
        cargo_page.context.route("https://yoomoney.ru/**", lambda route: route.fulfill(body="ЮKassa", content_type="text/html"))
        with cargo_page.context.expect_page() as popup:  # YooKassa opens outside the Mini App
            cargo_page.locator("#plans .plan[data-plan='1m'] button").click()
        popup.value.wait_for_load_state()
        assert popup.value.url.startswith("https://yoomoney.ru/checkout/payments/v2/contract?orderId=")
        popup.value.close()
        [payment] = list(yookassa[0].payments.values())
        yookassa[0].succeed(payment["id"])
        answer = httpx.post(server + "/webhooks/yookassa", json=yookassa[0].notification("payment.succeeded", payment["id"]),
                            headers={"X-Forwarded-For": "185.71.76.5"})
        assert answer.status_code == 200 and answer.json()["applied"] is True
        expect(cargo_page.locator("#subscription-status")).to_contain_text("активна", timeout=10000)
        screenshot(cargo_page, "miniapp-plans")
        assert errors == []
        cargo_page.close()
    finally:
        flag("off")
        time.sleep(5.2)


def test_admin_screen(browser, server):
    page, errors = open_app(browser, server, user_id=9008)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    assert page.locator("#open-admin").is_hidden()  # drivers never see it
    page.close()

    page, errors = open_app(browser, server, user_id=ADMIN)
    expect(page.locator("#open-admin")).to_be_visible(timeout=15000)
    page.click("#open-admin")
    expect(page.locator("#admin-tabs .chip.on")).to_have_text("Оплаты")
    page.click("#admin-tabs [data-tab='subscriptions']")
    page.fill("#admin-body input[name=telegram_id]", "9009")
    page.fill("#admin-body input[name=days]", "7")
    page.fill("#admin-body input[name=reason]", "проверка")
    page.click("#admin-body button[type=submit]")
    expect(page.locator("#admin-body .summary")).to_contain_text("активна")
    page.click("#admin-tabs [data-tab='flags']")
    expect(page.locator("#admin-body [data-flag='paywall']")).to_have_count(1)
    flags = page.locator("#admin-body label.admin-row")
    expect(flags.filter(has=page.locator("[data-flag='paywall.alerts']"))).to_have_text("Уведомления о грузах — только с подпиской")
    names = [t.strip() for t in flags.all_inner_texts()]
    assert len(names) >= 5 and all(re.search("[а-яё]", t) and not re.search(r"\b[a-z]+\b", t) for t in names), names  # never the key
    page.click("#admin-tabs [data-tab='audit']")
    grant = page.locator("#admin-body .admin-row", has_text="Доступ выдан вручную")
    expect(grant.first).to_contain_text("причина: проверка")
    expect(grant.first).to_contain_text("subscription.grant")  # the raw name the filter takes, on its own line
    assert "{" not in grant.first.inner_text()  # details in words, not JSON
    screenshot(page, "miniapp-admin")
    assert errors == []
    page.close()


def test_a_slow_admin_tab_does_not_cover_the_tab_picked_after_it(browser, server):
    """«Оплаты» answers late (held here); the subscriptions tab picked meanwhile keeps its form."""
    page, errors = open_app(browser, server, user_id=ADMIN)
    held = []
    page.route("**/api/admin/payments*", lambda route: held.append(route))
    expect(page.locator("#open-admin")).to_be_visible(timeout=15000)
    page.click("#open-admin")
    expect(page.locator("#admin-tabs .chip.on")).to_have_text("Оплаты")
    page.click("#admin-tabs [data-tab='subscriptions']")
    expect(page.locator("#admin-body input[name=telegram_id]")).to_be_visible()
    for _ in range(100):  # the payments request reaches the route (polled: no timing margin)
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the payments tab asked nothing"
    with page.expect_response("**/api/admin/payments*"):
        held[0].continue_()
    page.evaluate("() => new Promise((r) => setTimeout(r, 0))")  # let the late answer's render run
    expect(page.locator("#admin-body input[name=telegram_id]")).to_be_visible()
    assert errors == []
    page.close()


def test_a_page_open_across_a_deploy_reloads_for_its_later_screens(browser, server):
    """The screens after the first card are a second script named by its hash: a page from before a deploy
    asks for one the server no longer has, and then loads the current build instead of blaming the link."""
    def newer_build(route):
        if route.request.resource_type != "fetch":
            return route.continue_()
        html = route.fetch().text().replace('src="/static/app.', 'src="/static/app.0')  # another build's name
        return route.fulfill(status=200, body=html, headers={"Content-Type": "text/html; charset=utf-8"})

    page, errors = open_app(browser, server, user_id=ADMIN, routes=[
        ("**/static/app-screens.*", lambda route: route.fulfill(status=404, body="{}")), (f"{server}/", newer_build)])
    expect(page.locator("#open-admin")).to_be_visible(timeout=15000)
    page.evaluate("window.beforeDeploy = true")
    with page.expect_navigation(timeout=15000):
        page.click("#open-admin")
    assert page.evaluate("() => window.beforeDeploy") is None  # a new document: reloaded
    assert errors == []
    page.close()


def test_the_first_cards_do_not_wait_for_the_other_screens(browser, server):
    """On a weak link the first card must not wait for the load's, offer's, plans' … script; a tap on a card
    before that script is here opens the load as soon as it arrives."""
    held = []
    # telegram="hangs" only so that open_app does not wait for the load event, which the held script holds up
    page, errors = open_app(browser, server, user_id=9011, telegram="hangs", routes=[("**/static/app-screens.*", lambda route: held.append(route))])
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    assert held and page.locator("#screen-detail").is_hidden()
    page.locator(".card").first.click()
    page.click("#open-plans")  # a header button of a later screen, tapped early: waits for it too
    page.wait_for_timeout(300)
    assert page.locator("#screen-detail").is_hidden()  # nothing yet: the script is still on its way
    for route in held:
        route.continue_()
    expect(page.locator("#screen-plans")).to_be_visible(timeout=10000)
    assert errors == []
    page.close()


def test_the_first_cards_do_not_wait_for_telegram_org(browser, server):
    page, errors = open_app(browser, server, user_id=9010, telegram="hangs")
    started = time.monotonic()
    expect(page.locator(".card").first).to_be_visible(timeout=5000)  # before this, an 8 s script meant 8 s of blank
    assert time.monotonic() - started < 5
    assert errors == []
    page.close()


def test_inside_telegram_its_buttons_are_used(browser, server, standin):
    cargo = standin[0].dataset.cargos[3]
    page, errors = open_app(browser, server, user_id=9011, start_param=f"c_{cargo['id']}", telegram="stub")
    expect(page.locator("#respond")).to_be_visible(timeout=15000)
    calls = page.evaluate("() => window.telegramCalls")
    assert "ready" in calls and "BackButton.show" in calls and "MainButton.setText:Откликнуться" in calls
    assert errors == []
    page.close()
