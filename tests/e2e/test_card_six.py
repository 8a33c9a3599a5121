"""End to end at 360 px (issue 21, Tests): all six answers on one card and on its detail — payment terms (§1),
«Чистыми ≈ …» (§2), the company register's flag (§3), «выставлен N компаниями» (§4), ☆ and «Скрыть» (§5) and
«успеваете?» (§6) — for one driver with fuel figures, a truck over 12 t and a position, against the CargoTech,
DaData and Bot API stand-ins. Screenshots: test-artifacts/card-six-360-list.png and card-six-360-detail.png.

The card is the stand-in's load 33 (Ростов-на-Дону → Санкт-Петербург): it carries a structured payment block
(«без НДС»), and two brokers resell it (standin/reposts.py), so it is the head of a same-trip group. Its poster
(and shipper), ООО «Черноземье Трейд», is bankrupt in the DaData stand-in, so the same card shows the flag."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from cargotool.standin.reposts import FIRST_REPOST_ID
from tests.e2e.conftest import dadata_env, open_app, screenshot
from tests.e2e.test_insights import login

PHONE = (360, 740)
DRIVER = 9621
ROSTOV = {"lat": 47.2357, "lon": 39.7015}  # the load's own loading city: the empty run is short
HEAD = "6236981221"  # the sample's load 33, posted by its shipper
RESALES = (str(FIRST_REPOST_ID), str(FIRST_REPOST_ID + 1))  # folded into HEAD's card
TO_SPB = {"to": "2", "to_radius": "0"}
REACH_LABELS = ("✓ успеваете", "⚠ впритык", "✕ не успеть")
SPACES = re.compile(r"[\s\u202f\u00a0]+")


@pytest.fixture(scope="module")
def e2e_env(dadata):
    return dadata_env(dadata[1])


def text_of(locator) -> str:
    return SPACES.sub(" ", locator.inner_text()).strip()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]


def within_card(page, card, locator) -> None:
    """Visible, inside its card (so inside the 360 px screen), and not cut inside its own box."""
    expect(locator).to_be_visible()
    inner, outer = locator.bounding_box(), card.bounding_box()
    assert inner and outer
    assert inner["x"] >= outer["x"] - 0.5 and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5, (inner, outer)
    assert outer["x"] >= 0 and outer["x"] + outer["width"] <= PHONE[0]
    assert locator.evaluate("n => n.scrollWidth <= n.clientWidth + 1")


def set_up_driver(server, driver: int = DRIVER, position: dict = ROSTOV, cost_rub_km: float = 12.5) -> None:
    """Fuel figures, a truck over 12 t (Platon is charged) with its own cost per km, and a position."""
    headers = login(server, driver)
    answers = [
        httpx.put(f"{server}/api/me/consent", json={"kind": "position", "answer": True}, headers=headers),
        httpx.put(f"{server}/api/me/position", json=position, headers=headers),
        httpx.put(f"{server}/api/me/fuel", json={"l_per_100km": 32, "price_rub": 70}, headers=headers),
        httpx.put(f"{server}/api/me/truck", json={"over_12t": True, "cost_rub_km": cost_rub_km}, headers=headers),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text


def check_the_company_first(server) -> None:
    """Cards show only what the register answered before (a lookup never delays the list), so the detail (which
    asks at once and saves the answer) is read first, until it has the answer, before any list is fetched."""
    headers = login(server, DRIVER)
    for _ in range(30):  # each read waits up to the detail's own lookup time: no sleeping here
        body = httpx.get(f"{server}/api/cargos/{HEAD}", headers=headers, timeout=30).json()
        if body["company_check"]["poster"]["status"] != "pending":
            break
    assert body["company_check"]["poster"]["status"] == "bankrupt", body["company_check"]


def test_all_six_on_a_card_and_its_detail_at_360(browser, server):
    set_up_driver(server)
    check_the_company_first(server)
    page, errors = open_app(browser, server, user_id=DRIVER, viewport=PHONE, saved_filters=TO_SPB)
    card = page.locator(f".card[data-id='{HEAD}']")
    expect(card).to_be_visible(timeout=15000)
    for resale in RESALES:
        expect(page.locator(f".card[data-id='{resale}']")).to_have_count(0)

    payment = card.locator(".payment-line")  # §1, from CargoTech's structured payment block
    expect(payment).to_have_text(re.compile(r"^💳 без НДС"))
    expect(payment).not_to_have_class(re.compile(r"\bunknown\b"))
    net = card.locator(".net-line")  # §2
    expect(net).to_be_visible()
    assert re.fullmatch(r"Чистыми ≈ \d{1,3}( \d{3})* ₽ \(оценка\)", text_of(net)), text_of(net)
    # one «what is left» figure: no older «остаётся» (the price less fuel only) beside the net
    assert "остаётся" not in text_of(card).lower(), text_of(card)
    flag = card.locator(".company-flag")  # §3: this card's company is bankrupt, so its card carries the flag
    expect(flag).to_have_text("⚠ банкротство")
    line = card.locator(".group-line")  # §4
    expect(line).to_be_visible()
    assert text_of(line) == ("👥 выставлен 3 компаниями: 136 800 / 128 000 / 121 000 ₽; "
                             "грузовладелец — ООО «Черноземье Трейд»")
    star = card.locator(".star")  # §5
    expect(star).to_have_text("☆")
    reach = card.locator(".mini.reach")  # §6: the verdict's label, its sentence with the arrival as the title
    expect(reach).to_be_visible()
    assert reach.inner_text() in REACH_LABELS
    assert "(≈ " in (reach.get_attribute("title") or "")
    for part in (payment, net, flag, line, star, reach):
        within_card(page, card, part)
    no_sideways_scroll(page)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top of the full-page picture
    screenshot(page, "card-six-360-list")

    card.locator(".route").click(position={"x": 8, "y": 8})  # the title: the card's middle has buttons
    detail = page.locator("#detail")
    expect(detail.locator(".summary")).to_contain_text(f"Груз № {HEAD}", timeout=15000)
    expect(page.locator("#detail-payment")).to_contain_text("без НДС")  # §1
    net_parts = page.locator("#detail-net")  # §2: the price, each cost, what is left
    for part in ("Цена", "топливо", "Платон", "прочие расходы", "Остаётся"):
        expect(net_parts).to_contain_text(part)
    assert "Остаётся" not in text_of(page.locator("#detail-economics"))  # the net above is the one figure
    assert text_of(detail).count("Остаётся") == 1, text_of(detail)
    company = page.locator("#detail-company")  # §3
    expect(company).to_contain_text("Разместил")
    expect(company).to_contain_text("ООО «Черноземье Трейд»")
    expect(company).to_contain_text("⚠ банкротство")
    # the shipper's line only for another company; here the shipper posted its own load
    expect(company.locator(".company-party")).to_have_count(1)
    # ONE «Компания»: the register's lines and our drivers' reports in it, in that order
    expect(detail.locator("h3", has_text=re.compile("^Компания$"))).to_have_count(1)
    company_text = text_of(company)
    assert company_text.index("Разместил") < company_text.index("ИНН") < company_text.index("банкротство") \
        < company_text.index("Жалоб от наших водителей нет"), company_text
    group = page.locator("#detail-group")  # §4: each posting one tap away, the open one disabled
    expect(group.locator(".posting")).to_have_count(3)
    expect(group.locator(f".posting[data-posting='{HEAD}']")).to_be_disabled()
    for resale in RESALES:
        expect(group.locator(f".posting[data-posting='{resale}']")).to_be_enabled()
    marks = page.locator("#detail-marks")  # §5
    expect(marks.locator(".star")).to_have_text("☆")
    expect(page.locator("#hide-cargo")).to_have_text(re.compile("^Скрыть"))
    expect(page.locator("#hide-company")).to_have_text(re.compile("^Скрыть"))
    reach_text = page.locator("#detail-reach .reach-text")  # §6: the verdict with the arrival
    expect(reach_text).to_contain_text("(≈ ")
    for section in ("#detail-payment", "#detail-net", "#detail-company", "#detail-group", "#detail-marks", "#detail-reach"):
        box = page.locator(section).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0], (section, box)
    no_sideways_scroll(page)
    screenshot(page, "card-six-360-detail")
    marks.locator(".star").click()  # the favourite toggle works from the detail
    expect(marks.locator(".star")).to_have_text("★")
    assert errors == []
    page.close()
