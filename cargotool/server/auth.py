"""Who is asking: the one session check of the driver API.

Blueprints of driver routes install `authenticate` as their request hook (`bp.on_request(authenticate)`);
a blueprint with a public page among its routes calls `admit` in the routes that need a driver."""

from __future__ import annotations

from sanic import Request

from ..core.drivers.sessions import Driver
from .requests import bearer, services

PUBLIC = frozenset({("POST", "/api/session")})  # logging in needs no session


async def admit(request: Request) -> Driver:
    """The driver of this request's session token (401 without a valid one; 429 past the API's rate),
    also kept as `request.ctx.driver`."""
    svc = services(request)
    request.ctx.driver = await svc.auth.admit(bearer(request), svc.api_limit)
    return request.ctx.driver


async def authenticate(request: Request) -> None:
    """The request hook of the driver API: every route but the PUBLIC ones (and OPTIONS) needs a session."""
    if (request.method, request.path) in PUBLIC or request.method == "OPTIONS":
        return
    await admit(request)
