"""Cutting forgotten drivers' trips and reports loose from their responses, in one place for «Удалить мои данные»
(core/privacy/forget.py) and migration 33 (drivers forgotten before it kept those links).

A forgotten driver's trips and reports sit under a negative pseudonym driver id and keep only what the company
figures count. The tables are named here rather than imported (storage does not depend on core/insights)."""

from __future__ import annotations

import datetime as dt

import peewee

# a trip's times would match its response's; naive UTC, as the tables store times
FORGOTTEN_AT = dt.datetime(2000, 1, 1)

_TRIPS = peewee.Table("insight_trips", ("driver_id", "response_id", "cargo_id", "from_city", "to_city", "loading_until",
                                        "unloading_until", "accepted_at", "wait_asked_at", "load_wait", "unload_wait",
                                        "from_address_key", "to_address_key"))
_REPORTS = peewee.Table("driver_reports", ("driver_id", "cargo_id", "comment"))
_FORGOTTEN = peewee.Table("insight_forgotten_responses", ("response_id",))


def unlink_forgotten(db: peewee.Database, pseudonym: int | None = None) -> None:
    """The trips and reports under `pseudonym` (under every negative driver id when None) lose the response, the
    load, the cities, the dates and times, and addresses with no wait answered; reports their load and comment.
    Their response ids are recorded first, or `TripBook.sync` would copy those trips again under the real id."""
    trips, reports = _TRIPS, _REPORTS
    forgotten_trips = trips.driver_id == pseudonym if pseudonym is not None else trips.driver_id < 0
    forgotten_reports = reports.driver_id == pseudonym if pseudonym is not None else reports.driver_id < 0
    known = _FORGOTTEN.select(_FORGOTTEN.response_id)
    _FORGOTTEN.insert(trips.select(trips.response_id).where(
        forgotten_trips & trips.response_id.is_null(False) & trips.response_id.not_in(known)),
        columns=[_FORGOTTEN.response_id]).execute(db)
    trips.update({trips.response_id: None, trips.cargo_id: None, trips.from_city: None, trips.to_city: None,
                  trips.loading_until: None, trips.unloading_until: None, trips.accepted_at: FORGOTTEN_AT,
                  trips.wait_asked_at: FORGOTTEN_AT}).where(forgotten_trips).execute(db)
    # an address alone with no wait answered counts for nothing: it goes too
    trips.update({trips.from_address_key: None}).where(forgotten_trips & trips.load_wait.is_null()).execute(db)
    trips.update({trips.to_address_key: None}).where(forgotten_trips & trips.unload_wait.is_null()).execute(db)
    reports.update({reports.cargo_id: None, reports.comment: None}).where(forgotten_reports).execute(db)
