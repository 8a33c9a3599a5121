"""Migration 33 on a database of before it (a deployment upgrading): trips' and reports' links to a response
become nullable (a forgotten driver's are cut) with their uniqueness and indexes kept, and positions stored
without a "yes" to using them (from before consents existed, or after a later "no") are cleared."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from cargotool.core.insights.models import DriverInsightProfile, DriverReport, ForgottenResponse, Trip
from cargotool.core.insights.trust import TripBook
from cargotool.core.privacy.models import ConsentAnswer
from cargotool.core.storage.db import Database
from cargotool.core.storage.models import AuditEvent, DriverRecord, Response
from cargotool.core.storage.migrations import MIGRATIONS, _forgotten_trips

NOW = dt.datetime(2026, 11, 1, 10, tzinfo=dt.timezone.utc)


P = DriverInsightProfile
AT_32 = (P.driver_id, P.lat, P.lon, P.position_source, P.position_at, P.fuel_l_per_100km)  # later migrations add columns


def _migrate_to(db: peewee.Database, last: int) -> None:
    for migration in MIGRATIONS:
        if migration.version <= last:
            migration.apply(db)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_links_become_nullable_and_positions_without_consent_are_cleared(kind, tmp_path, postgres_url):
    database = Database({"sqlite": f"sqlite:///{tmp_path / 'm.sqlite3'}", "postgres": postgres_url}[kind])
    db = database.peewee
    try:
        _migrate_to(db, 32)
        Trip.create(response_id=1, driver_id=7, cargo_id="c1", inn="7700000001", accepted_at=NOW)
        DriverReport.create(driver_id=7, cargo_id="c1", inn="7700000001", kind="not_paid", created_at=NOW, updated_at=NOW)
        # 1: from before consents (no answer); 2: said yes; 3: yes, then no; 4: no position, fuel only
        for driver in (1, 2, 3):
            DriverInsightProfile.create(driver_id=driver, lat=55.7, lon=37.6, position_source="device", position_at=NOW,
                                        fuel_l_per_100km=30, fuel_price_kopecks=6800)
        DriverInsightProfile.create(driver_id=4, fuel_l_per_100km=30, fuel_price_kopecks=6800)
        for driver, answer in ((2, True), (3, True), (3, False), (1, True)):
            ConsentAnswer.create(driver_id=driver, kind="position" if driver != 1 else "live_location", answer=answer,
                                 answered_at=NOW, via="app")

        _forgotten_trips(db)

        positions = {p.driver_id: (p.lat, p.lon, p.position_source, p.position_at is not None, p.fuel_l_per_100km)
                     for p in DriverInsightProfile.select(*AT_32)}
        assert positions == {1: (None, None, None, False, 30), 2: (55.7, 37.6, "device", True, 30),
                             3: (None, None, None, False, 30), 4: (None, None, None, False, 30)}
        trip = Trip.get(Trip.response_id == 1)  # the rows came through (SQLite rebuilds the table)
        assert (trip.driver_id, trip.cargo_id, trip.inn) == (7, "c1", "7700000001")
        Trip.update(response_id=None, cargo_id=None).execute()
        DriverReport.update(cargo_id=None).execute()
        Trip.create(response_id=None, driver_id=-5, cargo_id=None, accepted_at=NOW)  # several without a response
        Trip.create(response_id=2, driver_id=8, cargo_id="c2", accepted_at=NOW)
        with pytest.raises(peewee.IntegrityError), db.atomic():
            Trip.create(response_id=2, driver_id=9, cargo_id="c2", accepted_at=NOW)  # still one trip per response
        DriverReport.create(driver_id=8, cargo_id="c2", inn="7700000001", kind="no_cargo", created_at=NOW, updated_at=NOW)
        with pytest.raises(peewee.IntegrityError), db.atomic():  # still one report per driver and load
            DriverReport.create(driver_id=8, cargo_id="c2", inn="7700000001", kind="no_cargo", created_at=NOW,
                                updated_at=NOW)
        indexes = {i.name for i in db.get_indexes("insight_trips")} | {i.name for i in db.get_indexes("driver_reports")}
        assert {"insight_trips_driver_id", "insight_trips_inn", "insight_trips_from_address_key",
                "driver_reports_driver_cargo", "driver_reports_inn", "insight_trips_shipper_inn"} <= indexes
        ForgottenResponse.create(response_id=1)
        assert [r.response_id for r in ForgottenResponse.select()] == [1]
    finally:
        database.close()


def _accepted(driver_id: int, cargo_id: str) -> Response:
    card = '{"from": {"city": "Казань", "address": "Казань, ул. Складская, 1"}, "to": {"city": "Москва"},' \
           ' "company": {"inn": "7700000001", "name": "ООО Груз"}}'
    return Response.create(driver=driver_id, cargo_id=cargo_id, rate_kopecks=100, status="accepted", cargo=card,
                           decided_at=NOW)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_drivers_forgotten_before_it_lose_every_link_to_their_responses(kind, tmp_path, postgres_url):
    """Driver 7 was forgotten by the code of before migration 33: trips and reports moved to pseudonym -41 but
    kept the response, the load, the cities and the times, and the journal kept the IPs. Driver 8 was not."""
    database = Database({"sqlite": f"sqlite:///{tmp_path / 'm.sqlite3'}", "postgres": postgres_url}[kind])
    db = database.peewee
    try:
        _migrate_to(db, 32)
        for driver in (7, 8):
            DriverRecord.create(telegram_id=driver, first_name="Пётр" if driver == 8 else "")
        old = [_accepted(7, "c1"), _accepted(7, "c2")]
        kept = _accepted(8, "c3")
        for response, driver in ((old[0], -41), (old[1], -41), (kept, 8)):
            Trip.create(response_id=response.id, driver_id=driver, cargo_id=response.cargo_id, inn="7700000001",
                        from_city="Казань", to_city="Москва", from_address_key="казань складская 1",
                        to_address_key="москва 1", loading_until=NOW, unloading_until=NOW, accepted_at=NOW,
                        wait_asked_at=NOW, load_wait="lt2h")
        DriverReport.create(driver_id=-41, cargo_id="c1", inn="7700000001", kind="not_paid", comment="Пётр, 8 900…",
                            created_at=NOW, updated_at=NOW)
        DriverReport.create(driver_id=8, cargo_id="c3", inn="7700000001", kind="no_cargo", comment="не было груза",
                            created_at=NOW, updated_at=NOW)
        for actor, action in (("driver:7", "login"), ("driver:8", "login"), ("driver:7", "privacy.forget"),
                              ("driver:7", "login")):  # the last: driver 7 came back after being forgotten
            AuditEvent.create(actor=actor, action=action, ip="10.0.0.1", created_at=NOW)

        _forgotten_trips(db)

        via_response = (Trip.select(Trip.driver_id, Response.driver_id.alias("real"))
                        .join(Response, on=(Trip.response_id == Response.id)
                              | ((Trip.cargo_id == Response.cargo_id) & (Response.status == "accepted"))).dicts())
        assert [(row["driver_id"], row["real"]) for row in via_response] == [(8, 8)]  # only the remembered driver
        via_report = (DriverReport.select(DriverReport.driver_id, Response.driver_id.alias("real"))
                      .join(Response, on=(DriverReport.cargo_id == Response.cargo_id)).dicts())
        assert [(row["driver_id"], row["real"]) for row in via_report] == [(8, 8)]
        assert sorted(r.response_id for r in ForgottenResponse.select()) == sorted(r.id for r in old)
        forgotten = list(Trip.select().where(Trip.driver_id == -41))
        assert len(forgotten) == 2
        for trip in forgotten:  # what the company figures count stays; the times are the fixed forgotten ones
            assert (trip.response_id, trip.cargo_id, trip.from_city, trip.to_city, trip.loading_until,
                    trip.unloading_until) == (None,) * 6
            assert trip.accepted_at == trip.wait_asked_at == dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
            assert (trip.inn, trip.load_wait, trip.from_address_key, trip.to_address_key) == \
                ("7700000001", "lt2h", "казань складская 1", None)  # no unloading wait answered: its address goes
        report = DriverReport.get(DriverReport.driver_id == -41)
        assert (report.cargo_id, report.comment, report.kind, report.inn) == (None, None, "not_paid", "7700000001")
        assert Trip.get(Trip.driver_id == 8).response_id == kept.id
        assert DriverReport.get(DriverReport.driver_id == 8).comment == "не было груза"
        assert [(e.actor, e.action, e.ip) for e in AuditEvent.select().order_by(AuditEvent.id)] == [
            ("driver:7", "login", None), ("driver:8", "login", "10.0.0.1"),
            ("driver:7", "privacy.forget", "10.0.0.1"), ("driver:7", "login", "10.0.0.1")]

        assert await TripBook(database).sync() == 0  # the forgotten responses are not copied back under driver 7
        assert Trip.select().where(Trip.driver_id == 7).count() == 0 and Trip.select().count() == 3
    finally:
        database.close()
