"""The Russian taxpayer number (ИНН): 10 digits for a company, 12 for a person, with check digits."""

from __future__ import annotations

from ..errors import InvalidInput

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def is_valid_inn(text: str) -> bool:
    if not (text.isascii() and text.isdigit() and len(text) in (10, 12)):
        return False
    digits = [int(c) for c in text]
    if len(digits) == 10:
        return _check(digits, _W10) == digits[9]
    return _check(digits, _W11) == digits[10] and _check(digits, _W12) == digits[11]


def valid_inn(text: str) -> str:
    """The INN, or a 400 naming the field."""
    if not (text.isascii() and text.isdigit() and len(text) in (10, 12)):
        raise InvalidInput("Проверьте ИНН", fields={"inn": "ИНН — 10 цифр у компании или 12 у ИП"})
    if not is_valid_inn(text):
        raise InvalidInput("Проверьте ИНН", fields={"inn": "Неверная контрольная цифра ИНН"})
    return text
