"""The JSON bodies of the driver, admin, webhook and health routes, as types (see schema.py).

The handlers build these dicts (core/cargo/cards.py, the `public()` methods); the OpenAPI document is
generated from these types, and the fuzz test checks every real answer against it. Fields that may be
missing are NotRequired; fields that may be null are `X | None`. Extra fields are allowed.

A request body's type (Login, Offer, ...) is also what `json_body` checks the body's JSON types against
(server/validation.py): declare what the handler accepts, nulls included; ranges stay with the handler.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from .validation import Say


class Driver(TypedDict):
    telegram_id: int
    first_name: str
    username: str | None


class Login(TypedDict):
    init_data: str
    cargos: NotRequired[str]  # a /api/cargos query string: its first page comes back with the session


class Session(TypedDict):
    session_token: str
    expires_at: str
    driver: Driver
    start_param: str | None
    bot_can_write: bool  # false while Telegram refuses the bot's messages (GET/POST /api/me/bot-access)
    cargos_query: NotRequired[str]
    cargos: NotRequired[dict[str, Any]]  # a CargoPage
    cargos_error: NotRequired[dict[str, Any]]  # {"status", "error": {...}}


class WhoAmI(TypedDict):
    driver: Driver


class TypeRef(TypedDict):
    id: int | None
    name: str
    short_name: str


class Company(TypedDict):
    name: str | None
    inn: str | None
    security_status: int | None


class Card(TypedDict):
    id: str
    weight_t: float | None
    distance_km: int | None
    price_kopecks: int | None
    price_rub: float | None
    price_source: str | None
    rate_kopecks_per_km: int | None
    rate_rub_per_km: float | None
    truck_types: list[TypeRef]
    load_types: list[TypeRef]
    company: Company | None
    display: dict[str, str]


class Meta(TypedDict):
    """`stale` is true when CargoTech failed and this is the last good copy; `fetched_at` (UTC) and
    `age_seconds` (stale copies only) say how old it is."""

    stale: bool
    fetched_at: str
    age_seconds: NotRequired[int]


class ListMeta(Meta):
    limit: int
    offset: int
    total: int | None
    next_offset: int | None


class CargoPage(TypedDict):
    items: list[Card]
    meta: ListMeta


class Contact(TypedDict):
    type: Any
    name: str | None
    phones: list[str]


class CargoDetail(Card):
    comment: NotRequired[str | None]
    contacts: list[Contact]
    contacts_hidden: NotRequired[bool]
    meta: Meta


class PointItem(TypedDict):
    id: int
    name: str
    type: int | None


class Points(TypedDict):
    items: list[PointItem]
    meta: Meta


class Dictionaries(TypedDict):
    """null when CargoTech cannot give that dictionary now (the Mini App hides the filter)."""

    truck_types: list[TypeRef] | None
    load_types: list[TypeRef] | None


class Offer(TypedDict):
    rate_rub: Annotated[float, Say("Укажите ставку целым числом рублей")]  # whole roubles (50000.0 is taken)
    comment: NotRequired[str | None]
    phone: NotRequired[str | None]


class Response(TypedDict):
    id: int | str
    cargo_id: str
    rate_rub: int
    comment: str | None
    phone: str | None
    status: str
    created_at: str
    updated_at: str
    cargo: dict[str, Any] | None


class ResponseBody(TypedDict):
    response: Response


class Responses(TypedDict):
    items: list[Response]


class Queued(TypedDict):
    queued: bool


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


# ---- saved searches and insights (core/alerts, core/insights build these) ----------------------------------

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


class ReportIn(TypedDict):
    kind: str  # not_paid | no_cargo | terms_changed
    comment: NotRequired[str | None]


class ReportBody(TypedDict):
    report: dict[str, Any]


class MyReportBody(TypedDict):
    report: dict[str, Any] | None  # null: no report of mine on this load


# ---- admin -------------------------------------------------------------------------------------------

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


# ---- webhooks and health ------------------------------------------------------------------------------

class TelegramUpdate(TypedDict):
    """A Bot API update: only what is read before it is queued (the rest is Telegram's, kept as sent)."""

    update_id: int


class YooKassaObject(TypedDict):
    id: str


class YooKassaNotification(TypedDict):
    """Only the event and the object's id are read; the object itself is re-fetched from YooKassa."""

    type: str
    event: str
    object: YooKassaObject

class TelegramAccepted(TypedDict):
    ok: bool
    duplicate: bool


class YooKassaAnswer(TypedDict):
    ok: bool
    applied: NotRequired[bool]
    ignored: NotRequired[str]


class Health(TypedDict):
    status: str


class Readiness(TypedDict):
    status: str
    checks: dict[str, str]
