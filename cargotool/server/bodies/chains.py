"""Chains home (core/chains builds these)."""

from __future__ import annotations

from typing import Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12


class ChainLeg(TypedDict):
    id: str
    route: str | None
    loading_day: str
    unloading_day: str
    price_rub: float | None
    loaded_km: int
    empty_km: int


class ChainBody(TypedDict):
    text: str
    km: int
    empty_km: int
    rub_per_km: float
    price_rub: int
    home_day: str
    legs: list[ChainLeg]


class Chains(TypedDict):
    chains: list[ChainBody]
    direct: ChainBody | None
    start: dict[str, Any]
    target: dict[str, Any]
    via: list[dict[str, Any]]
    text: str
    meta: dict[str, Any]


class HomeIn(TypedDict):
    point_id: int
    name: NotRequired[str | None]


class HomeBody(TypedDict):
    home: dict[str, Any] | None
