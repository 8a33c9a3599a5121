"""Insights routes for drivers: their position (for the empty run) and fuel figures.

The insights on cards and details themselves are added by `GET /api/cargos[/{id}]` (server/api.py)."""

from __future__ import annotations

from sanic import Blueprint, Request, json
from sanic_ext import openapi

from .requests import bearer, json_body, services

bp = Blueprint("insights", url_prefix="/api/me")


@bp.on_request
async def authenticate(request: Request) -> None:
    svc = services(request)
    request.ctx.driver = await svc.auth.admit(bearer(request), svc.api_limit)


@bp.get("/insights")
@openapi.summary("My position and fuel figures (used for the empty run and the fuel estimate)")
@openapi.secured("session")
async def my_profile(request: Request):
    return json((await services(request).insights.profiles.get(request.ctx.driver.telegram_id)).public())


@bp.put("/position")
@openapi.summary('Set my position: {"lat", "lon"} from the device, or a home city {"point_id", "name"?}')
@openapi.secured("session")
@openapi.body({"application/json": {"lat": float, "lon": float, "point_id": int, "name": str}})
@openapi.response(200, {"application/json": {"position": dict, "fuel": dict}})
@openapi.response(400, description="field errors (coordinates out of range, unknown city)")
async def set_position(request: Request):
    insights = services(request).insights
    profile = await insights.profiles.set_position(request.ctx.driver.telegram_id, json_body(request), insights.point_names)
    return json(profile.public())


@bp.delete("/position")
@openapi.summary("Forget my position")
@openapi.secured("session")
async def forget_position(request: Request):
    return json((await services(request).insights.profiles.forget_position(request.ctx.driver.telegram_id)).public())


@bp.put("/fuel")
@openapi.summary('Set my fuel use and price {"l_per_100km", "price_rub"} (null values forget them)')
@openapi.secured("session")
@openapi.body({"application/json": {"l_per_100km": float, "price_rub": float}})
async def set_fuel(request: Request):
    profiles = services(request).insights.profiles
    return json((await profiles.set_fuel(request.ctx.driver.telegram_id, json_body(request))).public())
