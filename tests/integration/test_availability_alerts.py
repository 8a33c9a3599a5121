"""«Свободен с…» alerts: the availability's system saved search goes through the one watcher like any saved
search — loads from there (within the radius), loadable on or after the day, hidden companies excepted; none
after the driver clears it. The stand-in CargoTech publishes, `tick()` is driven by hand (tests/integration/test_alerts.py)."""

from __future__ import annotations

import datetime as dt
import random

from cargotool.core.clock import moscow_today
from cargotool.core.storage.models import DriverRecord
from cargotool.standin.dataset import new_cargo
from tests.integration.test_alerts import DRIVER, KAZAN, MOSCOW, alerts_to, deliver, make_services, telegram  # noqa: F401

COMPANY = {"id": 1599999, "inn": "7707083893", "name": "ПАО «Проверка»", "type": "broker", "security_status": 0}


def load_on(standin, start: int, first: dt.date, last: dt.date, **changes):
    """A new load from `start` to Казань, loadable from `first` to `last`, published now."""
    cargo = new_cargo(random.Random(), random.randrange(200_000, 900_000), first, standin.dataset.cities,
                      dt.datetime.now(dt.timezone.utc))
    cargo["points"]["start"].update({"city": {"id": start, "name": standin.dataset.cities[start][0]},
                                     "first_date": first.isoformat(), "last_date": last.isoformat()})
    finish = KAZAN if start != KAZAN else MOSCOW
    cargo["points"]["finish"]["city"] = {"id": finish, "name": standin.dataset.cities[finish][0]}
    cargo.update(changes)
    return standin.publish(cargo)


async def test_new_loads_from_there_from_then_reach_the_driver(make_services, standin, telegram):  # noqa: F811
    svc = make_services()
    await svc.flags.set("paywall", False)
    await svc.database.run(lambda: DriverRecord.create(telegram_id=DRIVER, first_name="Иван", username="ivan"))
    today = moscow_today()
    free = today + dt.timedelta(days=2)
    await svc.availability.set(DRIVER, {"point_id": MOSCOW, "date": free.isoformat(), "name": "Москва", "radius_km": 0},
                               today)
    assert await svc.searches.mine(DRIVER) == []  # not among the driver's own searches
    await svc.watcher.tick()  # the first look records what is on the board
    await svc.shortlist.hide_company(DRIVER, COMPANY["inn"], COMPANY["name"])
    too_early = load_on(standin, MOSCOW, today, today + dt.timedelta(days=1))  # gone before the driver is free
    spans = load_on(standin, MOSCOW, today, free)  # still loadable on the day
    later = load_on(standin, MOSCOW, free + dt.timedelta(days=1), free + dt.timedelta(days=1))
    elsewhere = load_on(standin, KAZAN, free, free)
    hidden = load_on(standin, MOSCOW, free, free, company=COMPANY)
    await svc.watcher.tick()
    await deliver(svc)
    alerts = alerts_to(telegram, DRIVER)
    urls = [m.params["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"] for m in alerts]
    alerted = {url.rsplit("=", 1)[1] for url in urls}
    assert alerted == {str(spans["id"]), str(later["id"])}, alerted
    assert not alerted & {str(too_early["id"]), str(elsewhere["id"]), str(hidden["id"])}
    assert all("по поиску «Свободен в Москве с " in m.params["text"] for m in alerts)

    await svc.availability.clear(DRIVER)  # cleared: no more alerts
    load_on(standin, MOSCOW, free, free)
    await svc.watcher.tick()
    await deliver(svc)
    assert len(alerts_to(telegram, DRIVER)) == 2


async def test_on_postgresql_too(make_services, postgres_url, standin, telegram):  # noqa: F811
    from cargotool.core.availability.board import free_trucks

    svc = make_services(database_url=postgres_url)
    await svc.database.run(lambda: DriverRecord.create(telegram_id=DRIVER, first_name="Иван", username="ivan"))
    today = moscow_today()
    await svc.availability.set(DRIVER, {"point_id": MOSCOW, "date": today.isoformat(), "name": "Москва"}, today)
    await svc.availability.set(DRIVER, {"point_id": KAZAN, "date": today.isoformat(), "name": "Казань"}, today)
    [truck] = await free_trucks(svc.database, today)
    assert truck.city == "Казань" and truck.driver == "Иван (@ivan)" and truck.radius_km == 50
    assert await svc.availability.expire(today + dt.timedelta(days=10)) == 1
    assert await free_trucks(svc.database, today) == []
    await svc.availability.set(DRIVER, {"point_id": MOSCOW, "date": today.isoformat(), "name": "Москва"}, today)
    done = await svc.forgetter.forget(DRIVER, "test")
    assert done.counts["availability"] == 1 and await svc.availability.get(DRIVER, today) is None
