"""The consents table (migration 31, see storage/migrations.py)."""

from __future__ import annotations

import peewee

from ..storage.models import BaseModel, UTCDateTimeField, utcnow


class ConsentAnswer(BaseModel):
    """One answer of a driver to "may we use your position / live location?": every answer is a row with its
    time (the latest decides), so what was agreed to and when can be shown."""

    id = peewee.AutoField()
    driver_id = peewee.BigIntegerField()
    kind = peewee.CharField(max_length=16)  # position | live_location
    answer = peewee.BooleanField()
    answered_at = UTCDateTimeField(default=utcnow)
    via = peewee.CharField(max_length=8)  # app | bot

    class Meta:
        table_name = "privacy_consents"
