"""E-mail and phone for 54-FZ receipts: checked and normalised to YooKassa's format."""

from __future__ import annotations

import pytest

from cargotool.core.billing.receipts import contact_from, normalise_email, normalise_phone
from cargotool.core.errors import InvalidInput


@pytest.mark.parametrize("text, expected", [
    ("+7 (900) 123-45-67", "79001234567"),
    ("8 900 123 45 67", "79001234567"),
    ("9001234567", "79001234567"),
    ("79001234567", "79001234567"),
    ("+375 29 123-45-67", "375291234567"),
])
def test_phones_become_digits_with_the_country_code(text, expected):
    assert normalise_phone(text) == expected


@pytest.mark.parametrize("text", ["12345", "+7 900 123", "7900123456789", "phone", "+7 900 123-45-67 доб. 5",
                                  "0123456789012", "+1234567890123456"])
def test_bad_phones_are_refused(text):
    with pytest.raises(InvalidInput) as error:
        normalise_phone(text)
    assert set(error.value.fields) == {"phone"}


def test_emails():
    assert normalise_email("  Ivan.Petrov@Mail.RU ") == "Ivan.Petrov@mail.ru"
    for bad in ("ivan", "ivan@", "ivan@mail", "a b@mail.ru", "@mail.ru", "x" * 250 + "@mail.ru"):
        with pytest.raises(InvalidInput):
            normalise_email(bad)


def test_a_body_gives_both_or_names_every_bad_field():
    assert contact_from({"email": "a@b.ru", "phone": "89001234567"}) == {"email": "a@b.ru", "phone": "79001234567"}
    assert contact_from({"email": " ", "phone": None}) == {}
    with pytest.raises(InvalidInput) as error:
        contact_from({"email": "nope", "phone": 79001234567})
    assert set(error.value.fields) == {"email", "phone"}
