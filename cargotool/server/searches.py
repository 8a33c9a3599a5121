"""Saved searches under /api/searches (the names other clients rely on: keep them)."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request, json

from .auth import authenticate
from . import bodies as B
from .requests import json_body, services
from .schema import describe

bp = Blueprint("searches", url_prefix="/api/searches")
bp.on_request(authenticate)



@bp.post("/")
@describe("Save a search (filters as GET /api/cargos takes them); alerts on by default", body=B.SearchIn, responses={201: B.SearchBody}, secured=True, errors=(409,))
async def create(request: Request):
    search = await services(request).searches.create(request.ctx.driver.telegram_id, json_body(request))
    return json({"search": search.public()}, status=201)


@bp.get("/")
@describe("My saved searches with how many new loads each has since I last opened it", responses={200: B.Searches}, secured=True)
async def mine(request: Request):
    items = await services(request).searches.mine(request.ctx.driver.telegram_id)
    return json({"items": [search.public(new_count) for search, new_count in items]})


@bp.patch("/<search_id:int>")
@describe('Change name, filters, alerts or auto_response; {"opened": true} resets the new-load count', body=B.SearchIn, responses={200: B.SearchBody}, secured=True, errors=(404,))
async def update(request: Request, search_id: int):
    search = await services(request).searches.update(request.ctx.driver.telegram_id, search_id, json_body(request))
    return json({"search": search.public()})


@bp.delete("/<search_id:int>")
@describe("Delete a saved search", responses={204: None}, secured=True, errors=(404,))
async def delete(request: Request, search_id: int):
    await services(request).searches.delete(request.ctx.driver.telegram_id, search_id)
    return HTTPResponse(status=204)
