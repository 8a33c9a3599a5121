"""Whether the bot can write to me, and telling the server that Telegram's `requestWriteAccess` was granted.

The login answer carries `bot_can_write` too (server/api.py); these routes keep the Mini App's banner true
afterwards: «Мои поиски» asks again while it shows the banner, and the banner's button reports a grant."""

from __future__ import annotations

from typing import Annotated

from sanic import Blueprint, Request, json
from typing_extensions import TypedDict

from ..core.drivers.reach import VIA_WRITE_ACCESS
from ..core.errors import InvalidInput
from .auth import authenticate
from .requests import json_body, services
from .schema import describe
from .validation import Say

bp = Blueprint("reach", url_prefix="/api/me")
bp.on_request(authenticate)


class BotAccess(TypedDict):
    bot_can_write: bool  # false while Telegram refuses the bot's messages to me (a 403 is on record)


class WriteAccess(TypedDict):
    granted: Annotated[bool, Say("Нужно true или false")]  # what Telegram's requestWriteAccess callback said


@bp.get("/bot-access")
@describe("Whether the bot can write to me (false after Telegram refused a message: no alerts or status messages)",
          responses={200: BotAccess}, secured=True)
async def bot_access(request: Request):
    can = await services(request).reach.can_write(request.ctx.driver.telegram_id)
    return json({"bot_can_write": can}, headers={"Cache-Control": "no-store"})


@bp.post("/bot-access")
@describe('Report Telegram\'s requestWriteAccess answer: {"granted": true} lets the bot write to me again',
          body=WriteAccess, responses={200: BotAccess}, secured=True)
async def report_write_access(request: Request):
    body = json_body(request)
    granted = body.get("granted") if isinstance(body, dict) else None
    if not isinstance(granted, bool):
        raise InvalidInput("Проверьте ответ о разрешении писать", fields={"granted": "Нужно true или false"})
    reach = services(request).reach
    driver_id = request.ctx.driver.telegram_id
    if granted:
        await reach.regained(driver_id, VIA_WRITE_ACCESS)
        return json({"bot_can_write": True})
    return json({"bot_can_write": await reach.can_write(driver_id)})
