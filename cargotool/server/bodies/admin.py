"""The admin API under /api/admin."""

from __future__ import annotations

from typing import Any

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from .cargos import Response


class AdminPayment(TypedDict):
    id: str
    driver_id: int
    plan: str | None
    amount_rub: float
    promo_code: str | None
    status: str
    yookassa_id: str | None
    refunded_rub: float
    created_at: str | None
    method: str
    stars: int | None
    refunded_stars: int
    telegram_payment_charge_id: str | None
    recurring: bool
    renewal_still_on: bool  # a refunded Stars subscription still renews: refund it again to turn that off


class RefundToCheck(TypedDict):
    refund_id: str
    payment_id: str
    amount_rub: float
    reason: str
    requested_at: str | None


class AdminPayments(TypedDict):
    items: list[AdminPayment]
    refunds_to_check: list[RefundToCheck]  # answer lost over 23 h ago: check in YooKassa's dashboard


class Refund(TypedDict):
    amount_rub: NotRequired[float | None]  # absent or null: all that is left
    reason: str


class Grant(TypedDict):
    days: int
    reason: str


class AdminPromo(TypedDict):
    code: str
    kind: str
    value: int
    describe: str
    used: int
    max_uses: int | None
    valid_until: str | None
    disabled: bool


class AdminPromos(TypedDict):
    items: list[AdminPromo]


class NewPromo(TypedDict):
    kind: str
    value: int
    code: NotRequired[str | None]
    max_uses: NotRequired[int | None]
    valid_until: NotRequired[str | None]


class PromoCreated(TypedDict):
    code: str
    describe: str


class PromoDisabled(TypedDict):
    code: str
    disabled: bool


class FlagSwitch(TypedDict):
    enabled: bool


class AdminResponse(Response):
    driver_id: int
    decided_by: str | None


class AdminResponses(TypedDict):
    items: list[AdminResponse]


class AuditEvent(TypedDict):
    at: str | None
    actor: str
    action: str
    target: str | None
    details: Any
    ip: str | None


class AuditEvents(TypedDict):
    items: list[AuditEvent]


class AdminReport(TypedDict):
    """A driver's report on a company as operators see it (the comment is for operators only)."""

    id: int
    inn: str
    company: str | None
    shipper_inn: str | None  # the cargo's owner, when not the company that posted the load
    shipper: str | None
    cargo_id: str
    driver_id: int
    kind: str
    label: str
    comment: str | None
    updated_at: str
    hidden: bool
    hidden_reason: str | None
    hidden_by: str | None


class AdminReports(TypedDict):
    items: list[AdminReport]


class HideReport(TypedDict):
    reason: NotRequired[str | None]  # required: missing or blank is a 422 reason_required from the desk
