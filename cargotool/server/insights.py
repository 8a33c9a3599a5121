"""Insights routes for drivers: their position (for the empty run), fuel figures, and reports on companies.

The insights on cards and details themselves are added by `GET /api/cargos[/{id}]` (server/api.py)."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, HTTPResponse, Request, json

from ..core.contacts.card import load_id
from ..core.insights.trust import public_report
from . import bodies as B
from .auth import authenticate
from .requests import json_body, services
from .schema import describe

bp = Blueprint("insights", url_prefix="/api")
bp.on_request(authenticate)


@bp.get("/me/insights")
@describe("My position, fuel figures and truck (used for the empty run, the fuel estimate and the net)", responses={200: dict[str, Any]}, secured=True)
async def my_profile(request: Request):
    return json(await services(request).insights.profile_view(request.ctx.driver.telegram_id))


@bp.put("/me/position")
@describe('Set my position: {"lat", "lon"} from the device, or a home city {"point_id", "name"?} (409 consent_required '
          'until PUT /api/me/consent said yes to "position")', body=B.Position, responses={200: dict[str, Any]}, secured=True, errors=(404, 409))
async def set_position(request: Request):
    await services(request).consents.require(request.ctx.driver.telegram_id, "position")
    return json(await services(request).insights.set_position(request.ctx.driver.telegram_id, json_body(request)))


@bp.delete("/me/position")
@describe("Forget my position: the one given in the Mini App (device or home city) and the bot's live location "
          "(further updates of that live share are ignored), and withdraw consent to both (asked again next time)",
          responses={200: dict[str, Any]}, secured=True)
async def forget_position(request: Request):
    await services(request).consents.withdraw(request.ctx.driver.telegram_id, via="app")
    return json(await services(request).insights.forget_position(request.ctx.driver.telegram_id))


@bp.put("/me/fuel")
@describe('Set my fuel use and price {"l_per_100km", "price_rub"} (null values forget them)', body=B.Fuel, responses={200: dict[str, Any]}, secured=True)
async def set_fuel(request: Request):
    insights = services(request).insights
    await insights.profiles.set_fuel(request.ctx.driver.telegram_id, json_body(request))
    return json(await insights.profile_view(request.ctx.driver.telegram_id))


@bp.get("/me/driving")
@describe("The hours I have already driven today (0 when not said today) and the Moscow date", responses={200: B.DrivingToday},
          secured=True)
async def get_driving(request: Request):
    return json(await services(request).insights.reach.view(request.ctx.driver.telegram_id))


@bp.put("/me/driving")
@describe('Set the hours I have already driven today {"driven_today_h": 0–13} (Moscow day; from the next day they '
          'count no more): «успеваю к погрузке?» plans the rest of today with them', body=B.Driving,
          responses={200: B.DrivingToday}, secured=True)
async def set_driving(request: Request):
    reach = services(request).insights.reach
    return json(await reach.set_driven_today(request.ctx.driver.telegram_id, json_body(request)))
@bp.put("/me/truck")
@describe('Set my truck: {"over_12t": bool (Platon is charged), "cost_rub_km"?: my other cost per km}; used for '
          'the net after the road on cards; read back in GET /api/me/insights as `truck`', body=B.Truck,
          responses={200: dict[str, Any]}, secured=True)
async def set_truck(request: Request):
    insights = services(request).insights
    await insights.profiles.set_truck(request.ctx.driver.telegram_id, json_body(request))
    return json(await insights.profile_view(request.ctx.driver.telegram_id))


@bp.get("/cargos/<cargo_id:str>/report")
@describe("My report on this load's company, or null", responses={200: B.MyReportBody}, secured=True, errors=(404,))
async def get_report(request: Request, cargo_id: str):
    report = await services(request).insights.reports.mine(request.ctx.driver.telegram_id, load_id(cargo_id))
    return json({"report": public_report(report)})


@bp.put("/cargos/<cargo_id:str>/report")
@describe("Report on the company after my accepted response (again: edits it)", body=B.ReportIn, responses={200: B.ReportBody, 201: B.ReportBody}, secured=True, errors=(403, 404, 409))
async def put_report(request: Request, cargo_id: str):
    reports = services(request).insights.reports
    report, created = await reports.submit(request.ctx.driver.telegram_id, load_id(cargo_id), json_body(request))
    return json({"report": public_report(report)}, status=201 if created else 200)


@bp.delete("/cargos/<cargo_id:str>/report")
@describe("Delete my report on this load", responses={204: None}, secured=True, errors=(403, 404))
async def delete_report(request: Request, cargo_id: str):
    await services(request).insights.reports.delete(request.ctx.driver.telegram_id, load_id(cargo_id))
    return HTTPResponse(status=204)
