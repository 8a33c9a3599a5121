"""End to end: all five insights on a card and on a detail, in headless Chromium against the real server.

What takes weeks of traffic in production (ten loads on a lane, drivers' dock-wait answers, an accepted
response) is seeded into the server's database first; the position is set through the Mini App with the
browser's geolocation, and a driver's report is sent through the API before the list is first loaded
(cards are cached with their market and trust)."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from urllib.parse import quote

import httpx
from playwright.sync_api import expect

from cargotool.core.cargotech.mapping import parse_load
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.core.insights.gazetteer import default_gazetteer
from cargotool.core.insights.lanes import MIN_POINTS, LaneBook
from tests.conftest import TEST_BOT_TOKEN
from tests.e2e.conftest import SERVER_PROCESS, open_app, screenshot
from tests.e2e.test_miniapp_states import SMALL_TARGETS

KAZAN = (55.7961, 49.1064)


def db() -> sqlite3.Connection:
    return sqlite3.connect(SERVER_PROCESS["env"]["DATABASE_URL"].split("///", 1)[1])


def login(server, user_id):
    init = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})
    token = httpx.post(f"{server}/api/session", json={"init_data": init}).json()["session_token"]
    return {"Authorization": f"Bearer {token}"}


def seed(server, standin) -> dict:
    """A load whose lane has a market, whose company has a report and dock-wait answers."""
    cargos = standin.dataset.cargos
    target = cargos[0]
    inn = target["company"]["inn"]
    other = next(c for c in cargos[1:] if c["company"]["inn"] == inn)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    lane = LaneBook(None, default_gazetteer()).lane(parse_load(target))
    rate = (target.get("price_carrier") or target["price"]) // target["distance"]
    with db() as conn:
        conn.executemany(
            "INSERT INTO lane_rates (cargo_id, from_region, to_region, body, weight_class, from_city, to_city,"
            " rate_kopecks_per_km, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(f"seed{i}", lane.from_region, lane.to_region, lane.body, lane.weight_class, "сид", "сид",
              rate - 1500 + 300 * i, now) for i in range(MIN_POINTS)])
        conn.executemany(
            "INSERT INTO insight_trips (response_id, driver_id, cargo_id, inn, accepted_at, load_wait)"
            " VALUES (?, ?, ?, ?, ?, ?)", [(900000 + i, 7700 + i, f"9{i}", inn, now, code)
                                           for i, code in enumerate(["1_3", "3_6", "1_3"])])
    author = login(server, 9301)
    response = httpx.post(f"{server}/api/cargos/{other['id']}/responses", json={"rate_rub": 90000}, headers=author)
    assert response.status_code == 201, response.text
    with db() as conn:  # the dispatcher's «Принять» (its flow has its own tests)
        conn.execute("UPDATE responses SET status = 'accepted' WHERE cargo_id = ?", (str(other["id"]),))
    report = httpx.put(f"{server}/api/cargos/{other['id']}/report", json={"kind": "not_paid", "comment": "ждали 2 месяца"},
                       headers=author)
    assert report.status_code == 201, report.text
    return {"target": str(target["id"]), "other": str(other["id"]), "inn": inn}


def test_all_five_insights_on_a_card_and_a_detail(browser, server, standin):
    seeded = seed(server, standin[0])
    context = browser.new_context(viewport={"width": 390, "height": 844}, geolocation={"latitude": KAZAN[0], "longitude": KAZAN[1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("https://telegram.org/**", lambda route: route.abort())
    init = sign_init_data(TEST_BOT_TOKEN, {"id": 9302, "first_name": "Пётр"})
    page.goto(f"{server}/#tgWebAppData={quote(init, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web")
    card = page.locator(f".card[data-id='{seeded['target']}']")
    expect(card).to_be_visible(timeout=15000)

    # (1) the position, asked with the reason shown, then the empty run on every card
    page.click("#position-button")
    expect(page.locator("#position-reason")).to_contain_text("порожняком")
    page.click("#locate")
    expect(page.locator("#position-sheet")).to_be_hidden()
    expect(page.locator("#position-button")).to_have_text("📍 по геопозиции")
    expect(card.locator(".economics")).to_contain_text("км порожняком")
    expect(card.locator(".economics")).to_contain_text("/км с порожним")
    # (2) the lane's market, (4) the complaint flag, (5) the company's dock wait
    expect(card.locator(".mini.market")).to_contain_text("рынок ")
    expect(card.locator(".mini.market")).to_contain_text("эта ставка")
    expect(card.locator(".mini.warn", has_text="жалобы водителей: 1")).to_be_visible()
    expect(card.locator(".mini", has_text="простой 1–3 ч")).to_be_visible()
    screenshot(page, "insights-list", full_page=False)

    # order by ₽/km with the empty run (over the 100 freshest loads)
    page.select_option("#sort-select", "rate_with_deadhead")
    expect(page.locator(".card").first).to_be_visible()
    page.wait_for_timeout(500)
    texts = page.locator(".card .economics").all_inner_texts()
    assert len(texts) >= 10
    rates = [int("".join(ch for ch in t.split("·")[1] if ch.isdigit())) for t in texts if "·" in t]
    assert rates == sorted(rates, reverse=True)  # the freshest 100 ordered, not one page
    page.select_option("#sort-select", "")  # back to CargoTech's order: the seeded load is on the first page
    expect(page.locator(f".card[data-id='{seeded['target']}']")).to_be_visible()

    card = page.locator(f".card[data-id='{seeded['target']}']")
    card.click()
    expect(page.locator("#detail-economics")).to_contain_text("Порожний пробег")
    expect(page.locator("#detail-economics")).to_contain_text("Ставка с порожним")
    expect(page.locator("#detail-market")).to_contain_text("эта ставка")
    trust = page.locator("#detail-company")
    expect(trust).to_contain_text(seeded["inn"])
    expect(trust).to_contain_text("не заплатили / задержали оплату")
    assert "ждали 2 месяца" not in page.content()  # another driver's comment is never shown
    expect(page.locator("#detail-waits")).to_contain_text("простой 1–3 ч")
    expect(page.locator("#detail-waits")).to_contain_text("нет данных")  # the addresses have no answers
    backhaul = page.locator("#detail-backhaul")
    expect(backhaul).to_contain_text("Обратно из ")
    screenshot(page, "insights-detail")
    if backhaul.locator(".backhaul-item").count():
        page.click("#backhaul-all")
        expect(page.locator("#screen-list")).to_be_visible()
        expect(page.locator("#filter-summary")).to_contain_text(page.locator("#filter-summary").inner_text().split(" → ")[0])
    assert errors == []
    context.close()


def test_a_driver_reports_from_the_detail_after_an_accepted_load(browser, server, standin):
    cargo_id = str(standin[0].dataset.cargos[2]["id"])
    author = login(server, 9311)
    assert httpx.post(f"{server}/api/cargos/{cargo_id}/responses", json={"rate_rub": 80000}, headers=author).status_code == 201
    with db() as conn:
        conn.execute("UPDATE responses SET status = 'accepted' WHERE cargo_id = ?", (cargo_id,))
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.route("https://telegram.org/**", lambda route: route.abort())
    init = sign_init_data(TEST_BOT_TOKEN, {"id": 9311, "first_name": "Иван"})
    page.goto(f"{server}/?load={cargo_id}#tgWebAppData={quote(init, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web")
    form = page.locator("#report-form")
    expect(form).to_be_visible(timeout=15000)
    # a home city instead of the device's position, from the same city autocomplete as the filters
    page.click("#detail-economics .linkish")
    expect(page.locator("#position-sheet")).to_be_visible()
    page.fill("#home-city", "Каза")
    page.locator("#home-suggest li", has_text="Казань").first.click()
    expect(page.locator("#position-sheet")).to_be_hidden()
    expect(page.locator("#position-button")).to_have_text("📍 Казань")
    expect(page.locator("#detail-economics")).to_contain_text("Порожний пробег")  # the open detail is redrawn
    form = page.locator("#report-form")
    form.locator("[data-kind='terms_changed']").click()
    page.fill("#report-comment", "ставку снизили на погрузке")
    page.click("#report-send")
    expect(page.locator("#report-delete")).to_be_visible()
    expect(page.locator("#detail-company")).to_contain_text("условия изменили")
    page.click("#report-delete")
    expect(page.locator("#report-send")).to_have_text("Отправить отзыв")
    context.close()


def saved_searches(server, user_id):
    return httpx.get(f"{server}/api/searches", headers=login(server, user_id)).json()["items"]


def test_the_trip_back_is_saved_as_a_search_in_one_tap_once(browser, server, standin):
    cargo = standin[0].dataset.cargos[0]
    page, errors = open_app(browser, server, user_id=9331, path=f"/?load={cargo['id']}", viewport=(360, 740))
    save = page.locator("#backhaul-save")
    expect(save).to_be_visible(timeout=15000)
    city = cargo["points"]["finish"]["city"]["name"]
    assert city == "Краснодар"  # the example: the server declines it, the Mini App shows its phrase
    expect(page.locator("#backhaul-save-note")).to_contain_text("Без даты: бот напишет о новых грузах из Краснодара (+50 км)")
    save.click()
    expect(save).to_have_text("✓ Сохранено как поиск")
    expect(save).to_be_disabled()
    expect(page.locator("#backhaul-save-note")).to_contain_text("Поиск «Обратно из Краснодара» сохранён")
    [search] = saved_searches(server, 9331)
    # no date: a search pinned to the unloading day would find nothing two days later
    assert search["name"] == "Обратно из Краснодара" and search["alerts"] is True
    assert search["filters"] == {"from": str(cargo["points"]["finish"]["city"]["id"]), "from_radius": "50"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows at 360 px
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, "insights-backhaul-saved")

    page.reload()  # the same tap again: the existing search is named, no second one
    expect(save).to_be_visible(timeout=15000)
    save.click()
    expect(page.locator("#backhaul-save-note")).to_contain_text("Такой поиск уже сохранён: «Обратно из Краснодара»")
    expect(save).to_have_text("✓ Сохранено как поиск")
    assert len(saved_searches(server, 9331)) == 1

    page.click("#backhaul-searches")  # «Мои поиски», from the detail
    expect(page.locator("#screen-searches")).to_be_visible()
    expect(page.locator("#screen-detail")).to_be_hidden()
    expect(page.locator("#searches .card", has_text="Обратно из Краснодара")).to_contain_text(f"{city} +50 км → куда угодно")
    page.click("#searches-back")
    expect(page.locator("#screen-list")).to_be_visible()
    assert errors == []
    page.close()


def test_saving_the_trip_back_says_why_it_failed(browser, server, standin):
    cargo = standin[0].dataset.cargos[0]
    page, errors = open_app(browser, server, user_id=9332, path=f"/?load={cargo['id']}", viewport=(360, 740))
    save = page.locator("#backhaul-save")
    expect(save).to_be_visible(timeout=15000)
    page.route("**/api/searches", lambda route: route.fulfill(status=402, content_type="application/json", body=json.dumps(
        {"error": {"code": "payment_required", "message": "Нужна подписка"}})))  # should saving ever be paid for
    save.click()
    expect(page.locator("#backhaul-save-note.errors")).to_have_text("Сохранять поиски можно с подпиской.")
    expect(page.locator("#backhaul-plans")).to_be_visible()
    page.unroute("**/api/searches")
    page.route("**/api/searches", lambda route: route.abort())  # offline at the tap
    save.click()
    expect(page.locator("#backhaul-save-note.errors")).to_have_text("Нет связи. Проверьте интернет и попробуйте ещё раз.")
    expect(save).to_be_enabled()  # try again later
    expect(page.locator("#backhaul-plans")).to_be_hidden()
    page.unroute("**/api/searches")

    headers = login(server, 9332)  # the cap (ALERTS_MAX_SEARCHES, 10) already reached
    for n in range(10):
        assert httpx.post(f"{server}/api/searches", json={"filters": {"from": str(n + 100)}}, headers=headers).status_code == 201
    save.click()
    expect(page.locator("#backhaul-save-note.errors")).to_contain_text("Можно сохранить не больше 10 поисков — удалите ненужный")
    expect(page.locator("#backhaul-searches")).to_be_visible()  # where to delete one
    assert len(saved_searches(server, 9332)) == 10
    screenshot(page, "insights-backhaul-cap", full_page=False)
    assert errors == []
    page.close()


def test_one_order_control_in_the_bar_one_value_in_the_filters(browser, server):
    page, errors = open_app(browser, server, user_id=9333, viewport=(360, 740))
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    select = page.locator("#sort-select")
    assert [o.get_attribute("value") for o in select.locator("option").all()] == [
        "", "rate_with_deadhead", "above_market", "rate", "price", "loading", "net", "arrival"]
    page.click("#open-filters")
    expect(page.locator("#sheet")).to_be_visible()
    assert page.locator("#sort-chips").count() == 0  # the sheet has no order of its own any more
    page.click("#close-filters")

    select.select_option("price")
    expect(page.locator("#filter-summary")).to_contain_text("сначала дороже")
    expect(page.locator(".card").first).to_be_visible()
    prices = [int("".join(ch for ch in text if ch.isdigit())) for text in page.locator(".card .price").all_inner_texts()]
    assert prices == sorted(prices, reverse=True)
    stored = page.evaluate("JSON.parse(localStorage.getItem('cargotool.filters.9333'))")
    assert stored["filters"] == {"sort": "price"}
    box = select.bounding_box()
    assert box["x"] + box["width"] <= 360 and box["height"] >= 44

    page.click("#open-filters")  # the sheet's «Сбросить» and «Показать грузы» keep the order
    page.click("#reset-filters")
    page.click("#apply-filters")
    expect(page.locator("#sheet")).to_be_hidden()
    expect(page.locator("#filter-summary")).to_have_text("сначала дороже")
    expect(select).to_have_value("price")

    page.reload()  # kept on the device, and the order the first page was asked with
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    expect(select).to_have_value("price")
    expect(page.locator("#filter-summary")).to_have_text("сначала дороже")
    select.select_option("")
    expect(page.locator("#filter-summary")).to_have_text("Все грузы")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "insights-order-control-360", full_page=False)
    assert errors == []
    page.close()


def test_an_order_kept_apart_from_the_filters_before_is_moved_over_once(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_init_script("if (!sessionStorage.getItem('seeded')) { sessionStorage.setItem('seeded', '1');"
                            " localStorage.setItem('cargotool.view.9334', JSON.stringify({sort: 'above_market', no_long_waits: true})); }")
    page = context.new_page()
    page.route("https://telegram.org/**", lambda route: route.abort())
    init = sign_init_data(TEST_BOT_TOKEN, {"id": 9334, "first_name": "Пётр"})
    page.goto(f"{server}/#tgWebAppData={quote(init, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web")
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    expect(page.locator("#sort-select")).to_have_value("above_market")
    expect(page.locator("#filter-summary")).to_have_text("сначала выше рынка")
    expect(page.locator("#no-long-waits")).to_have_class(re.compile(r"\bon\b"))
    assert page.evaluate("JSON.parse(localStorage.getItem('cargotool.filters.9334'))")["filters"] == {"sort": "above_market"}
    assert "sort" not in page.evaluate("JSON.parse(localStorage.getItem('cargotool.view.9334'))")
    context.close()
