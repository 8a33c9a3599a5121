"""`POST /webhooks/telegram`: Bot API updates. Only requests carrying the secret token set with
setWebhook are accepted; each update is queued once (by update_id) and processed after the answer,
except a pre_checkout_query, answered before (Telegram cancels a Stars payment not answered in 10 s)."""

from __future__ import annotations

import hmac

from sanic import Blueprint, Request, json

from ..core.errors import InvalidInput, NotConfigured, NotFound, Unauthorized
from .client_ip import ip_in, request_ip
from . import bodies as B
from .requests import json_body
from .schema import describe

bp = Blueprint("webhooks", url_prefix="/webhooks")


@bp.post("/telegram")
@describe("Telegram Bot API webhook", body=B.TelegramUpdate, responses={200: B.TelegramAccepted}, errors=(401,), description='Only with the X-Telegram-Bot-Api-Secret-Token set by setWebhook; each update is queued once (by update_id).')
async def telegram(request: Request):
    services = request.app.ctx.services
    secret = services.settings.telegram_webhook_secret
    if not secret:
        raise NotConfigured("TELEGRAM_WEBHOOK_SECRET is not set")
    given = request.headers.get("x-telegram-bot-api-secret-token", "")  # any byte may arrive: keep them as bytes
    if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret.encode()):
        raise Unauthorized("Wrong or missing secret token")
    update = json_body(request)
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise InvalidInput("Not a Telegram update", fields={"update_id": "required, a number"})
    if isinstance(update.get("pre_checkout_query"), dict):  # Telegram waits 10 s: answered now, not queued
        await services.stars.pre_checkout(update["pre_checkout_query"])
        return json({"ok": True, "duplicate": False})
    new = await services.updates.accept(update)
    return json({"ok": True, "duplicate": not new})


@bp.post("/yookassa")
@describe("YooKassa notifications (accepted only from YooKassa's networks; re-fetched before acting)", body=B.YooKassaNotification, responses={200: B.YooKassaAnswer}, errors=(403, 502))
async def yookassa(request: Request):
    services = request.app.ctx.services
    settings = services.settings
    ip = request_ip(request)
    if not ip_in(ip, settings.yookassa_trusted_networks):
        await services.audit.record("system", "payment.webhook_rejected", details={"reason": "untrusted address"}, ip=ip)
        return json({"error": {"code": "forbidden", "message": "Not from YooKassa"}}, status=403)
    body = json_body(request)
    try:
        outcome = await services.payments.handle_notification(body, actor="system:webhook", ip=ip)
    except NotFound:
        return json({"ok": True, "ignored": "not our payment"})
    return json({"ok": True, "applied": bool(outcome and outcome.applied)})
