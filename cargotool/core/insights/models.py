"""Tables of the insights capability (created by migrations 20–21, see storage/migrations.py)."""

from __future__ import annotations

import peewee

from ..storage.models import BaseModel, UTCDateTimeField, utcnow


class DriverInsightProfile(BaseModel):
    """A driver's own position (home city or last shared location) and fuel figures. Never shown to others."""

    driver_id = peewee.BigIntegerField(primary_key=True)
    lat = peewee.FloatField(null=True)
    lon = peewee.FloatField(null=True)
    point_id = peewee.BigIntegerField(null=True)  # CargoTech point id of the home city
    place_name = peewee.CharField(max_length=128, null=True)
    position_source = peewee.CharField(max_length=16, null=True)  # device | home
    position_at = UTCDateTimeField(null=True)
    fuel_l_per_100km = peewee.FloatField(null=True)
    fuel_price_kopecks = peewee.BigIntegerField(null=True)
    truck_over_12t = peewee.BooleanField(null=True)  # issue 21 §2: Platon applies; None: the driver has not said
    truck_cost_kopecks_km = peewee.BigIntegerField(null=True)  # the driver's own other cost per km
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "driver_insight_profiles"


class LaneRate(BaseModel):
    """One load seen in a list or detail: its lane and posted ₽/km. One row per load (the latest sighting)."""

    cargo_id = peewee.CharField(max_length=32, primary_key=True)
    from_region = peewee.CharField(max_length=64)
    to_region = peewee.CharField(max_length=64)
    body = peewee.CharField(max_length=64)
    weight_class = peewee.CharField(max_length=16)
    from_city = peewee.CharField(max_length=128, null=True)
    to_city = peewee.CharField(max_length=128, null=True)
    rate_kopecks_per_km = peewee.BigIntegerField()
    seen_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "lane_rates"


class Trip(BaseModel):
    """An accepted response as insights sees it: who worked with which company, where and when.
    Copied from `responses` by `TripBook.sync` (so core/responses needs no hook)."""

    id = peewee.AutoField()
    response_id = peewee.BigIntegerField(unique=True, null=True)  # None once the driver is forgotten
    driver_id = peewee.BigIntegerField(index=True)
    cargo_id = peewee.CharField(max_length=32, null=True)  # None once the driver is forgotten
    inn = peewee.CharField(max_length=16, null=True, index=True)  # the company that posted the load
    company_name = peewee.CharField(max_length=256, null=True)
    shipper_inn = peewee.CharField(max_length=16, null=True, index=True)  # the detail's shipper, when another company
    shipper_name = peewee.CharField(max_length=256, null=True)
    from_city = peewee.CharField(max_length=128, null=True)
    to_city = peewee.CharField(max_length=128, null=True)
    from_address_key = peewee.CharField(max_length=255, null=True, index=True)
    to_address_key = peewee.CharField(max_length=255, null=True, index=True)
    loading_until = UTCDateTimeField(null=True)
    unloading_until = UTCDateTimeField(null=True)
    accepted_at = UTCDateTimeField(default=utcnow)
    wait_asked_at = UTCDateTimeField(null=True)
    load_wait = peewee.CharField(max_length=8, null=True)  # a WAIT_ANSWERS code
    unload_wait = peewee.CharField(max_length=8, null=True)

    class Meta:
        table_name = "insight_trips"


class DriverReport(BaseModel):
    """A driver's report on a company after an accepted response: one per driver and load."""

    id = peewee.AutoField()
    driver_id = peewee.BigIntegerField()
    cargo_id = peewee.CharField(max_length=32, null=True)  # None once the driver is forgotten
    inn = peewee.CharField(max_length=16, index=True)  # the poster's INN (the shipper's when the poster has none)
    shipper_inn = peewee.CharField(max_length=16, null=True, index=True)  # the shipper's, when another company
    kind = peewee.CharField(max_length=16)  # not_paid | no_cargo | terms_changed
    comment = peewee.TextField(null=True)
    hidden_at = UTCDateTimeField(null=True)
    hidden_by = peewee.CharField(max_length=128, null=True)
    hidden_reason = peewee.TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "driver_reports"
        indexes = ((("driver_id", "cargo_id"), True),)


class ForgottenResponse(BaseModel):
    """An accepted response of a forgotten driver: `TripBook.sync` does not copy it again. It names no trip or
    report, so nothing leads from these back to the driver's anonymous trips and reports."""

    response_id = peewee.BigIntegerField(primary_key=True)

    class Meta:
        table_name = "insight_forgotten_responses"


def companies_of(inn: str | None, shipper_inn: str | None) -> set[str]:
    """The INNs a trip or a report belongs to: the poster's and the shipper's (each figure counts it once)."""
    return {i for i in (inn, shipper_inn) if i}
