"""End to end at 360 px (Chromium): the layout faults a browser audit found stay fixed — cards with a margin
and text in line with their headings (settings, plans, the consent sheet), 44 px policy links, the
«Следить за поиском» checkbox laid out like the filters' «Только с ценой», the toast clear of an open sheet's
button and error line, «Мой отклик» buttons on one line each, wrapped detail values right-aligned, and the
list's header on one row. Screenshots go to test-artifacts/layout-360-*.png."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import open_app, screenshot
from tests.e2e.test_insights import login

PHONE = (360, 740)


def box(page, selector):
    found = page.locator(selector).first.bounding_box()
    assert found, selector
    return found


def overlaps(a, b):
    return (min(a["x"] + a["width"], b["x"] + b["width"]) > max(a["x"], b["x"])
            and min(a["y"] + a["height"], b["y"] + b["height"]) > max(a["y"], b["y"]))


def test_settings_and_plans_cards_have_a_margin_and_their_text_is_in_line(browser, server):
    page, errors = open_app(browser, server, user_id=9801, viewport=PHONE)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#open-settings")
    expect(page.locator("#screen-settings")).to_be_visible()
    header = box(page, "#screen-settings .bar")
    for n, section in enumerate(page.locator("#screen-settings > .section").all()):
        card = section.bounding_box()
        assert (card["x"], card["width"]) == (10, 340), card  # not edge to edge
        if n == 0:
            assert card["y"] >= header["y"] + header["height"] + 8  # not flush under the header
    heading = box(page, "#screen-settings .section h3")
    for line in page.locator("#screen-settings .section .summary").all():
        assert line.bounding_box()["x"] == heading["x"]  # not 14 px further in
    assert box(page, "#settings-privacy")["height"] >= 44
    screenshot(page, "layout-360-settings", full_page=False)

    page.click("#settings-back")
    page.click("#open-plans")
    expect(page.locator("#subscription-status")).not_to_have_text("…", timeout=15000)
    status, card = box(page, "#subscription-status"), box(page, "#screen-plans .plans-status")
    assert status["y"] - card["y"] <= 13  # the card's padding, no empty gap above «Подписки нет»
    assert box(page, "#screen-plans .plans-status .summary")["x"] == status["x"]
    policy = box(page, "#plans-privacy")
    assert policy["height"] >= 44 and policy["x"] >= 14
    screenshot(page, "layout-360-plans", full_page=False)
    assert errors == []
    page.close()


def test_the_consent_text_is_in_line_and_its_policy_link_is_a_tap_target(browser, server):
    page, errors = open_app(browser, server, user_id=9802, viewport=PHONE)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#position-button")
    expect(page.locator("#position-consent")).to_be_visible()
    expect(page.locator("#position-reason")).to_contain_text("Ваше местоположение видите только вы")
    title = box(page, "#position-sheet h2")
    for line in page.locator("#position-sheet .summary").all():
        assert line.bounding_box()["x"] == title["x"]
    assert box(page, "#position-decline")["x"] == title["x"]
    link = box(page, "#position-policy")
    assert link["height"] >= 44 and link["x"] == title["x"]
    screenshot(page, "layout-360-consent", full_page=False)
    assert errors == []
    page.close()


def test_watch_sheet_checkbox_sits_right_of_its_text_in_a_44_px_row(browser, server):
    page, errors = open_app(browser, server, user_id=9803, viewport=PHONE)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    page.click("#watch-search")
    expect(page.locator("#search-sheet")).to_be_visible()
    row = page.locator("label:has(#search-alerts)")
    expect(row).to_have_text("Присылать новые грузы в бот")
    label, check = row.bounding_box(), box(page, "#search-alerts")
    assert label["height"] >= 44
    assert 0 <= label["x"] + label["width"] - (check["x"] + check["width"]) <= 4  # the box at the right end (its margin)
    assert label["x"] == box(page, "#search-name")["x"]  # the text first, in line with the fields
    row.click()  # the whole row toggles it
    expect(page.locator("#search-alerts")).not_to_be_checked()
    screenshot(page, "layout-360-watch-sheet", full_page=False)
    assert errors == []
    page.close()


def test_toast_stays_clear_of_an_open_sheets_button_and_error(browser, server, standin):
    cargo = standin[0].dataset.cargos[3]
    page, errors = open_app(browser, server, user_id=9804, viewport=PHONE, path=f"/?load={cargo['id']}")
    page.locator("#respond").click(timeout=15000)
    page.fill("#offer-rate", "abc")
    page.click("#offer-send")
    expect(page.locator("#offer-errors")).to_be_visible()
    page.evaluate("() => { const t = document.getElementById('toast'); t.textContent = 'Отклик отправлен диспетчеру'; t.hidden = false; }")
    toast = box(page, "#toast")
    assert not overlaps(toast, box(page, "#offer-send")) and not overlaps(toast, box(page, "#offer-errors"))
    assert toast["height"] < 44  # one line
    screenshot(page, "layout-360-toast-over-sheet", full_page=False)
    assert errors == []
    page.close()


def test_my_response_buttons_read_on_one_line_and_wrapped_values_align_right(browser, server, standin):
    cargo = standin[0].dataset.cargos[0]
    answer = httpx.post(f"{server}/api/cargos/{cargo['id']}/responses", json={"rate_rub": 90000}, headers=login(server, 9805))
    assert answer.status_code == 201, answer.text
    page, errors = open_app(browser, server, user_id=9805, viewport=PHONE, path=f"/?load={cargo['id']}")
    expect(page.locator("#respond")).to_have_text("Изменить ставку", timeout=15000)
    change, withdraw = box(page, "#respond"), box(page, "#withdraw")
    assert change["height"] < 50 and page.evaluate("document.getElementById('respond').scrollHeight") < 50  # one line
    assert change["width"] == withdraw["width"] and withdraw["y"] > change["y"]  # stacked, full width
    # every line of a value that wraps ends at the row's right edge, like the one-line values
    lines = page.evaluate("""() => [...document.querySelectorAll('#detail .row')].filter((r) => r.children.length === 2)
      .map((r) => { const v = r.children[1], range = document.createRange(); range.selectNodeContents(v);
        const rects = [...range.getClientRects()], right = v.getBoundingClientRect().right;
        return { label: r.children[0].innerText, lines: rects.length, rowRight: r.getBoundingClientRect().right,
                 valueRight: right, textEnd: right - parseFloat(getComputedStyle(v).paddingRight),
                 rights: rects.map((b) => b.right) }; })""")
    assert [line["label"] for line in lines if line["lines"] > 1], lines  # at 360 px some value does wrap («Компания»)
    for line in lines:
        assert abs(line["valueRight"] - line["rowRight"]) <= 1, line
        assert all(abs(right - line["textEnd"]) <= 1 for right in line["rights"]), line
    screenshot(page, "layout-360-detail", full_page=True)
    assert errors == []
    page.close()


def header_is_one_row(page) -> None:
    """«Грузы» and every header button on one line, each button a 44 px tap target inside the screen."""
    title = box(page, "#screen-list .bar h1")
    buttons = ["#open-plans", "#open-responses", "#open-searches", "#open-settings", "#open-filters"]
    for selector in buttons:
        button = box(page, selector)
        assert abs((button["y"] + button["height"] / 2) - (title["y"] + title["height"] / 2)) <= 2, selector
        assert button["x"] + button["width"] <= 360 and button["height"] >= 44 and button["width"] >= 44
    assert box(page, "#screen-list .bar")["height"] < 60


def test_the_list_header_is_one_row_at_360_px(browser, server):
    page, errors = open_app(browser, server, user_id=9806, viewport=PHONE)
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    header_is_one_row(page)
    expect(page.locator("#open-filters .label")).to_be_visible()  # no filter: the word, not the funnel
    expect(page.get_by_role("button", name="Подписка")).to_be_visible()  # icons keep their names
    expect(page.get_by_role("button", name="Мои поиски")).to_be_visible()
    screenshot(page, "layout-360-header", full_page=False)
    assert errors == []
    page.close()


def test_the_list_header_stays_one_row_with_a_filter_set(browser, server):
    """The «Фильтры 1» badge made the chips ~21 px too wide: «Грузы» sat alone above them. With a filter the
    chip is a funnel and the count at phone widths; its name says how many."""
    page, errors = open_app(browser, server, user_id=9807, viewport=PHONE, saved_filters={"to": "2", "to_radius": "0"})
    expect(page.locator(".card").first).to_be_visible(timeout=15000)
    expect(page.locator("#filter-count")).to_have_text("1")
    header_is_one_row(page)
    expect(page.locator("#open-filters .icon")).to_be_visible()
    expect(page.get_by_role("button", name="Фильтры: 1")).to_be_visible()
    screenshot(page, "layout-360-header-filtered", full_page=False)
    page.click("#open-filters")  # the sheet opens from the compact chip too
    expect(page.locator("#filters")).to_be_visible()
    assert errors == []
    page.close()
