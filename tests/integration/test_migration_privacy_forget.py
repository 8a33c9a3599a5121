"""Migration 33 on a database of before it (a deployment upgrading): trips' and reports' links to a response
become nullable (a forgotten driver's are cut) with their uniqueness and indexes kept, and positions stored
without a "yes" to using them (from before consents existed, or after a later "no") are cleared."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from cargotool.core.insights.models import DriverInsightProfile, DriverReport, ForgottenResponse, Trip
from cargotool.core.privacy.models import ConsentAnswer
from cargotool.core.storage.db import Database
from cargotool.core.storage.migrations import MIGRATIONS, _forgotten_trips

NOW = dt.datetime(2026, 11, 1, 10, tzinfo=dt.timezone.utc)


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
                     for p in DriverInsightProfile.select()}
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
