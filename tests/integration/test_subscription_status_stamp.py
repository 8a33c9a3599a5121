"""The cached subscription status never outlives the subscription: its whole-second stamp rounds down."""

from __future__ import annotations

import datetime as dt

from cargotool.core.billing import subscriptions
from cargotool.core.storage.models import DriverRecord, Subscription

DRIVER = 501


async def test_a_subscription_that_just_ended_is_not_active(services, monkeypatch):
    ended = dt.datetime(2030, 1, 1, 12, 0, 0, 600_000, tzinfo=dt.timezone.utc)  # .6 s: rounding would say 12:00:01
    monkeypatch.setattr(subscriptions, "utcnow", lambda: ended + dt.timedelta(milliseconds=100))

    def create() -> None:
        DriverRecord.insert(telegram_id=DRIVER, first_name="Иван").execute()
        Subscription.create(driver=DRIVER, expires_at=ended, source="payment", updated_at=ended)

    await services.database.run(create)
    status = await services.subscriptions.status(DRIVER)  # read from the database, then cached
    assert status.active is False
    assert (await services.subscriptions.status(DRIVER)).active is False  # and from the cache
