"""Small readers of a Sanic request shared by the blueprints."""

from __future__ import annotations

from typing import Any

from sanic import Request

from .guard import parse_json
from .validation import NO_BODY, check_body, declared


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
    """The parsed JSON body, of the type its route declared with `describe(body=...)` (see validation.py):
    a 400 with field errors when it is not JSON, carries something no store can take (guard.parse_json),
    or is not of that type (an empty body is not)."""
    route = request.route
    kind = declared(route.handler if route else None)
    if kind is None or kind is NO_BODY:
        raise RuntimeError(f"{request.method} {request.path}: the route reads a body but declares no body type "
                           "(describe(body=...))")
    return check_body(kind, parse_json(request.body) if request.body else None)
