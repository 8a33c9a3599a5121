"""Admin JSON API under /api/admin, for ADMIN_TELEGRAM_IDS only (the same Telegram login; the role is
checked here, on the server). The Mini App's admin screen uses it; the CLI offers the same operations."""

from __future__ import annotations

import datetime as dt
import json as jsonlib
from typing import Any

from sanic import Blueprint, Request, json
from sanic_ext import openapi

from ..core.clock import iso, moscow_datetime
from ..core.errors import Forbidden, InvalidInput
from ..core.numbers import plain_int
from .client_ip import request_ip
from . import bodies as B
from .auth import admit
from .requests import json_body, services
from .schema import describe
from .validation import NO_BODY

bp = Blueprint("admin", url_prefix="/api/admin")


@bp.on_request
async def admins_only(request: Request) -> None:
    driver = await admit(request)
    if driver.telegram_id not in services(request).settings.admin_telegram_ids:
        raise Forbidden("Только для администраторов")
    request.ctx.actor = f"admin:{driver.telegram_id}"


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput("Проверьте поля", fields={name: f"целое число от {low} до {high}"})
    return value


MAX_REASON = 500
MAX_TELEGRAM_ID = 2**63 - 1  # Telegram ids fit in 64 bits (today: 52); the database column is a BIGINT


def _telegram_id(value: int) -> int:
    return _int(value, "telegram_id", 1, MAX_TELEGRAM_ID)


def _text(value: Any, name: str, max_length: int, *, required: bool = False) -> str | None:
    """A text field, trimmed; None when optional and absent or blank."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput("Проверьте поля", fields={name: "Ожидался текст"})
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput("Проверьте поля", fields={name: "Обязательное поле"})
    if len(text) > max_length:
        raise InvalidInput("Проверьте поля", fields={name: f"Не длиннее {max_length} символов"})
    return text or None


@bp.get("/payments")
@describe("Payments, newest first", responses={200: B.AdminPayments}, secured=True, errors=(403,))
async def payments(request: Request):
    svc = services(request)
    rows = await svc.payments.list(request.args.get("status") or None, limit=200)
    to_check = await svc.payments.refunds_to_check()
    renewing = await svc.stars.renewal_left_on(rows)
    return json({"items": [{"id": r.id, "driver_id": r.driver_id, "plan": r.plan_id, "amount_rub": r.amount_kopecks / 100,
                            "promo_code": r.promo_code, "status": r.status, "yookassa_id": r.yookassa_id,
                            "refunded_rub": r.refunded_kopecks / 100, "created_at": iso(r.created_at),
                            "method": r.method, "stars": r.stars, "refunded_stars": r.refunded_stars,
                            "telegram_payment_charge_id": r.telegram_payment_charge_id, "recurring": r.is_recurring,
                            "renewal_still_on": r.id in renewing}
                           for r in rows],
                 "refunds_to_check": [{"refund_id": r.id, "payment_id": r.payment_id, "amount_rub": r.amount_kopecks / 100,
                                       "reason": r.reason, "requested_at": iso(r.created_at)} for r in to_check]})


def _refund_kopecks(amount: Any, payment_kopecks: int) -> int:
    """Roubles to kopecks, checked first: 0 < amount ≤ the payment and whole kopecks (a huge, negative or
    NaN float is refused here instead of overflowing later)."""
    problem = "сумма в рублях, до копеек, больше нуля и не больше платежа"
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 < amount <= payment_kopecks / 100:
        raise InvalidInput("Проверьте поля", fields={"amount_rub": problem})
    kopecks = round(amount * 100)
    if kopecks < 1 or abs(kopecks - amount * 100) > 1e-6:
        raise InvalidInput("Проверьте поля", fields={"amount_rub": problem})
    return kopecks


@bp.post("/payments/<payment_id:str>/refund")
@describe("Refund a paid payment (all that is left, or amount_rub; a Telegram Stars payment only whole); repeating the same request refunds nothing new", body=B.Refund, responses={200: dict[str, Any], 201: dict[str, Any]}, secured=True, errors=(403, 404, 409, 502, 503))
async def refund(request: Request, payment_id: str):
    body = json_body(request)
    svc = services(request)
    kopecks = None
    if body.get("amount_rub") is not None:
        kopecks = _refund_kopecks(body["amount_rub"], (await svc.payments.find(payment_id)).amount_kopecks)
    reason = _text(body.get("reason"), "reason", MAX_REASON, required=True)
    result = await svc.refunds.start(payment_id, reason, kopecks, actor=request.ctx.actor, ip=request_ip(request))
    return json(result.public(), status=200 if result.repeated else 201)


@bp.get("/subscriptions/<telegram_id:int>")
@describe("A driver's subscription", responses={200: B.Subscription}, secured=True, errors=(403,))
async def subscription(request: Request, telegram_id: int):
    return json((await services(request).subscriptions.status(_telegram_id(telegram_id))).public())


@bp.post("/subscriptions/<telegram_id:int>/grant")
@describe("Grant days of access", body=B.Grant, responses={200: B.Subscription}, secured=True, errors=(403,))
async def grant(request: Request, telegram_id: int):
    telegram_id = _telegram_id(telegram_id)
    body = json_body(request)
    days = _int(body.get("days"), "days", 1, 3660)
    reason = _text(body.get("reason"), "reason", MAX_REASON, required=True)
    svc = services(request)
    await svc.subscriptions.grant(telegram_id, days, reason, actor=request.ctx.actor)
    return json((await svc.subscriptions.status(telegram_id)).public())


@bp.get("/promo")
@describe("Promo codes and their use", responses={200: B.AdminPromos}, secured=True, errors=(403,))
async def promo_list(request: Request):
    views = await services(request).promos.list()
    return json({"items": [{"code": v.code, "kind": v.kind, "value": v.value, "describe": v.describe(), "used": v.used,
                            "reserved": v.reserved, "max_uses": v.max_uses, "valid_until": iso(v.valid_until), "disabled": v.disabled} for v in views]})


@bp.post("/promo")
@describe("Create a promo code", body=B.NewPromo, responses={201: B.PromoCreated}, secured=True, errors=(403,))
async def promo_create(request: Request):
    body = json_body(request)
    kind = _text(body.get("kind"), "kind", 16, required=True)
    code = _text(body.get("code"), "code", 64)
    valid_until = _text(body.get("valid_until"), "valid_until", 10)
    value = _int(body.get("value"), "value", 1, 10_000_000)
    max_uses = _int(body["max_uses"], "max_uses", 1, 10_000_000) if body.get("max_uses") is not None else None
    until = None
    if valid_until:
        try:
            until = moscow_datetime(dt.date.fromisoformat(valid_until), dt.time(23, 59, 59))
        except ValueError:
            raise InvalidInput("Проверьте поля", fields={"valid_until": "ГГГГ-ММ-ДД"}) from None
    view = await services(request).promos.create(kind, value * 100 if kind == "amount" else value,
                                                 code=code, max_uses=max_uses, valid_until=until,
                                                 actor=request.ctx.actor)
    return json({"code": view.code, "describe": view.describe()}, status=201)


@bp.post("/promo/<code:str>/disable")
@describe("Disable a promo code", body=NO_BODY, responses={200: B.PromoDisabled}, secured=True, errors=(403, 404))
async def promo_disable(request: Request, code: str):
    await services(request).promos.disable(code, actor=request.ctx.actor)
    return json({"code": code.upper(), "disabled": True})


@bp.get("/flags")
@describe("Feature flags", responses={200: dict[str, bool]}, secured=True, errors=(403,))
async def flags(request: Request):
    return json(await services(request).flags.all())


@bp.post("/flags/<name:str>")
@describe("Switch a flag", body=B.FlagSwitch, responses={200: dict[str, bool]}, secured=True, errors=(403,))
async def set_flag(request: Request, name: str):
    enabled = json_body(request).get("enabled")
    if not isinstance(enabled, bool):
        raise InvalidInput("Проверьте поля", fields={"enabled": "true или false"})
    svc = services(request)
    await svc.flags.set(name, enabled, actor=request.ctx.actor)
    return json(await svc.flags.all())


@bp.get("/responses")
@describe("Responses, newest first", responses={200: B.AdminResponses}, secured=True, errors=(403,))
async def responses(request: Request):
    views = await services(request).responses.list(request.args.get("status") or None, limit=200)
    return json({"items": [{**v.public(), "driver_id": v.driver_id, "decided_by": v.decided_by} for v in views]})


@bp.get("/audit")
@describe("Audit log with filters (actor and action match as prefixes)", responses={200: B.AuditEvents}, secured=True, errors=(403,))
async def audit(request: Request):
    since = None
    if request.args.get("since"):
        try:
            since = moscow_datetime(dt.date.fromisoformat(request.args.get("since")), dt.time())
        except ValueError:
            raise InvalidInput("Проверьте фильтры", fields={"since": "ГГГГ-ММ-ДД"}) from None
    events = await services(request).audit.tail(200, action=request.args.get("action") or None,
                                                actor=request.args.get("actor") or None, since=since)
    return json({"items": [{"at": iso(e.created_at), "actor": e.actor, "action": e.action, "target": e.target,
                            "details": jsonlib.loads(e.details or "{}"), "ip": e.ip} for e in events]})



@bp.get("/reports")
@describe("Drivers' reports on companies, newest first, with comments and company names (operators only)",
          responses={200: B.AdminReports}, secured=True, errors=(403,))
@openapi.parameter("inn", str, description="only this company's reports")
@openapi.parameter("limit", int, description="1–200, default 50")
async def reports(request: Request):
    limit_text = request.args.get("limit")
    limit = plain_int(limit_text, max_digits=3) if limit_text else 50
    if limit is None:
        raise InvalidInput("Проверьте параметры", fields={"limit": "целое число от 1 до 200"})
    lines = await services(request).report_desk.recent(request.args.get("inn") or None, limit)
    return json({"items": [line.public() for line in lines]})


@bp.post("/reports/<report_id:int>/hide")
@describe("Hide an abusive report from every driver (audited; a reason is required)", body=B.HideReport,
          responses={200: B.AdminReport}, secured=True, errors=(403, 404, 422))
async def hide_report(request: Request, report_id: int):
    line = await services(request).report_desk.hide(report_id, json_body(request).get("reason"), actor=request.ctx.actor)
    return json(line.public())
