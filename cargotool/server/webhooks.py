"""`POST /webhooks/telegram`: Bot API updates. Only requests carrying the secret token set with
setWebhook are accepted; each update is queued once (by update_id) and processed after the answer."""

from __future__ import annotations

import hmac

from sanic import Blueprint, Request, json
from sanic_ext import openapi

from ..core.errors import InvalidInput, NotConfigured, Unauthorized

bp = Blueprint("webhooks", url_prefix="/webhooks")


@bp.post("/telegram")
@openapi.summary("Telegram Bot API webhook")
@openapi.response(200, description="accepted (or already seen)")
@openapi.response(401, description="missing or wrong X-Telegram-Bot-Api-Secret-Token")
async def telegram(request: Request):
    services = request.app.ctx.services
    secret = services.settings.telegram_webhook_secret
    if not secret:
        raise NotConfigured("TELEGRAM_WEBHOOK_SECRET is not set")
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise Unauthorized("Wrong or missing secret token")
    try:
        update = request.json
    except Exception:
        update = None
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise InvalidInput("Not a Telegram update", fields={"update_id": "required, a number"})
    new = await services.updates.accept(update)
    return json({"ok": True, "duplicate": not new})
