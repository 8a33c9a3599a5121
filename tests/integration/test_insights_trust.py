"""Who the shipper is: reports after an accepted response, aggregates for everyone else, hiding (audited)."""

from __future__ import annotations

from cargotool.core.storage.models import AuditEvent
from tests.integration import test_responses_bot as bot_tests
from tests.integration.test_responses_bot import cargo_of, respond, session

# the bot tests' fixtures: an app with the Bot API stand-in
app, bot_settings, telegram = bot_tests.app, bot_tests.bot_settings, bot_tests.telegram

SECRET_COMMENT = "диспетчер Пётр обещал 5-го, тишина"


async def accepted(app, standin, index, headers):
    cargo_id = cargo_of(standin, index)
    response = await respond(app, headers, cargo_id)
    await app.ctx.services.responses.decide(response.json["response"]["id"], "accept", "dispatcher:1 test")
    return cargo_id


async def detail(app, headers, cargo_id):
    _, response = await app.asgi_client.get(f"/api/cargos/{cargo_id}", headers=headers)
    assert response.status == 200, response.text
    return response


async def test_reports_need_an_accepted_response_and_show_as_counts(app, standin):
    author, other = await session(app, 801), await session(app, 802, username="petr")
    cargo_id = cargo_of(standin, 7)
    body = {"kind": "not_paid", "comment": SECRET_COMMENT}
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json=body, headers=author)
    assert response.status == 403  # no response at all
    await respond(app, author, cargo_id)
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json=body, headers=author)
    assert response.status == 403  # a response, not accepted yet
    await accepted(app, standin, 7, author)
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json=body, headers=author)
    assert response.status == 201 and response.json["report"]["comment"] == SECRET_COMMENT
    seen = await detail(app, other, cargo_id)
    assert seen.json["trust"]["reports_total"] == 1 and SECRET_COMMENT not in seen.text  # counts only, never the text
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json={"kind": "terms_changed"}, headers=author)
    assert response.status == 200 and response.json["report"]["kind"] == "terms_changed"  # edited, still one

    mine = (await detail(app, author, cargo_id)).json["trust"]
    inn = standin.dataset.cargos[7]["company"]["inn"]
    assert mine["inn"] == inn and mine["flagged"] is True and mine["reports_total"] == 1
    assert mine["reports"] == [{"kind": "terms_changed", "label": "условия изменили", "count": 1,
                                "last_at": mine["reports"][0]["last_at"]}]
    _, own = await app.asgi_client.get(f"/api/cargos/{cargo_id}/report", headers=author)
    assert own.json["report"]["kind"] == "terms_changed" and own.json["report"]["comment"] is None
    assert mine["drivers_worked"] is None and mine["drivers_worked_text"] == "наших водителей меньше 3"
    assert mine["security_status_label"] is None

    seen = await detail(app, other, cargo_id)
    assert seen.json["trust"]["reports_total"] == 1
    _, own = await app.asgi_client.get(f"/api/cargos/{cargo_id}/report", headers=other)
    assert own.status == 200 and own.json["report"] is None
    assert "801" not in seen.text.replace(cargo_id, "")  # no author, no comment
    _, cards = await app.asgi_client.get("/api/cargos?limit=50&offset=1", headers=other)  # a page not cached before
    flagged = [c for c in cards.json["items"] if (c["company"] or {}).get("inn") == inn]
    assert flagged and all(c["trust"]["flagged"] and c["trust"]["reports_total"] == 1 for c in flagged)

    _, response = await app.asgi_client.delete(f"/api/cargos/{cargo_id}/report", headers=author)
    assert response.status == 204
    _, response = await app.asgi_client.delete(f"/api/cargos/{cargo_id}/report", headers=author)
    assert response.status == 404
    assert (await detail(app, other, cargo_id)).json["trust"]["flagged"] is False


async def test_operators_hide_abusive_reports_and_it_is_audited(app, standin):
    author, other = await session(app, 811), await session(app, 812)
    cargo_id = await accepted(app, standin, 9, author)
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json={"kind": "no_cargo"}, headers=author)
    report_id = response.json["report"]["id"]
    await app.ctx.services.insights.reports.hide(report_id, "оскорбления", actor="cli")
    assert (await detail(app, other, cargo_id)).json["trust"]["reports_total"] == 0
    _, own = await app.asgi_client.get(f"/api/cargos/{cargo_id}/report", headers=author)
    assert own.json["report"]["hidden"] is True
    events = await app.ctx.services.database.run(lambda: [(e.action, e.actor) for e in AuditEvent.select()])
    assert ("report.create", "driver:811") in events and ("report.hide", "cli") in events


async def test_drivers_count_shows_from_three(app, standin):
    inn = standin.dataset.cargos[0]["company"]["inn"]
    same = [i for i, c in enumerate(standin.dataset.cargos) if c["company"]["inn"] == inn][:3]
    assert len(same) == 3
    for n, index in enumerate(same):
        await accepted(app, standin, index, await session(app, 820 + n))
    await app.ctx.services.insights.trips.sync()
    trust = (await detail(app, await session(app, 830), cargo_of(standin, same[0]))).json["trust"]
    assert trust["drivers_worked"] == 3 and trust["drivers_worked_text"] == "наши водители работали с ней: 3"


async def test_report_validation(app, standin):
    headers = await session(app, 840)
    cargo_id = await accepted(app, standin, 11, headers)
    for body, field in (({"kind": "scam"}, "kind"), ({"kind": "not_paid", "comment": "x" * 1001}, "comment"), (None, "kind")):
        _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json=body, headers=headers)
        assert response.status == 400 and field in response.json["error"]["fields"]


async def test_a_report_counts_for_the_shipper_as_well_as_the_poster(app, standin):
    """A broker posts, the shipper owns the cargo: a driver who was not paid warns about both, and the
    detail shows the shipper's own strip beside the poster's."""
    cargos = standin.dataset.cargos
    index = next(i for i, c in enumerate(cargos) if c["shipper"]["inn"] != c["company"]["inn"])
    poster, shipper = cargos[index]["company"], cargos[index]["shipper"]
    author, other = await session(app, 851), await session(app, 852)
    cargo_id = await accepted(app, standin, index, author)
    _, response = await app.asgi_client.put(f"/api/cargos/{cargo_id}/report", json={"kind": "not_paid"}, headers=author)
    assert response.status == 201

    trust = (await detail(app, other, cargo_id)).json["trust"]
    assert trust["inn"] == poster["inn"] and trust["reports_total"] == 1
    assert trust["shipper"]["inn"] == shipper["inn"] and trust["shipper"]["name"] == shipper["name"]
    assert trust["shipper"]["flagged"] is True and trust["shipper"]["reports"][0]["kind"] == "not_paid"
    summaries = await app.ctx.services.insights.reports.summaries([poster["inn"], shipper["inn"]])
    assert summaries[poster["inn"]]["reports_total"] == summaries[shipper["inn"]]["reports_total"] == 1
    # the shipper's own loads (where it is the poster) carry the flag on the list's cards too
    own_loads = [i for i, c in enumerate(cargos) if c["company"]["inn"] == shipper["inn"]]
    if own_loads:
        card_trust = (await detail(app, other, cargo_of(standin, own_loads[0]))).json["trust"]
        assert card_trust["flagged"] is True

    same = next((i for i, c in enumerate(cargos) if c["shipper"]["inn"] == c["company"]["inn"]), None)
    if same is not None:  # a shipper that posts its own load has one strip, not two
        assert (await detail(app, other, cargo_of(standin, same))).json["trust"]["shipper"] is None
