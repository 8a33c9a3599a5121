"""Reading a load's card from the shared cache — the one place that knows its shape.

The cache (core/cargo/service.py) answers with the card, parsed once per cached answer (`Answer.data`):
`{"id", "contacts": [{"type", "name", "phones"}], "display": {"route", ...}, ...}`. When it hands out a
typed load instead, `read_card` is what adapts."""

from __future__ import annotations

from typing import Any, Protocol

from ..cargo.card_types import writable
from ..errors import NotFound
from ..numbers import plain_int

MAX_ID_DIGITS = 20
UNKNOWN = "Груз не найден"
GONE = "Груз не найден или уже снят"


class Answer(Protocol):
    data: Any  # the card, parsed once per cached answer (core/cargo/service.py)


class Details(Protocol):
    async def detail(self, cargo_id: str) -> Answer: ...


def load_id(text: str) -> str:
    """A load id as a driver may send it (a plain number); anything else is a load that does not exist."""
    if plain_int(text, max_digits=MAX_ID_DIGITS) is None:
        raise NotFound(UNKNOWN)
    return text


async def read_card(cargos: Details, cargo_id: str) -> dict[str, Any]:
    """This caller's own copy of the load's card (`writable`: its top level and `display` are its own, the
    shared copy stays whole); NotFound when it is gone."""
    cargo_id = load_id(cargo_id)
    try:
        answer = await cargos.detail(cargo_id)
    except NotFound:
        raise NotFound(GONE) from None
    return writable(answer.data)


def route_of(card: dict[str, Any]) -> str:
    return card["display"]["route"]


def phones_of(card: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(name, phone) for every phone of every contact, in the card's order."""
    return [(contact["name"], phone) for contact in card.get("contacts") or [] for phone in contact["phones"]]
