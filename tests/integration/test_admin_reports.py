"""The admin API over drivers' reports on companies: the listing (with the company's name and the comment,
for operators only) and hiding with a reason (audited); drivers get 403, a bad id 404, no reason 422."""

from __future__ import annotations

import pytest

from cargotool.core.storage.models import AuditEvent
from tests.integration import test_responses_bot as bot_tests
from tests.integration.test_insights_trust import accepted, detail
from tests.integration.test_responses_bot import ADMIN, cargo_of, session

# the bot tests' fixtures: an app with the Bot API stand-in and ADMIN as the one admin
app, bot_settings, telegram = bot_tests.app, bot_tests.bot_settings, bot_tests.telegram

COMMENT = "диспетчер хамил, груза не было"


async def reported(app, standin, index, user_id, kind="no_cargo", comment=COMMENT):
    author = await session(app, user_id)
    cargo_id = await accepted(app, standin, index, author)
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json={"kind": kind, "comment": comment},
                                            headers=author)
    assert response.status == 201, response.text
    return cargo_id, response.json["report"]["id"]


async def test_operators_list_reports_with_company_and_comment_and_hide_one(app, standin):
    cargo_id, report_id = await reported(app, standin, 9, 851)
    company = standin.dataset.cargos[9]["company"]
    admin = await session(app, ADMIN)

    _, listed = await app.asgi_client.get("/api/admin/reports", headers=admin)
    assert listed.status == 200, listed.text
    [line] = [r for r in listed.json["items"] if r["id"] == report_id]
    assert line["inn"] == company["inn"] and line["company"] == company["name"] and line["cargo_id"] == cargo_id
    assert line["label"] == "груза не было" and line["comment"] == COMMENT and line["hidden"] is False

    _, hidden = await app.asgi_client.post(f"/api/admin/reports/{report_id}/hide", json={"reason": "оскорбления"},
                                           headers=admin)
    assert hidden.status == 200, hidden.text
    assert hidden.json["hidden"] is True and hidden.json["hidden_reason"] == "оскорбления"
    assert hidden.json["hidden_by"] == f"admin:{ADMIN}"
    assert (await detail(app, await session(app, 852), cargo_id)).json["trust"]["reports_total"] == 0
    events = await app.ctx.services.database.run(
        lambda: [(e.action, e.actor, e.target) for e in AuditEvent.select().where(AuditEvent.action == "report.hide")])
    assert events == [("report.hide", f"admin:{ADMIN}", f"report:{report_id}")]

    _, by_inn = await app.asgi_client.get(f"/api/admin/reports?inn={company['inn']}&limit=5", headers=admin)
    assert [r["id"] for r in by_inn.json["items"]] == [report_id] and by_inn.json["items"][0]["hidden"] is True
    _, other_inn = await app.asgi_client.get("/api/admin/reports?inn=1234567890", headers=admin)
    assert other_inn.json["items"] == []


async def test_newest_first_and_the_limit(app, standin):
    _, first = await reported(app, standin, 3, 861, kind="not_paid")
    _, second = await reported(app, standin, 4, 862, kind="terms_changed", comment=None)
    admin = await session(app, ADMIN)
    _, listed = await app.asgi_client.get("/api/admin/reports?limit=1", headers=admin)
    assert [r["id"] for r in listed.json["items"]] == [second]
    assert listed.json["items"][0]["comment"] is None
    _, both = await app.asgi_client.get("/api/admin/reports", headers=admin)
    assert [r["id"] for r in both.json["items"]] == [second, first]


async def test_drivers_get_403(app, standin):
    _, report_id = await reported(app, standin, 9, 871)
    driver = await session(app, 872)
    _, listed = await app.asgi_client.get("/api/admin/reports", headers=driver)
    assert listed.status == 403 and listed.json["error"]["code"] == "forbidden"
    _, hide = await app.asgi_client.post(f"/api/admin/reports/{report_id}/hide", json={"reason": "x"}, headers=driver)
    assert hide.status == 403
    _, own = await app.asgi_client.get(f"/api/cargos/{cargo_of(standin, 9)}/report", headers=await session(app, 871))
    assert own.json["report"]["hidden"] is False  # nothing was hidden


@pytest.mark.parametrize("report_id", ["999999", "0", "-1", "99999999999999999999"])
async def test_an_unknown_report_is_404(app, report_id):
    admin = await session(app, ADMIN)
    _, response = await app.asgi_client.post(f"/api/admin/reports/{report_id}/hide", json={"reason": "спам"}, headers=admin)
    assert response.status == 404, response.text
    error = response.json["error"]
    assert (error["code"], error["message"]) == ("not_found", "Отзыв не найден")


@pytest.mark.parametrize("body", [{"reason": ""}, {"reason": "   "}, {}, {"reason": None}])
async def test_an_empty_reason_is_422_on_its_field(app, standin, body):
    _, report_id = await reported(app, standin, 9, 881)
    admin = await session(app, ADMIN)
    _, response = await app.asgi_client.post(f"/api/admin/reports/{report_id}/hide", json=body, headers=admin)
    assert response.status == 422, response.text
    assert response.json["error"]["code"] == "reason_required" and response.json["error"]["fields"] == {"reason": "Обязательное поле"}
    _, listed = await app.asgi_client.get("/api/admin/reports", headers=admin)
    assert listed.json["items"][0]["hidden"] is False


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=201", "limit"), ("limit=abc", "limit"),
                                          ("limit=%C2%B2", "limit"), ("inn=abc", "inn"), ("inn=" + "1" * 17, "inn")])
async def test_bad_listing_parameters_name_their_field(app, query, field):
    admin = await session(app, ADMIN)
    _, response = await app.asgi_client.get(f"/api/admin/reports?{query}", headers=admin)
    assert response.status == 400 and field in response.json["error"]["fields"], response.text


async def test_bad_hide_bodies_are_400(app, standin):
    _, report_id = await reported(app, standin, 9, 891)
    admin = await session(app, ADMIN)
    for body in ({"reason": 5}, {"reason": "x" * 501}, ["spam"]):
        _, response = await app.asgi_client.post(f"/api/admin/reports/{report_id}/hide", json=body, headers=admin)
        assert response.status == 400 and response.json["error"]["fields"], (body, response.text)


async def test_a_report_shows_the_shipper_and_is_found_by_its_inn(app, standin):
    cargos = standin.dataset.cargos
    index = next(i for i, c in enumerate(cargos) if c["shipper"]["inn"] != c["company"]["inn"])
    shipper = cargos[index]["shipper"]
    _, report_id = await reported(app, standin, index, 861)
    admin = await session(app, ADMIN)
    _, by_shipper = await app.asgi_client.get(f"/api/admin/reports?inn={shipper['inn']}", headers=admin)
    [line] = [r for r in by_shipper.json["items"] if r["id"] == report_id]
    assert line["shipper_inn"] == shipper["inn"] and line["shipper"] == shipper["name"]
    assert line["company"] == cargos[index]["company"]["name"]
