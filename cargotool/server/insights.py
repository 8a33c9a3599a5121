"""Insights routes for drivers: their position (for the empty run), fuel figures, and reports on companies.

The insights on cards and details themselves are added by `GET /api/cargos[/{id}]` (server/api.py)."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request, json
from sanic_ext import openapi

from ..core.errors import NotFound
from ..core.insights.trust import public_report
from .requests import bearer, json_body, services

bp = Blueprint("insights", url_prefix="/api")


@bp.on_request
async def authenticate(request: Request) -> None:
    svc = services(request)
    request.ctx.driver = await svc.auth.admit(bearer(request), svc.api_limit)


@bp.get("/me/insights")
@openapi.summary("My position and fuel figures (used for the empty run and the fuel estimate)")
@openapi.secured("session")
async def my_profile(request: Request):
    return json((await services(request).insights.profiles.get(request.ctx.driver.telegram_id)).public())


@bp.put("/me/position")
@openapi.summary('Set my position: {"lat", "lon"} from the device, or a home city {"point_id", "name"?}')
@openapi.secured("session")
@openapi.body({"application/json": {"lat": float, "lon": float, "point_id": int, "name": str}})
@openapi.response(200, {"application/json": {"position": dict, "fuel": dict}})
@openapi.response(400, description="field errors (coordinates out of range, unknown city)")
async def set_position(request: Request):
    insights = services(request).insights
    profile = await insights.profiles.set_position(request.ctx.driver.telegram_id, json_body(request), insights.point_names)
    return json(profile.public())


@bp.delete("/me/position")
@openapi.summary("Forget my position")
@openapi.secured("session")
async def forget_position(request: Request):
    return json((await services(request).insights.profiles.forget_position(request.ctx.driver.telegram_id)).public())


@bp.put("/me/fuel")
@openapi.summary('Set my fuel use and price {"l_per_100km", "price_rub"} (null values forget them)')
@openapi.secured("session")
@openapi.body({"application/json": {"l_per_100km": float, "price_rub": float}})
async def set_fuel(request: Request):
    profiles = services(request).insights.profiles
    return json((await profiles.set_fuel(request.ctx.driver.telegram_id, json_body(request))).public())


def _cargo_id(cargo_id: str) -> str:
    if not cargo_id.isdigit() or len(cargo_id) > 20:
        raise NotFound("Груз не найден")
    return cargo_id


@bp.put("/cargos/<cargo_id:str>/report")
@openapi.summary("Report on the company after my accepted response (again: edits it)")
@openapi.secured("session")
@openapi.body({"application/json": {"kind": "not_paid | no_cargo | terms_changed", "comment": str}})
@openapi.response(201, {"application/json": {"report": dict}}, description="created")
@openapi.response(200, {"application/json": {"report": dict}}, description="edited")
@openapi.response(403, description="no accepted response of mine on this load")
async def put_report(request: Request, cargo_id: str):
    reports = services(request).insights.reports
    report, created = await reports.submit(request.ctx.driver.telegram_id, _cargo_id(cargo_id), json_body(request))
    return json({"report": public_report(report)}, status=201 if created else 200)


@bp.delete("/cargos/<cargo_id:str>/report")
@openapi.summary("Delete my report on this load")
@openapi.secured("session")
async def delete_report(request: Request, cargo_id: str):
    await services(request).insights.reports.delete(request.ctx.driver.telegram_id, _cargo_id(cargo_id))
    return HTTPResponse(status=204)
