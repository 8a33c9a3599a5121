"""The JSON bodies of the driver, admin, webhook and health routes, as types (see schema.py).

The handlers build these dicts (core/cargo/cards.py, the `public()` methods); the OpenAPI document is
generated from these types, and the fuzz test checks every real answer against it. Fields that may be
missing are NotRequired; fields that may be null are `X | None`. Extra fields are allowed.

A request body's type (Login, Offer, ...) is also what `json_body` checks the body's JSON types against
(server/validation.py): declare what the handler accepts, nulls included; ranges stay with the handler.
"""

from __future__ import annotations

from .session import (  # noqa: F401 (the bodies are used as `B.Name`)
    Driver,
    Login,
    Session,
    WhoAmI,
)
from .cargos import (  # noqa: F401 (the bodies are used as `B.Name`)
    TypeRef,
    Company,
    Card,
    Meta,
    ListMeta,
    CargoPage,
    Contact,
    CargoDetail,
    PointItem,
    Points,
    RegionItem,
    Regions,
    Dictionaries,
    Offer,
    Response,
    ResponseBody,
    Responses,
    Queued,
)
from .billing import (  # noqa: F401 (the bodies are used as `B.Name`)
    Plan,
    Plans,
    Subscription,
    Renewal,
    Me,
    RenewalChange,
    RenewalBody,
    NewPayment,
    Payment,
    PromoCode,
    PromoApplied,
)
from .searches import (  # noqa: F401 (the bodies are used as `B.Name`)
    SearchIn,
    SearchBody,
    Searches,
    Position,
    Fuel,
    Driving,
    DrivingToday,
    Truck,
    ReportIn,
    ReportBody,
    MyReportBody,
)
from .admin import (  # noqa: F401 (the bodies are used as `B.Name`)
    AdminPayment,
    RefundToCheck,
    AdminPayments,
    Refund,
    Grant,
    AdminPromo,
    AdminPromos,
    NewPromo,
    PromoCreated,
    PromoDisabled,
    FlagSwitch,
    AdminResponse,
    AdminResponses,
    AuditEvent,
    AuditEvents,
    AdminReport,
    AdminReports,
    HideReport,
)
from .system import (  # noqa: F401 (the bodies are used as `B.Name`)
    TelegramUpdate,
    YooKassaObject,
    YooKassaNotification,
    TelegramAccepted,
    YooKassaAnswer,
    Health,
    Readiness,
)
