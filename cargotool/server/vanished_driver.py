"""A session whose driver row vanished gets a fresh login, not a misleading 409.

The core raises `DriverGone` when a write that refers to the driver (a response) finds the row gone;
billing writes put a placeholder row back themselves. The session is dropped and the answer is the 401
the Mini App answers by logging in again (js/api.js), which writes the row anew."""

from __future__ import annotations

import logging

from sanic import Sanic, json

from ..core.errors import DriverGone
from .errors import traced
from .requests import bearer
from .statuses import http_status

log = logging.getLogger(__name__)


def install_vanished_driver_handler(app: Sanic) -> None:
    @app.exception(DriverGone)
    async def on_driver_gone(request, exc: DriverGone):
        return await _fresh_login(request, exc)


async def _fresh_login(request, exc: DriverGone):
    token = bearer(request)
    if token:
        await request.app.ctx.services.auth.logout(token)
    log.info("session of a driver without a row: asking for a fresh login")
    return json(traced(request, exc.to_dict()), status=http_status(exc))
