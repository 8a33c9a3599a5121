"""54-FZ receipts: the buyer's e-mail or phone, checked, normalised to YooKassa's format and remembered
per driver (the plans screen offers it next time), and the receipt objects YooKassa takes."""

from __future__ import annotations

import re
from typing import Any

from ..errors import InvalidInput
from ..storage.db import Database
from ..storage.models import DriverRecord, ReceiptContact, utcnow

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
PHONE_CHARS_RE = re.compile(r"^\+?[\d\s()\-]+$")


def normalise_phone(text: str) -> str:
    """Digits with the country code, as YooKassa wants (`79001234567`); Russian numbers may start with 8
    or lack the 7. Raises InvalidInput."""
    if not PHONE_CHARS_RE.match(text.strip()):
        raise InvalidInput("Проверьте телефон", fields={"phone": "Только цифры, например +7 900 123-45-67"})
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    if (digits.startswith("7") and len(digits) != 11) or not 11 <= len(digits) <= 15 or digits[0] == "0":
        raise InvalidInput("Проверьте телефон", fields={"phone": "Номер с кодом страны, например +7 900 123-45-67"})
    return digits


def normalise_email(text: str) -> str:
    text = text.strip()
    if len(text) > 254 or not EMAIL_RE.match(text):
        raise InvalidInput("Проверьте e-mail", fields={"email": "Адрес вида name@example.ru"})
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def contact_from(raw: dict[str, Any]) -> dict[str, str]:
    """The e-mail and/or phone of a request body, normalised; empty when neither was given."""
    contact, errors = {}, {}
    for name, normalise in (("email", normalise_email), ("phone", normalise_phone)):
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            errors[name] = "Ожидался текст"
            continue
        try:
            contact[name] = normalise(value)
        except InvalidInput as exc:
            errors.update(exc.fields or {})
    if errors:
        raise InvalidInput("Проверьте данные для чека", fields=errors)
    return contact


def build_receipt(contact: dict[str, str], description: str, amount_kopecks: int, vat_code: int) -> dict[str, Any]:
    """A receipt with one item (the subscription, a service paid in full), for a payment or a refund."""
    return {"customer": dict(contact), "items": [{
        "description": description[:128], "quantity": "1.00",
        "amount": {"value": f"{amount_kopecks // 100}.{amount_kopecks % 100:02d}", "currency": "RUB"},
        "vat_code": vat_code, "payment_subject": "service", "payment_mode": "full_payment"}]}


class ReceiptContacts:
    """The contact a driver last gave for receipts."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, driver_id: int) -> dict[str, str]:
        row = await self._db.run(lambda: ReceiptContact.get_or_none(ReceiptContact.driver == driver_id))
        return {k: v for k, v in (("email", row.email), ("phone", row.phone)) if v} if row else {}

    async def remember(self, driver_id: int, contact: dict[str, str]) -> None:
        values = {"email": contact.get("email"), "phone": contact.get("phone"), "updated_at": utcnow()}

        def work():
            with self._db.write_transaction():
                DriverRecord.insert(telegram_id=driver_id, first_name="").on_conflict_ignore().execute()
                (ReceiptContact.insert(driver=driver_id, **values)
                 .on_conflict(conflict_target=[ReceiptContact.driver], update=values).execute())

        await self._db.run(work)
