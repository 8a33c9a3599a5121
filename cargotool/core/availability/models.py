"""The availability table (migration 40, see storage/migrations.py)."""

from __future__ import annotations

import peewee

from ..storage.models import BaseModel, UTCDateTimeField, utcnow


class DriverAvailability(BaseModel):
    """Where (a CargoTech point id and its gazetteer name) and from which Moscow day a driver is free."""

    driver_id = peewee.BigIntegerField(primary_key=True)
    point_id = peewee.BigIntegerField()
    name = peewee.CharField(max_length=128)
    day = peewee.DateField()
    radius_km = peewee.IntegerField()
    search_id = peewee.IntegerField(null=True)  # its system saved search (core/alerts/searches.py)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "driver_availability"
