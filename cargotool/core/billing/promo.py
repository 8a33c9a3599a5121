"""Promo codes: extra days (free access), a percent discount, or a fixed discount in roubles.

Codes are case-insensitive (stored upper-case); generated ones avoid look-alike characters. Each has a
validity window, an optional global cap, a disable switch, and can be used once per driver.

The cap counts `used + reserved`, and every change of those counters is a conditional UPDATE inside a
write transaction, so concurrent requests never take more than the cap (PostgreSQL re-checks the WHERE
after the row lock; SQLite serialises writers). The once-per-driver rule is the unique (code, driver) row.

- Day codes are applied at once (`apply_days`): counter and use row in one transaction.
- Discount codes are *reserved* when a payment is created (`reserve_in_transaction`, in the payment row's
  transaction) and turned into a use when it succeeds (`consume_in_transaction`); a canceled payment
  gives its reservation back at once, an abandoned one when the reservation times out. A timed-out
  reservation is marked `expired`, not deleted: it no longer counts against the cap, but the (code,
  driver) row stays, so the driver cannot start a second discounted payment while the first can still be
  paid. A payment that succeeds after its reservation timed out is honoured (the driver paid the
  discounted price in good faith) and counted, so the cap can be overshot only by such late payments.
  Once that payment is canceled (or never reached YooKassa), the driver may reserve the code again.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import peewee

from ..audit import AuditLog
from ..errors import CargotoolError, InvalidInput, NotFound
from ..storage.db import Database
from ..storage.models import DriverRecord, Payment, PromoCode, PromoUse, database_proxy, utcnow
from .subscriptions import Subscriptions, extend_in_transaction

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_RE = re.compile(r"^[A-Z0-9_-]{3,32}$")
MIN_PAYMENT_KOPECKS = 100  # YooKassa takes at least 1 ₽
USED, RESERVED, EXPIRED = "used", "reserved", "expired"
PAYABLE = ("pending", "waiting_for_capture", "succeeded")  # a payment in these may still be (or is) paid
USED_UP = "Промокод уже использован максимальное число раз"
ALREADY_USED = "Вы уже использовали этот промокод"


class PromoRejected(CargotoolError):
    code = "promo_rejected"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"promo_code": message})


@dataclass(frozen=True)
class PromoView:
    code: str
    kind: str
    value: int
    max_uses: int | None
    used: int
    valid_until: dt.datetime | None
    disabled: bool
    reserved: int = 0  # held by payments not finished yet

    @classmethod
    def of(cls, row: PromoCode) -> "PromoView":
        return cls(row.code, row.kind, row.value, row.max_uses, row.used, row.valid_until, row.disabled, row.reserved)

    def describe(self) -> str:
        if self.kind == "days":
            return f"+{self.value} дн."
        if self.kind == "percent":
            return f"−{self.value} %"
        return f"−{self.value // 100} ₽"


def discounted(price_kopecks: int, promo: PromoView | None) -> int:
    """The price after a discount code, in whole kopecks (half a kopeck rounds up in the driver's favour)."""
    if promo is None or promo.kind == "days":
        return price_kopecks
    if promo.kind == "percent":
        discount = (price_kopecks * promo.value + 50) // 100
    else:
        discount = promo.value
    return max(MIN_PAYMENT_KOPECKS, price_kopecks - discount)


def normalise_code(code: str) -> str:
    return code.strip().upper()


class PromoCodes:
    def __init__(self, database: Database, subscriptions: Subscriptions, audit: AuditLog) -> None:
        self._db = database
        self._subscriptions = subscriptions
        self._audit = audit

    async def create(self, kind: str, value: int, *, code: str | None = None, max_uses: int | None = None,
                     valid_until: dt.datetime | None = None, actor: str = "cli") -> PromoView:
        errors = {}
        if kind not in ("days", "percent", "amount"):
            errors["kind"] = "days, percent or amount"
        elif kind == "days" and not 1 <= value <= 3660:
            errors["days"] = "1–3660"
        elif kind == "percent" and not 1 <= value <= 100:
            errors["percent"] = "1–100"
        elif kind == "amount" and value < 100:
            errors["amount_rub"] = "at least 1 ₽"
        if code is not None and not CODE_RE.match(normalise_code(code)):
            errors["code"] = "3–32 letters, digits, '_' or '-'"
        if max_uses is not None and max_uses < 1:
            errors["max_uses"] = "at least 1"
        if errors:
            raise InvalidInput("invalid promo code", fields=errors)
        text = normalise_code(code) if code else "".join(secrets.choice(ALPHABET) for _ in range(8))

        def work() -> PromoCode:
            try:
                with self._db.write_transaction():
                    return PromoCode.create(code=text, kind=kind, value=value, max_uses=max_uses, valid_until=valid_until)
            except peewee.IntegrityError:
                raise InvalidInput(f"promo code {text} already exists", fields={"code": "already exists"}) from None

        row = await self._db.run(work)
        await self._audit.record(actor, "promo.create", target=text,
                                 details={"kind": kind, "value": value, "max_uses": max_uses})
        return PromoView.of(row)

    async def list(self) -> list[PromoView]:
        return await self._db.run(lambda: [PromoView.of(r) for r in PromoCode.select().order_by(PromoCode.created_at.desc())])

    async def disable(self, code: str, actor: str = "cli") -> None:
        text = normalise_code(code)
        changed = await self._db.run(lambda: PromoCode.update(disabled=True).where(PromoCode.code == text).execute())
        if not changed:
            raise NotFound(f"no promo code {text}")
        await self._audit.record(actor, "promo.disable", target=text)

    def _check(self, row: PromoCode | None, driver_id: int, now: dt.datetime) -> PromoCode:
        row = _usable(row, now)
        if row.max_uses is not None and row.used + row.reserved >= row.max_uses:
            raise PromoRejected(USED_UP)
        if PromoUse.get_or_none((PromoUse.code == row.code) & (PromoUse.driver == driver_id)):
            raise PromoRejected(ALREADY_USED)
        return row

    async def apply_days(self, code: str, driver_id: int, ip: str | None = None) -> tuple[PromoView, dt.datetime]:
        text = normalise_code(code)

        def work():
            with self._db.write_transaction():
                now = utcnow()
                row = self._check(PromoCode.get_or_none(PromoCode.code == text), driver_id, now)
                if row.kind != "days":
                    raise PromoRejected("Это промокод на скидку: укажите его при оплате")
                if not _take(text, PromoCode.used):
                    raise PromoRejected(USED_UP)
                DriverRecord.insert(telegram_id=driver_id, first_name="").on_conflict_ignore().execute()
                try:
                    with self._db.peewee.atomic():  # a savepoint: a second use by the same driver fails alone
                        PromoUse.create(code=text, driver=driver_id, created_at=now)
                except peewee.IntegrityError:
                    raise PromoRejected(ALREADY_USED) from None
                expires = extend_in_transaction(driver_id, row.value, "promo", now)
                return PromoView.of(PromoCode.get_by_id(text)), expires

        view, expires = await self._db.run(work)
        await self._subscriptions.forget(driver_id)
        await self._audit.record(f"driver:{driver_id}", "promo.use", target=text,
                                 details={"days": view.value, "expires_at": expires.isoformat()}, ip=ip)
        return view, expires

    # ---- discount codes and payments (each runs inside the caller's write transaction) --------------

    @staticmethod
    def discount_in_transaction(code: str, now: dt.datetime) -> PromoView:
        """A discount code that exists, is on and in its window (the cap and the driver are checked by
        `reserve_in_transaction`)."""
        row = _usable(PromoCode.get_or_none(PromoCode.code == normalise_code(code)), now)
        if row.kind == "days":
            raise PromoRejected("Этот промокод даёт дни доступа: примените его без оплаты")
        return PromoView.of(row)

    @staticmethod
    def reserve_in_transaction(code: str, driver_id: int, payment_id: str, now: dt.datetime, until: dt.datetime) -> None:
        """Hold one use of `code` for this payment until `until`, or raise PromoRejected."""
        _release_expired(code, now)
        mine = PromoUse.get_or_none((PromoUse.code == code) & (PromoUse.driver == driver_id))
        if mine is not None and mine.state == USED:
            raise PromoRejected(ALREADY_USED)
        if mine is not None and mine.state == RESERVED:
            minutes = max(1, int((mine.reserved_until - now).total_seconds() // 60) + 1)
            raise PromoRejected(f"Промокод уже применён к другому вашему неоплаченному платежу. Оплатите его "
                                f"или выберите тариф снова через {minutes} мин.")
        if mine is not None and _still_payable(mine.payment_id):
            raise PromoRejected("Промокод применён к другому вашему платежу, который ещё можно оплатить. "
                                "Оплатите его или попробуйте снова, когда он будет отменён.")
        if not _take(code, PromoCode.reserved):
            raise PromoRejected(USED_UP)
        if mine is not None:  # expired, and its payment can no longer be paid: this payment takes the row
            taken = (PromoUse.update(payment_id=payment_id, state=RESERVED, reserved_until=until)
                     .where((PromoUse.code == code) & (PromoUse.driver == driver_id) & (PromoUse.state == EXPIRED)
                            & (PromoUse.payment_id == mine.payment_id)).execute())
            if not taken:  # another payment of this driver took it meanwhile (this transaction rolls back)
                raise PromoRejected(ALREADY_USED)
            return
        try:
            with database_proxy.atomic():  # a savepoint: the same driver racing with two payments fails alone
                PromoUse.create(code=code, driver=driver_id, payment_id=payment_id, state=RESERVED,
                                reserved_until=until, created_at=now)
        except peewee.IntegrityError:
            raise PromoRejected(ALREADY_USED) from None

    @staticmethod
    def consume_in_transaction(code: str, driver_id: int, payment_id: str) -> bool:
        """The payment succeeded: its reservation becomes a use. False when it held none any more (it
        timed out): the payment is honoured and counted anyway, possibly past the cap."""
        def turn(state: str) -> int:
            return (PromoUse.update(state=USED, reserved_until=None)
                    .where((PromoUse.code == code) & (PromoUse.driver == driver_id)
                           & (PromoUse.payment_id == payment_id) & (PromoUse.state == state)).execute())

        if turn(RESERVED):
            PromoCode.update(used=PromoCode.used + 1, reserved=PromoCode.reserved - 1).where(PromoCode.code == code).execute()
            return True
        PromoCode.update(used=PromoCode.used + 1).where(PromoCode.code == code).execute()
        if turn(EXPIRED):
            return False
        PromoUse.insert(code=code, driver=driver_id, payment_id=payment_id, state=USED).on_conflict_ignore().execute()
        return False

    @staticmethod
    def release_in_transaction(code: str, driver_id: int, payment_id: str) -> None:
        """The payment was canceled: give its reservation back (an expired one no longer counts; its row
        goes too, so the driver may use the code again)."""
        mine = (PromoUse.code == code) & (PromoUse.driver == driver_id) & (PromoUse.payment_id == payment_id)
        removed = PromoUse.delete().where(mine & (PromoUse.state == RESERVED)).execute()
        if removed:
            PromoCode.update(reserved=PromoCode.reserved - removed).where(PromoCode.code == code).execute()
        PromoUse.delete().where(mine & (PromoUse.state == EXPIRED)).execute()


def _usable(row: PromoCode | None, now: dt.datetime) -> PromoCode:
    """The code if it exists, is switched on and is within its validity window."""
    if row is None or row.disabled:
        raise PromoRejected("Такого промокода нет")
    if row.valid_until is not None and row.valid_until < now:
        raise PromoRejected("Срок действия промокода истёк")
    return row


def _take(code: str, counter: peewee.Field) -> bool:
    """Add one to `counter` (used or reserved) unless the cap is reached; True when taken."""
    return bool(PromoCode.update({counter: counter + 1})
                .where((PromoCode.code == code)
                       & (PromoCode.max_uses.is_null() | (PromoCode.used + PromoCode.reserved < PromoCode.max_uses)))
                .execute())


def _release_expired(code: str, now: dt.datetime) -> None:
    """Give the reservations of abandoned payments back to the cap, keeping their rows as `expired` (the
    once-per-driver rule still holds). UPDATE's row count is what this transaction changed (PostgreSQL
    re-checks the state after the row lock), so two transactions never give a reservation back twice."""
    released = (PromoUse.update(state=EXPIRED).where((PromoUse.code == code) & (PromoUse.state == RESERVED)
                                                     & (PromoUse.reserved_until < now)).execute())
    if released:
        PromoCode.update(reserved=PromoCode.reserved - released).where(PromoCode.code == code).execute()


def _still_payable(payment_id: str | None) -> bool:
    """Whether the payment that held an expired reservation may still be paid (it was sent to YooKassa and
    neither canceled nor refused there)."""
    payment = Payment.get_or_none(Payment.id == payment_id) if payment_id else None
    return payment is not None and payment.status in PAYABLE and payment.yookassa_id is not None
