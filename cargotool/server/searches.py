"""Saved searches under /api/searches (the names other clients rely on: keep them)."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request, json
from sanic_ext import openapi

from .api import authenticate
from .requests import json_body, services

bp = Blueprint("searches", url_prefix="/api/searches")
bp.on_request(authenticate)

_BODY = {"application/json": {"name": str, "filters": dict, "alerts": bool, "auto_response": dict}}


@bp.post("/")
@openapi.summary("Save a search (filters as GET /api/cargos takes them); alerts on by default")
@openapi.secured("session")
@openapi.body(_BODY)
@openapi.response(201, {"application/json": {"search": dict}})
@openapi.response(400, description='{"error": {"code": "invalid_filter", "fields": {...}}} — the list\'s own field errors')
@openapi.response(409, description="the driver has ALERTS_MAX_SEARCHES searches already")
async def create(request: Request):
    search = await services(request).searches.create(request.ctx.driver.telegram_id, json_body(request))
    return json({"search": search.public()}, status=201)


@bp.get("/")
@openapi.summary("My saved searches with how many new loads each has since I last opened it")
@openapi.secured("session")
async def mine(request: Request):
    items = await services(request).searches.mine(request.ctx.driver.telegram_id)
    return json({"items": [search.public(new_count) for search, new_count in items]})


@bp.patch("/<search_id:int>")
@openapi.summary('Change name, filters, alerts or auto_response; {"opened": true} resets the new-load count')
@openapi.secured("session")
@openapi.body(_BODY)
async def update(request: Request, search_id: int):
    search = await services(request).searches.update(request.ctx.driver.telegram_id, search_id, json_body(request))
    return json({"search": search.public()})


@bp.delete("/<search_id:int>")
@openapi.summary("Delete a saved search")
@openapi.secured("session")
async def delete(request: Request, search_id: int):
    await services(request).searches.delete(request.ctx.driver.telegram_id, search_id)
    return HTTPResponse(status=204)
