"""Reading whole numbers from text that anyone may have typed or forged."""

from __future__ import annotations


def plain_int(text: str | None, max_digits: int = 18) -> int | None:
    """The value of `text` if it is 1..max_digits ASCII digits (no sign, no spaces), else None.

    `str.isdigit()` alone is not enough: it accepts «²» and other Unicode digits that `int()` refuses,
    and strings of any length (18 digits always fit a signed 64-bit integer)."""
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)
