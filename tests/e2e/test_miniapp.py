"""End to end: the real server process, a stand-in CargoTech on loopback, the real Redis, and the Mini App
driven in headless Debian Chromium through Playwright — opened the way Telegram opens it, with signed
init data in the URL fragment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from cargotool.core.drivers.initdata import sign_init_data
from cargotool.standin import CargoTechStandIn, StandInServer
from tests.conftest import TEST_BOT_TOKEN, TEST_PASSWORD, TEST_PHONE, environ_for_tests

CHROMIUM = os.environ.get("CARGOTOOL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def standin():
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    with StandInServer(standin) as url:
        yield standin, url


@pytest.fixture(scope="module")
def telegram():
    from cargotool.standin.telegram import BotApiStandIn

    telegram = BotApiStandIn()
    with StandInServer(telegram) as url:
        yield telegram, url


DISPATCH_CHAT = -100777
ADMIN = 9007
SERVER_PROCESS: dict = {}  # the environment and directory of the server process, for CLI calls beside it
SHOP_ID, SECRET_KEY = "100500", "test_Yk-e2e-secret-key"


@pytest.fixture(scope="module")
def yookassa():
    from cargotool.standin.yookassa import YooKassaStandIn

    standin = YooKassaStandIn(SHOP_ID, SECRET_KEY)
    with StandInServer(standin) as url:
        yield standin, url


@pytest.fixture(scope="module")
def server(standin, telegram, yookassa, tmp_path_factory):
    """`cargotool serve` as a separate process, as in production."""
    import redis as sync_redis

    tmp = tmp_path_factory.mktemp("e2e")
    prefix = f"cargotool-e2e:{os.getpid()}:"
    port = free_port()
    env = {**os.environ, **environ_for_tests(tmp, prefix, CARGOTECH_BASE_URL=standin[1], LOG_LEVEL="warning",
                                              TELEGRAM_API_URL=telegram[1], TELEGRAM_DISPATCHER_CHAT_ID=str(DISPATCH_CHAT),
                                              RATE_LIMIT_LOGIN_BURST="100",  # every browser logs in from 127.0.0.1
                                              YOOKASSA_SHOP_ID=SHOP_ID, YOOKASSA_SECRET_KEY=SECRET_KEY,
                                              YOOKASSA_API_URL=f"{yookassa[1]}/v3", TRUSTED_PROXIES="127.0.0.1",
                                              ADMIN_TELEGRAM_IDS=str(ADMIN))}
    process = subprocess.Popen([sys.executable, "-m", "cargotool", "serve", "--port", str(port)], env=env, cwd=tmp,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    flags_off = subprocess.run([sys.executable, "-m", "cargotool", "flags", "set", "paywall", "off"], env=env, cwd=tmp,
                             capture_output=True, text=True)  # the paywall has its own test below
    assert flags_off.returncode == 0, flags_off.stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start:\n" + (process.stdout.read() if process.stdout else ""))
    SERVER_PROCESS.update(env=env, cwd=tmp)
    yield base
    process.terminate()
    process.wait(timeout=10)
    client = sync_redis.Redis.from_url(env["REDIS_URL"])
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make test does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_app(browser, server, user_id=9001, start_param=None, theme=None):
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Пётр", "username": "petr"}, start_param=start_param)
    fragment = f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web"
    if theme:
        fragment += "&tgWebAppThemeParams=" + quote(theme, safe="")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("https://telegram.org/**", lambda route: route.abort())  # no network here: as if outside Telegram
    page.goto(f"{server}/#{fragment}")
    return page, errors


def test_browse_filter_and_open_a_load(browser, server, standin):
    page, errors = open_app(browser, server)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    assert page.locator(".card").count() == 20

    # infinite scroll: the next page arrives when the end of the list comes into view
    page.locator("#sentinel").scroll_into_view_if_needed()
    expect(page.locator(".card")).to_have_count(40, timeout=10000)

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
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "miniapp-detail.png"), full_page=True)

    # back to the list, then a reload keeps the filters (saved per driver on the device)
    page.click("#detail-back")
    expect(page.locator("#screen-list")).to_be_visible()
    page.reload()
    expect(page.locator("#filter-summary")).to_contain_text("Москва")
    page.screenshot(path=str(ARTIFACTS / "miniapp-list.png"))
    assert errors == []
    page.close()


def test_invalid_filter_is_explained_in_the_sheet(browser, server):
    page, errors = open_app(browser, server, user_id=9002)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#open-filters")
    page.fill("#wv-custom", "тяжёлый")
    page.click("#apply-filters")
    expect(page.locator("#filter-errors")).to_contain_text("Тоннаж")
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
    page.click("#respond")
    expect(page.locator("#offer-sheet")).to_be_visible()
    posted = page.input_value("#offer-rate")
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
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "miniapp-responded.png"), full_page=True)

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
    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "cargotool", *args], env=SERVER_PROCESS["env"], cwd=SERVER_PROCESS["cwd"],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr

    cli("flags", "set", "paywall", "on")
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
        ARTIFACTS.mkdir(exist_ok=True)
        cargo_page.screenshot(path=str(ARTIFACTS / "miniapp-plans.png"), full_page=True)
        assert errors == []
        cargo_page.close()
    finally:
        cli("flags", "set", "paywall", "off")
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
    page.click("#admin-tabs [data-tab='audit']")
    expect(page.locator("#admin-body")).to_contain_text("subscription.grant")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "miniapp-admin.png"), full_page=True)
    assert errors == []
    page.close()
