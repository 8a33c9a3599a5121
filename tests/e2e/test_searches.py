"""End to end: a driver saves a search in the Mini App («Следить за поиском»), the CargoTech stand-in
publishes a matching load, and the bot's alert arrives at the Bot API stand-in; then «Мои поиски» shows the
new load, runs the search, pauses it and deletes it."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from playwright.sync_api import expect

from cargotool.standin.dataset import new_cargo
from tests.e2e.conftest import open_app, screenshot

DRIVER = 9101


@pytest.fixture(scope="module")
def e2e_env():
    return {"ALERTS_POLL_SECONDS": "1", "ALERTS_QUIET_HOURS": "off"}


def _publish(standin, start_id, finish_id):
    cities = standin.dataset.cities
    cargo = new_cargo(random.Random(), random.randrange(500_000, 900_000), dt.date.today(), cities,
                      dt.datetime.now(dt.timezone.utc))
    cargo["points"]["start"]["city"] = {"id": start_id, "name": cities[start_id][0]}
    cargo["points"]["finish"]["city"] = {"id": finish_id, "name": cities[finish_id][0]}
    return standin.publish(cargo)


def _alerts(telegram):
    return [c for c in telegram.sent("sendMessage", DRIVER) if c.params["text"].startswith("🔔")]


def test_save_a_search_and_the_bot_alerts_a_new_matching_load(browser, server, standin, telegram):
    standin, telegram = standin[0], telegram[0]
    page, errors = open_app(browser, server, user_id=DRIVER)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)

    page.click("#open-filters")
    page.fill("#from-city", "Каза")
    page.locator(".city[data-side=from] .suggest li", has_text="Казань").first.click()
    page.click("#apply-filters")
    expect(page.locator("#filter-summary")).to_contain_text("Казань")

    page.click("#watch-search")
    expect(page.locator("#search-sheet")).to_be_visible()
    expect(page.locator("#search-name")).to_have_value("Казань → куда угодно")
    page.fill("#search-name", "Из Казани")
    page.click("#search-save")
    expect(page.locator("#search-sheet")).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("Поиск сохранён")

    time.sleep(3)  # the watcher (polling every second here) takes the new search into its index
    cargo = _publish(standin, 3, 1)  # Казань → Москва
    _publish(standin, 2, 1)  # Санкт-Петербург → Москва: not this search
    deadline = time.monotonic() + 30
    while not _alerts(telegram) and time.monotonic() < deadline:
        time.sleep(0.2)
    [alert] = _alerts(telegram)
    assert "«Из Казани»" in alert.params["text"] and "Казань → Москва" in alert.params["text"]
    buttons = [b for row in alert.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["url"].endswith(f"?load={cargo['id']}")
    assert buttons[1]["text"] == "Не присылать по этому поиску"

    page.click("#open-searches")
    card = page.locator("#searches .card", has_text="Из Казани")
    expect(card).to_be_visible()
    expect(card.locator(".badge")).to_have_text("+1")
    expect(card).to_contain_text("Казань → куда угодно")
    screenshot(page, "miniapp-searches", full_page=False)

    card.click()  # run it: the list with its filters
    expect(page.locator("#screen-list")).to_be_visible()
    expect(page.locator("#filter-summary")).to_contain_text("Казань")
    expect(page.locator("#cards .card").first).to_be_visible()
    assert all(r.startswith("Казань → ") for r in page.locator("#cards .card .route").all_inner_texts())

    page.click("#open-searches")
    expect(card.locator(".badge")).to_have_count(0)  # opened: nothing new since
    card.locator("[data-action=toggle]").click()
    expect(card).to_contain_text("на паузе")

    card.locator("[data-action=edit]").click()
    page.fill("#search-name", "Казань, любая")
    page.fill("#auto-rate", "abc")
    page.click("#search-save")
    expect(page.locator("#search-errors")).to_contain_text("Целое число")  # the server's field error
    page.fill("#auto-rate", "70")
    page.click("#search-save")
    expect(page.locator("#searches .card", has_text="Казань, любая")).to_contain_text("автоотклик")

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#searches .card [data-action=delete]").click()
    expect(page.locator("#searches-empty")).to_be_visible()
    assert errors == []
    page.close()
