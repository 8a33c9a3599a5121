"""Chains home (issue 22 §2): `GET /api/chains` and the driver's home city it proposes («Домой»)."""

from __future__ import annotations

from sanic import Blueprint, Request, json
from sanic_ext import openapi

from ..core.clock import moscow_today
from .auth import authenticate
from .bodies.chains import Chains, HomeBody, HomeIn
from .requests import json_body, services
from .schema import describe

bp = Blueprint("chains", url_prefix="/api")
bp.on_request(authenticate)


@bp.get("/chains")
@describe("Up to three two-load chains to a city by a date that pay more per km (empty km included) than the best "
          "direct trip, with the arithmetic; from the shared cache, at most 1 + 3 CargoTech list calls",
          responses={200: Chains}, secured=True, errors=(502,))
@openapi.parameter("to", int, description="Target point id (required)")
@openapi.parameter("by", str, description="YYYY-MM-DD: be there by the end of this day (today … today + 14)")
@openapi.parameter("from", int, description="Start point id; default: the city nearest to the driver's position")
@openapi.parameter("from_date", str, description="YYYY-MM-DD: free from this day; default today")
@openapi.parameter("to_name", str, description="The target's name, as the city autocomplete gave it")
@openapi.parameter("from_name", str, description="The start's name, as the city autocomplete gave it")
async def chains(request: Request):
    args = {name: request.args.get(name) for name in request.args}
    body = await services(request).chains.plan(request.ctx.driver.telegram_id, args, moscow_today())
    return json(body, headers={"Cache-Control": "no-store"})


@bp.get("/me/home")
@describe("My home city for «Домой», or null", responses={200: HomeBody}, secured=True)
async def get_home(request: Request):
    home = await services(request).chains.homes.get(request.ctx.driver.telegram_id)
    return json({"home": home.public() if home else None})


@bp.put("/me/home")
@describe('Save my home city {"point_id", "name"} (from the city autocomplete)', body=HomeIn,
          responses={200: HomeBody}, secured=True)
async def put_home(request: Request):
    home = await services(request).chains.homes.set(request.ctx.driver.telegram_id, json_body(request))
    return json({"home": home.public()})


@bp.delete("/me/home")
@describe("Forget my home city", responses={200: HomeBody}, secured=True)
async def delete_home(request: Request):
    await services(request).chains.homes.clear(request.ctx.driver.telegram_id)
    return json({"home": None})
