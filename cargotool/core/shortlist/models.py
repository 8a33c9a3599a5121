"""The shortlist tables (migration 37, see storage/migrations.py)."""

from __future__ import annotations

import peewee

from ..storage.models import BaseModel, UTCDateTimeField, utcnow


class Favourite(BaseModel):
    """A load the driver starred, with the card as it was (so the list works when the load has gone)."""

    driver_id = peewee.BigIntegerField()
    cargo_id = peewee.CharField(max_length=32)
    snapshot = peewee.TextField(default="{}")  # JSON: the card's route, dates, price, company, contacts if allowed
    added_at = UTCDateTimeField(default=utcnow)
    gone_at = UTCDateTimeField(null=True)  # when the board last said the load is gone («снят»)

    class Meta:
        table_name = "favourites"
        primary_key = peewee.CompositeKey("driver_id", "cargo_id")


class HiddenCargo(BaseModel):
    driver_id = peewee.BigIntegerField()
    cargo_id = peewee.CharField(max_length=32)
    label = peewee.CharField(max_length=256, default="")  # the route, for the «Скрытые» screen
    hidden_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "hidden_cargos"
        primary_key = peewee.CompositeKey("driver_id", "cargo_id")


class HiddenCompany(BaseModel):
    driver_id = peewee.BigIntegerField()
    inn = peewee.CharField(max_length=12)
    name = peewee.CharField(max_length=256, default="")
    hidden_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "hidden_companies"
        primary_key = peewee.CompositeKey("driver_id", "inn")
