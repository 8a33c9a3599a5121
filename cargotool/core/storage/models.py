"""peewee models. Tables are created and changed only by migrations (see migrations.py)."""

from __future__ import annotations

import datetime as dt

import peewee

database_proxy = peewee.DatabaseProxy()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTimeField(peewee.DateTimeField):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    def db_value(self, value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class BaseModel(peewee.Model):
    class Meta:
        database = database_proxy


class AuditEvent(BaseModel):
    """Append-only record of a significant operation. `details` never holds secrets."""

    id = peewee.AutoField()
    created_at = UTCDateTimeField(default=utcnow, index=True)
    actor = peewee.CharField(max_length=64)  # "system", "cli", "driver:<id>", "admin:<id>"
    action = peewee.CharField(max_length=64, index=True)
    target = peewee.CharField(max_length=128, null=True)
    details = peewee.TextField(default="{}")  # JSON
    ip = peewee.CharField(max_length=64, null=True)

    class Meta:
        table_name = "audit_events"


class DriverRecord(BaseModel):
    """A driver known by their Telegram id: created at first login, refreshed at each login."""

    telegram_id = peewee.BigIntegerField(primary_key=True)
    first_name = peewee.CharField(max_length=256, default="")
    last_name = peewee.CharField(max_length=256, null=True)
    username = peewee.CharField(max_length=64, null=True)
    created_at = UTCDateTimeField(default=utcnow)
    last_login_at = UTCDateTimeField(default=utcnow)
    bot_blocked_at = UTCDateTimeField(null=True)  # a 403 (blocked, never started): silent until cleared (drivers/reach.py)

    class Meta:
        table_name = "drivers"


class Response(BaseModel):
    """A driver's offer on a load: one per driver and load (sending again updates it)."""

    id = peewee.AutoField()
    driver = peewee.ForeignKeyField(DriverRecord, column_name="driver_id", field="telegram_id", backref="responses")
    cargo_id = peewee.CharField(max_length=32)
    rate_kopecks = peewee.BigIntegerField()
    comment = peewee.TextField(null=True)
    phone = peewee.CharField(max_length=32, null=True)
    status = peewee.CharField(max_length=16, index=True)
    cargo = peewee.TextField(default="{}")  # JSON: the card as the driver saw it (route, dates, price)
    version = peewee.IntegerField(default=1)  # bumps when the driver changes the offer
    dispatcher_message_id = peewee.BigIntegerField(null=True)
    decided_by = peewee.CharField(max_length=128, null=True)
    decided_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "responses"
        indexes = ((("driver", "cargo_id"), True),)


class ResponseEvent(BaseModel):
    """The history of a response: every status it had, who set it and when."""

    id = peewee.AutoField()
    response = peewee.ForeignKeyField(Response, backref="events", on_delete="CASCADE")
    status = peewee.CharField(max_length=16)
    actor = peewee.CharField(max_length=128)
    note = peewee.TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "response_events"


class Subscription(BaseModel):
    """Until when a driver has access, and where the latest extension came from."""

    driver = peewee.ForeignKeyField(DriverRecord, column_name="driver_id", field="telegram_id", primary_key=True)
    expires_at = UTCDateTimeField()
    source = peewee.CharField(max_length=16)  # payment | promo | grant
    reminded_for = UTCDateTimeField(null=True)  # the expiry the last reminder was about
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "subscriptions"


class Payment(BaseModel):
    """Our side of a payment. YooKassa's: stored before YooKassa is called; its id derives the
    Idempotence-Key. Telegram Stars': stored when its invoice link is made (the link's payload names it);
    each renewal of a Stars subscription is a row of its own, unique by Telegram's charge id."""

    id = peewee.CharField(max_length=36, primary_key=True)
    driver = peewee.ForeignKeyField(DriverRecord, column_name="driver_id", field="telegram_id", backref="payments")
    plan_id = peewee.CharField(max_length=16)
    days = peewee.IntegerField()
    amount_kopecks = peewee.BigIntegerField()
    promo_code = peewee.CharField(max_length=32, null=True)
    status = peewee.CharField(max_length=24, index=True)  # new | pending | waiting_for_capture | succeeded | canceled
    yookassa_id = peewee.CharField(max_length=64, null=True, unique=True)
    confirmation_url = peewee.TextField(null=True)
    refunded_kopecks = peewee.BigIntegerField(default=0)
    created_at = UTCDateTimeField(default=utcnow, index=True)
    updated_at = UTCDateTimeField(default=utcnow)
    # The database defaults below make a new database (migration 4 builds the table from this model) the same as
    # one migration 30 altered: a row written without these columns is a YooKassa payment.
    method = peewee.CharField(max_length=16, default="yookassa", constraints=[peewee.SQL("DEFAULT 'yookassa'")])  # or stars
    telegram_payment_charge_id = peewee.CharField(max_length=255, null=True, unique=True)
    stars = peewee.IntegerField(null=True)  # the price in Telegram Stars (Stars payments; amount_kopecks is 0)
    refunded_stars = peewee.IntegerField(default=0, constraints=[peewee.SQL("DEFAULT 0")])
    subscription_expiration_date = UTCDateTimeField(null=True)  # a Stars subscription's current period end
    is_recurring = peewee.BooleanField(default=False, constraints=[peewee.SQL("DEFAULT FALSE")])  # a Stars renewal
    renewal_canceled = peewee.BooleanField(default=False, constraints=[peewee.SQL("DEFAULT FALSE")])  # renewal off

    class Meta:
        table_name = "payments"


class PaymentEffect(BaseModel):
    """What a payment event did, once: the unique (payment, effect) pair makes processing exactly-once."""

    id = peewee.AutoField()
    payment = peewee.ForeignKeyField(Payment, backref="effects")
    effect = peewee.CharField(max_length=80)  # succeeded | canceled | refund:<refund id> | renews:<first payment id>
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "payment_effects"
        indexes = ((("payment", "effect"), True),)


class Refund(BaseModel):
    """A refund an operator started (refunds made elsewhere show only as effects and refunded_kopecks).
    Stored before YooKassa is called; its id derives the Idempotence-Key, `request_key` makes repeating
    the same request return this row."""

    id = peewee.CharField(max_length=36, primary_key=True)
    payment = peewee.ForeignKeyField(Payment, backref="refunds")
    yookassa_id = peewee.CharField(max_length=64, null=True, unique=True)
    request_key = peewee.CharField(max_length=64, unique=True)
    amount_kopecks = peewee.BigIntegerField()
    reason = peewee.TextField()
    status = peewee.CharField(max_length=16)  # new | pending | succeeded | canceled
    actor = peewee.CharField(max_length=64)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "refunds"


class ReceiptContact(BaseModel):
    """The e-mail and/or phone a driver last gave for 54-FZ receipts (normalised)."""

    driver = peewee.ForeignKeyField(DriverRecord, column_name="driver_id", field="telegram_id", primary_key=True)
    email = peewee.CharField(max_length=254, null=True)
    phone = peewee.CharField(max_length=16, null=True)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "receipt_contacts"


class PromoCode(BaseModel):
    code = peewee.CharField(max_length=32, primary_key=True)  # stored upper-case
    kind = peewee.CharField(max_length=8)  # days | percent | amount
    value = peewee.IntegerField()  # days, percent, or kopecks
    max_uses = peewee.IntegerField(null=True)
    used = peewee.IntegerField(default=0)  # uses by paid payments and applied day codes
    reserved = peewee.IntegerField(default=0)  # held by open payments (see billing/promo.py)
    valid_until = UTCDateTimeField(null=True)
    disabled = peewee.BooleanField(default=False)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "promo_codes"


class PromoUse(BaseModel):
    """A driver's use of a code: `used`, or `reserved` by an open payment until `reserved_until`."""

    code = peewee.ForeignKeyField(PromoCode, column_name="code", backref="uses")
    driver = peewee.ForeignKeyField(DriverRecord, column_name="driver_id", field="telegram_id")
    payment_id = peewee.CharField(max_length=36, null=True)
    state = peewee.CharField(max_length=16, default="used")  # used | reserved
    reserved_until = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "promo_uses"
        indexes = ((("code", "driver"), True),)
        primary_key = peewee.CompositeKey("code", "driver")


class Flag(BaseModel):
    name = peewee.CharField(max_length=64, primary_key=True)
    enabled = peewee.BooleanField()
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "flags"


class SavedSearch(BaseModel):
    """A driver's saved filters (`filters`: the list's own parameters, as JSON) and whether they alert.

    `query_key` is the normalised upstream query (without paging), so equal searches share one poll."""

    id = peewee.AutoField()
    driver_id = peewee.BigIntegerField(index=True)
    name = peewee.CharField(max_length=120)
    filters = peewee.TextField(default="{}")
    query_key = peewee.TextField()
    alerts = peewee.BooleanField(default=True)
    auto_rule = peewee.TextField(null=True)  # JSON {"rate_min": ₽/km, "price_min": ₽} or NULL
    kind = peewee.CharField(max_length=16, null=True)  # NULL: the driver's own; "availability": «Свободен с…» (40)
    last_opened_at = UTCDateTimeField(default=utcnow)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "saved_searches"


class SearchHit(BaseModel):
    """A load that matched a saved search (for «N новых» since the driver last opened it)."""

    id = peewee.AutoField()
    search_id = peewee.IntegerField()
    cargo_id = peewee.CharField(max_length=32)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "search_hits"
        indexes = ((("search_id", "cargo_id"), True),)


class AlertDelivery(BaseModel):
    """A load alerted to a driver: the unique pair is what makes an alert go out at most once, ever."""

    id = peewee.AutoField()
    driver_id = peewee.BigIntegerField()
    cargo_id = peewee.CharField(max_length=32)
    search_id = peewee.IntegerField(null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "alert_deliveries"
        indexes = ((("driver_id", "cargo_id"), True),)


class AlertPrefs(BaseModel):
    """A driver's own alert settings; no row = the defaults (ALERTS_QUIET_HOURS)."""

    driver_id = peewee.BigIntegerField(primary_key=True)
    quiet_hours = peewee.CharField(max_length=16, null=True)  # "22:00-07:00", "off", NULL = default
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "alert_prefs"
