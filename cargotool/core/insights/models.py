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
