"""«Я свободен в … с …» (issue 22 §1): the driver's availability and feed, and the free trucks for dispatchers."""

from __future__ import annotations

from sanic import Blueprint, Request, json

from ..core.availability.board import board_text, free_trucks
from ..core.clock import moscow_today
from .admin import admins_only
from .auth import authenticate
from .bodies.availability import AvailabilityBody, AvailabilityFeed, AvailabilityIn, FreeTrucks
from .requests import json_body, services
from .schema import describe

bp = Blueprint("availability", url_prefix="/api")
bp.on_request(authenticate)
admin_bp = Blueprint("availability_admin", url_prefix="/api/admin")
admin_bp.on_request(admins_only)

NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/me/availability")
@describe("Where and from when I am free (or null), and the app's proposal from my accepted load (or null)",
          responses={200: AvailabilityBody}, secured=True)
async def get_availability(request: Request):
    body = await services(request).availability.mine(request.ctx.driver.telegram_id, moscow_today())
    return json(body, headers=NO_STORE)


@bp.put("/me/availability")
@describe('Say where and from when I am free {"point_id", "date", "radius_km"?}: a feed and alerts of loads from '
          "there, from then", body=AvailabilityIn, responses={200: AvailabilityBody}, secured=True)
async def put_availability(request: Request):
    found = await services(request).availability.set(request.ctx.driver.telegram_id, json_body(request),
                                                      moscow_today())
    return json({"availability": found.public()}, headers=NO_STORE)


@bp.delete("/me/availability")
@describe("I am no longer free: forget my availability and stop its alerts", responses={200: AvailabilityBody},
          secured=True)
async def delete_availability(request: Request):
    await services(request).availability.clear(request.ctx.driver.telegram_id)
    return json({"availability": None}, headers=NO_STORE)


@bp.get("/me/availability/feed")
@describe("Loads from where I am free, loadable from that day on, within my radius (one page of the shared cache)",
          responses={200: AvailabilityFeed}, secured=True, errors=(502,))
async def availability_feed(request: Request):
    body = await services(request).availability.feed(request.ctx.driver.telegram_id, moscow_today())
    return json(body, headers=NO_STORE)


@admin_bp.get("/free-trucks")
@describe("Free trucks: who, where, from when, the radius and the truck class, by day", responses={200: FreeTrucks},
          secured=True, errors=(403,))
async def free_truck_list(request: Request):
    trucks = await free_trucks(services(request).database, moscow_today())
    return json({"items": [truck.public() for truck in trucks], "text": board_text(trucks)}, headers=NO_STORE)
