"""Plans, the subscription, payments and promo codes."""

from __future__ import annotations

from typing import Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from .session import Driver


class Plan(TypedDict):
    id: str
    title: str
    days: int
    price_rub: int
    stars: int | None


class Plans(TypedDict):
    plans: list[Plan]
    receipt: NotRequired[dict[str, Any]]


class Subscription(TypedDict):
    active: bool
    expires_at: str | None
    source: str | None


class Renewal(TypedDict):
    method: str
    enabled: bool
    stars: int | None
    period_ends_at: str


class Me(TypedDict):
    driver: Driver
    subscription: Subscription
    is_admin: bool
    paywall: dict[str, bool]
    renewal: Renewal | None


class RenewalChange(TypedDict):
    enabled: bool


class RenewalBody(TypedDict):
    renewal: Renewal | None


class NewPayment(TypedDict):
    plan: str
    method: NotRequired[str | None]
    promo_code: NotRequired[str | None]
    email: NotRequired[str | None]
    phone: NotRequired[str | None]


class Payment(TypedDict):
    payment_id: str
    confirmation_url: NotRequired[str | None]
    amount_rub: NotRequired[float]
    status: NotRequired[str]
    invoice_link: NotRequired[str]
    stars: NotRequired[int]


class PromoCode(TypedDict):
    code: str


class PromoApplied(TypedDict):
    promo: dict[str, Any]
    subscription: Subscription
