"""Saved searches and insights (core/alerts, core/insights build these)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from ..validation import Say


class SearchIn(TypedDict):
    name: NotRequired[str | None]
    filters: NotRequired[dict[str, Any] | None]
    alerts: NotRequired[bool]
    auto_response: NotRequired[dict[str, Any] | Literal[False] | None]
    opened: NotRequired[bool]


class SearchBody(TypedDict):
    search: dict[str, Any]


class Searches(TypedDict):
    items: list[dict[str, Any]]


class Position(TypedDict):
    lat: NotRequired[float]
    lon: NotRequired[float]
    point_id: NotRequired[int]
    name: NotRequired[str | None]


class Fuel(TypedDict):
    l_per_100km: NotRequired[float | None]
    price_rub: NotRequired[float | None]


class Driving(TypedDict):
    driven_today_h: Annotated[float, Say("Число часов от 0 до 13")]


class DrivingToday(TypedDict):
    driven_today_h: float
    date: str  # the Moscow day they count for
class Truck(TypedDict):
    over_12t: bool  # Platon is charged (issue 21 §2)
    cost_rub_km: NotRequired[float | None]  # the driver's own other cost per km, optional


class ReportIn(TypedDict):
    kind: str  # not_paid | no_cargo | terms_changed
    comment: NotRequired[str | None]


class ReportBody(TypedDict):
    report: dict[str, Any]


class MyReportBody(TypedDict):
    report: dict[str, Any] | None  # null: no report of mine on this load
