"""Favourites and hidden loads and companies (core/shortlist builds these)."""

from __future__ import annotations

from typing import Annotated, Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from ..validation import Say


class FavouriteItem(TypedDict):
    cargo_id: str
    added_at: str
    card: dict[str, Any]  # the card's snapshot: route, dates, price, company, contacts only with access
    gone: bool  # the load has gone from the board («снят»)
    gone_at: str | None
    status_text: str | None


class FavouriteBody(TypedDict):
    favourite: FavouriteItem


class Favourites(TypedDict):
    items: list[FavouriteItem]
    limit: int


class HiddenCargoItem(TypedDict):
    cargo_id: str
    route: str | None
    hidden_at: NotRequired[str]


class HiddenCompanyItem(TypedDict):
    inn: str
    name: str | None
    hidden_at: NotRequired[str]


class HiddenCargoBody(TypedDict):
    hidden_cargo: HiddenCargoItem


class HiddenCompanyBody(TypedDict):
    hidden_company: HiddenCompanyItem


class HiddenCompanyIn(TypedDict):
    name: NotRequired[Annotated[str | None, Say("Название компании — текстом")]]


class Hidden(TypedDict):
    cargos: list[HiddenCargoItem]
    companies: list[HiddenCompanyItem]
    limit: int
