"""Small readers of a Sanic request shared by the blueprints."""

from __future__ import annotations

from typing import Any

from sanic import Request

from .guard import parse_json


def services(request: Request):
    return request.app.ctx.services


def bearer(request: Request) -> str | None:
    """The session token; None when missing or not printable ASCII (a header may carry any byte)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or not token.isascii() or not token.isprintable():
        return None
    return token


def json_body(request: Request) -> Any:
    """The parsed JSON body; None when there is none; a 400 with a field error when it is not JSON or
    carries something no store can take (see guard.parse_json)."""
    if not request.body:
        return None
    return parse_json(request.body)
