"""End to end: the admin screen at 360 px lists drivers' reports on companies (company, INN, kind, date, the
comment — operators only) and hides one with a reason (audited); the payments tab names refunds whose
YooKassa answer was lost in plain words."""

from __future__ import annotations

import datetime as dt

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, open_app, screenshot
from tests.e2e.test_insights import db, login
from tests.e2e.test_miniapp_states import SMALL_TARGETS

AUTHOR = 9401
COMMENT = "обещали оплату через 5 дней, прошёл месяц"


def report(server, standin, index):
    cargo = standin.dataset.cargos[index]
    author = login(server, AUTHOR)
    response = httpx.post(f"{server}/api/cargos/{cargo['id']}/responses", json={"rate_rub": 90000}, headers=author)
    assert response.status_code == 201, response.text
    with db() as conn:  # the dispatcher's «Принять» (its flow has its own tests)
        conn.execute("UPDATE responses SET status = 'accepted' WHERE cargo_id = ?", (str(cargo["id"]),))
    answer = httpx.put(f"{server}/api/cargos/{cargo['id']}/report", json={"kind": "not_paid", "comment": COMMENT}, headers=author)
    assert answer.status_code == 201, answer.text
    return cargo, answer.json()["report"]["id"]


def lost_refund():
    """A refund whose answer never came and is past re-sending (what the hourly reconcile marks `check`)."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=1)
    with db() as conn:
        conn.execute("INSERT INTO payments (id, driver_id, plan_id, days, amount_kopecks, status, yookassa_id,"
                     " refunded_kopecks, created_at, updated_at) VALUES (?, ?, '1m', 30, 49900, 'succeeded', ?, 0, ?, ?)",
                     ("pay-e2e-lost", AUTHOR, "yk-e2e-lost", now, now))
        conn.execute("INSERT INTO refunds (id, payment_id, request_key, amount_kopecks, reason, status, actor, created_at,"
                     " updated_at) VALUES (?, ?, ?, 20000, 'водитель не смог выехать', 'check', 'admin:1', ?, ?)",
                     ("ref-e2e-lost", "pay-e2e-lost", "key-e2e-lost", now, now))


def test_operators_read_and_hide_reports_and_see_lost_refunds(browser, server, standin):
    cargo, report_id = report(server, standin[0], 5)
    lost_refund()
    page, errors = open_app(browser, server, user_id=ADMIN, viewport=(360, 740))
    expect(page.locator("#open-admin")).to_be_visible(timeout=15000)
    page.click("#open-admin")

    warning = page.locator("#refunds-to-check")  # the payments tab first
    expect(warning).to_contain_text("Возврат 200 ₽ по платежу pay-e2e-lost: ответ ЮKassa потерян — проверьте в личном кабинете ЮKassa")
    expect(warning).to_contain_text("причина: водитель не смог выехать")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "admin-refunds-to-check-360", full_page=False)

    page.click("#admin-tabs [data-tab='reports']")
    expect(page.locator("#admin-body h2")).to_have_text("Отзывы о компаниях")
    row = page.locator(f"#admin-body .admin-row[data-report='{report_id}']")
    company = cargo["company"]
    expect(row).to_contain_text(f"{company['name']} · ИНН {company['inn']}")
    expect(row).to_contain_text("не заплатили / задержали оплату")
    expect(row).to_contain_text(COMMENT)  # operators read the comment; drivers never do
    expect(row.locator(".report-state")).to_have_text("Виден водителям")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(SMALL_TARGETS) == []

    row.locator("[data-action=hide]").click()
    row.locator("button[type=submit]").click()  # no reason: said on the spot, nothing hidden
    expect(row.locator(".errors")).to_have_text("Укажите причину — она попадёт в журнал")
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, "admin-reports-hide-360")
    row.get_by_label("Причина (попадёт в журнал)").fill("личные данные диспетчера")
    row.locator("button[type=submit]").click()
    expect(row.locator(".report-state")).to_have_text("Скрыт: личные данные диспетчера")
    expect(row.locator("[data-action=hide]")).to_have_count(0)

    page.fill("#reports-inn", "1234567890")  # another company: not listed
    page.click("#admin-body button[type=submit]")
    expect(page.locator("#admin-body")).to_contain_text("Отзывов нет")

    driver = login(server, 9402)  # hidden for every driver, and audited
    trust = httpx.get(f"{server}/api/cargos/{cargo['id']}", headers=driver).json()["trust"]
    assert trust["reports_total"] == 0
    audit = httpx.get(f"{server}/api/admin/audit?action=report.hide", headers=login(server, ADMIN)).json()["items"]
    assert [(e["actor"], e["target"], e["details"]["reason"]) for e in audit] == [
        (f"admin:{ADMIN}", f"report:{report_id}", "личные данные диспетчера")]
    assert errors == []
    page.close()
