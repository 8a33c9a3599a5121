"""`POST /api/cargos/{id}/share`: the bot prepares a message about the load for the Mini App's shareMessage."""

from __future__ import annotations

from sanic import Blueprint, Request, json
from typing_extensions import TypedDict

from ..core.contacts.card import read_card
from .auth import authenticate
from .requests import services
from .schema import describe
from .validation import NO_BODY

bp = Blueprint("share", url_prefix="/api")
bp.on_request(authenticate)


class Prepared(TypedDict):
    id: str
    expiration_date: int | None


@bp.post("/cargos/<cargo_id:str>/share")
@describe("Prepare a message about this load for Telegram's shareMessage (the id of a PreparedInlineMessage)",
          body=NO_BODY, responses={200: Prepared}, secured=True, errors=(404, 502, 503))
async def share_load(request: Request, cargo_id: str):
    svc = services(request)
    detail = await read_card(svc.cargos, cargo_id)
    return json(await svc.sharer.prepare(request.ctx.driver.telegram_id, detail), headers={"Cache-Control": "no-store"})
