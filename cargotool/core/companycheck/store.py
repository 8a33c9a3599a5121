"""Register answers kept a day per INN (migration 39, `company_registrations`).

This is company data from a public register (ЕГРЮЛ/ЕГРИП and the forwarders' register: name, status, dates),
keyed by the company's INN — not personal data about our drivers, so forget-me (core/privacy) has nothing to
delete here. An ИП's record names a person, but only as the public register itself does.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import peewee

from ..storage.models import BaseModel, UTCDateTimeField
from .register import Registration


class CompanyRegistration(BaseModel):
    inn = peewee.CharField(max_length=12, primary_key=True)
    status = peewee.CharField(max_length=16)
    name = peewee.CharField(max_length=512, null=True)
    registered = peewee.DateField(null=True)
    individual = peewee.BooleanField(default=False)
    forwarder_number = peewee.CharField(max_length=64, null=True)
    forwarder_since = peewee.DateField(null=True)
    forwarder_checked = peewee.BooleanField(default=False)
    checked_at = UTCDateTimeField()

    class Meta:
        table_name = "company_registrations"


def fresh(inns: Iterable[str], since: dt.datetime) -> dict[str, Registration]:
    """The INNs checked at or after `since` (synchronous: run through `Database.run`)."""
    wanted = sorted(set(inns))
    if not wanted:
        return {}
    rows = CompanyRegistration.select().where(CompanyRegistration.inn.in_(wanted),
                                              CompanyRegistration.checked_at >= since)
    return {row.inn: _registration(row) for row in rows}


def save(registration: Registration, at: dt.datetime) -> None:
    values = {**registration.__dict__, "name": (registration.name or "")[:512] or None, "checked_at": at}
    (CompanyRegistration.insert(**values)
     .on_conflict(conflict_target=[CompanyRegistration.inn], preserve=[getattr(CompanyRegistration, k)
                                                                       for k in values if k != "inn"])
     .execute())


def _registration(row: CompanyRegistration) -> Registration:
    return Registration(inn=row.inn, status=row.status, name=row.name, registered=row.registered,
                        individual=bool(row.individual), forwarder_number=row.forwarder_number,
                        forwarder_since=row.forwarder_since, forwarder_checked=bool(row.forwarder_checked))
