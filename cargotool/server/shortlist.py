"""Favourites (/api/favourites) and hiding (/api/hidden): the names other clients rely on, keep them.

PUT adds idempotently: 201 when added now, 200 when it was already there. DELETE answers 204 whether or not
the item was there (the end state is what was asked). A load id that is no number, or a load gone from the
board, is a 404 on PUT; a malformed INN is a 400 naming `inn`; past the limits a 409 `shortlist_full`."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request, json

from ..core.contacts.card import load_id
from .auth import authenticate
from .bodies import shortlist as B
from .requests import json_body, services
from .schema import describe
from .validation import NO_BODY

bp = Blueprint("shortlist", url_prefix="/api")
bp.on_request(authenticate)


def _driver(request: Request) -> int:
    return request.ctx.driver.telegram_id


@bp.get("/favourites")
@describe("My favourite loads, newest first, each with a snapshot of its card (gone: «снят»)",
          responses={200: B.Favourites}, secured=True)
async def favourites(request: Request):
    shortlist = services(request).shortlist
    return json({"items": await shortlist.favourites(_driver(request)), "limit": shortlist.max_favourites})


@bp.get("/favourites/<cargo_id:str>")
@describe("One favourite (404 when the load is not in my favourites)", responses={200: B.FavouriteBody},
          secured=True, errors=(404,))
async def favourite(request: Request, cargo_id: str):
    return json({"favourite": await services(request).shortlist.favourite(_driver(request), load_id(cargo_id))})


@bp.put("/favourites/<cargo_id:str>")
@describe("Star a load (again: refreshes its snapshot)", body=NO_BODY,
          responses={200: B.FavouriteBody, 201: B.FavouriteBody}, secured=True, errors=(404, 409, 502))
async def add_favourite(request: Request, cargo_id: str):
    item, created = await services(request).shortlist.add_favourite(_driver(request), load_id(cargo_id))
    return json({"favourite": item}, status=201 if created else 200)


@bp.delete("/favourites/<cargo_id:str>")
@describe("Unstar a load (204 also when it was not starred)", responses={204: None}, secured=True, errors=(404,))
async def remove_favourite(request: Request, cargo_id: str):
    await services(request).shortlist.remove_favourite(_driver(request), load_id(cargo_id))
    return HTTPResponse(status=204)


@bp.get("/hidden")
@describe("The loads and companies I hid, newest first", responses={200: B.Hidden}, secured=True)
async def hidden(request: Request):
    shortlist = services(request).shortlist
    return json({**await shortlist.hidden(_driver(request)), "limit": shortlist.max_hidden})


@bp.put("/hidden/cargos/<cargo_id:str>")
@describe("Hide a load from my list, alerts and automatic responses", body=NO_BODY,
          responses={200: B.HiddenCargoBody, 201: B.HiddenCargoBody}, secured=True, errors=(404, 409, 502))
async def hide_cargo(request: Request, cargo_id: str):
    item, created = await services(request).shortlist.hide_cargo(_driver(request), load_id(cargo_id))
    return json({"hidden_cargo": item}, status=201 if created else 200)


@bp.delete("/hidden/cargos/<cargo_id:str>")
@describe("Show a hidden load again (204 also when it was not hidden)", responses={204: None}, secured=True,
          errors=(404,))
async def unhide_cargo(request: Request, cargo_id: str):
    await services(request).shortlist.unhide_cargo(_driver(request), load_id(cargo_id))
    return HTTPResponse(status=204)


@bp.put("/hidden/companies/<inn:str>")
@describe("Hide every load of a company (by INN: 10 or 12 digits with the check digits); the body, optional, "
          "names it for the «Скрытые» screen", body=B.HiddenCompanyIn,
          responses={200: B.HiddenCompanyBody, 201: B.HiddenCompanyBody}, secured=True, errors=(409,))
async def hide_company(request: Request, inn: str):
    name = json_body(request).get("name") if request.body else None
    item, created = await services(request).shortlist.hide_company(_driver(request), inn, name)
    return json({"hidden_company": item}, status=201 if created else 200)


@bp.delete("/hidden/companies/<inn:str>")
@describe("Show a company's loads again (204 also when it was not hidden)", responses={204: None}, secured=True)
async def unhide_company(request: Request, inn: str):
    await services(request).shortlist.unhide_company(_driver(request), inn)
    return HTTPResponse(status=204)
