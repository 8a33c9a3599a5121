"""End to end: all five insights on a card and on a detail, in headless Chromium against the real server.

What takes weeks of traffic in production (ten loads on a lane, drivers' dock-wait answers, an accepted
response) is seeded into the server's database first; the position is set through the Mini App with the
browser's geolocation, and a driver's report is sent through the API before the list is first loaded
(cards are cached with their market and trust)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from urllib.parse import quote

import httpx
from playwright.sync_api import expect

from cargotool.core.cargotech.models import Cargo
from cargotool.core.drivers.initdata import sign_init_data
from cargotool.core.insights.gazetteer import default_gazetteer
from cargotool.core.insights.lanes import MIN_POINTS, LaneBook
from tests.conftest import TEST_BOT_TOKEN
from tests.e2e.conftest import SERVER_PROCESS, screenshot

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
    lane = LaneBook(None, default_gazetteer()).lane(Cargo.parse(target))
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

    # order by ₽/km with the empty run (within the page)
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
    trust = page.locator("#detail-trust")
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
    expect(page.locator("#detail-trust")).to_contain_text("условия изменили")
    page.click("#report-delete")
    expect(page.locator("#report-send")).to_have_text("Отправить отзыв")
    context.close()
