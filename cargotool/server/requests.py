"""Small readers of a Sanic request shared by the blueprints."""

from __future__ import annotations

from typing import Any

from sanic import Request

from ..core.errors import InvalidInput


def services(request: Request):
    return request.app.ctx.services


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def json_body(request: Request) -> Any:
    """The parsed JSON body; None when there is none; a 400 with a field error when it is not JSON."""
    if not request.body:
        return None
    try:
        return request.json
    except Exception:
        raise InvalidInput("The body is not JSON", fields={"body": "invalid JSON"}) from None
