"""`POST /api/cargos/{id}/share`: the bot prepares a message about the load for the Mini App's shareMessage."""

from __future__ import annotations

import json as jsonlib

from sanic import Blueprint, Request, json
from typing_extensions import TypedDict

from ..core.errors import NotFound
from ..core.numbers import plain_int
from .requests import bearer, services
from .schema import describe
from .validation import NO_BODY

bp = Blueprint("share", url_prefix="/api")


class Prepared(TypedDict):
    id: str
    expiration_date: int | None


@bp.post("/cargos/<cargo_id:str>/share")
@describe("Prepare a message about this load for Telegram's shareMessage (the id of a PreparedInlineMessage)",
          body=NO_BODY, responses={200: Prepared}, secured=True, errors=(404, 502, 503))
async def share_load(request: Request, cargo_id: str):
    svc = services(request)
    driver = await svc.auth.admit(bearer(request), svc.api_limit)
    if plain_int(cargo_id, max_digits=20) is None:
        raise NotFound("Груз не найден")
    try:
        detail = jsonlib.loads((await svc.cargos.detail(cargo_id)).text)
    except NotFound:
        raise NotFound("Груз не найден или уже снят") from None
    return json(await svc.sharer.prepare(driver.telegram_id, detail), headers={"Cache-Control": "no-store"})
