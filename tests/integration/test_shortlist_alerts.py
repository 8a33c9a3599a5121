"""Hidden loads and companies get no alerts and no automatic responses (core/shortlist through core/alerts)."""

from __future__ import annotations

import asyncio

from cargotool.core.storage.models import DriverRecord, Response
from tests.integration.test_alerts import (DRIVER, MOSCOW, alerts_to, deliver, load, make_services, svc,  # noqa: F401
                                           telegram)

COMPANY = {"id": 1599999, "inn": "7707083893", "name": "ПАО «Проверка»", "type": "broker", "security_status": 0}


async def test_a_hidden_company_gets_no_alert_and_no_automatic_response(make_services, standin, telegram):  # noqa: F811
    services = make_services(telegram_dispatcher_chat_id=-100500)
    await services.flags.set("paywall", False)
    await services.database.run(lambda: DriverRecord.create(telegram_id=DRIVER, first_name="Иван", username="ivan"))
    await services.searches.create(DRIVER, {"name": "Авто", "filters": {"from": str(MOSCOW)}, "auto_response": {"rate_min": 1}})
    await services.watcher.tick()
    await services.shortlist.hide_company(DRIVER, COMPANY["inn"], "ПАО «Проверка»")
    hidden = load(standin, company=COMPANY)
    wanted = load(standin)
    await services.watcher.tick()
    await deliver(services)
    texts = [m.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"] for m in alerts_to(telegram, DRIVER)]
    assert [t.rsplit("=", 1)[1] for t in texts] == [str(wanted["id"])]
    await asyncio.sleep(1.2)
    await services.watcher.tick()
    rows = await services.database.run(lambda: list(Response.select()))
    assert {r.cargo_id for r in rows} == {str(wanted["id"])} and str(hidden["id"]) not in {r.cargo_id for r in rows}


async def test_a_load_hidden_during_the_undo_window_is_not_answered(make_services, standin, telegram):  # noqa: F811
    services = make_services()
    await services.flags.set("paywall", False)
    await services.database.run(lambda: DriverRecord.create(telegram_id=DRIVER, first_name="Иван", username="ivan"))
    await services.searches.create(DRIVER, {"name": "Авто", "filters": {"from": str(MOSCOW)}, "auto_response": {"rate_min": 1}})
    await services.watcher.tick()
    published = load(standin)
    await services.watcher.tick()
    await deliver(services)
    assert len(alerts_to(telegram, DRIVER)) == 1
    await services.shortlist.hide_cargo(DRIVER, str(published["id"]))
    await asyncio.sleep(1.2)
    assert (await services.watcher.tick())["auto"] == 0
    assert await services.database.run(lambda: Response.select().count()) == 0
