"""A session whose driver row vanished gets a fresh login, not a 500 or a misleading 409.

Writes that refer to the driver (responses, payments, searches, contacts…) fail with an IntegrityError
when the row is gone; a `DriverGone` from the core means the same. Either way the session is dropped and
the answer is the 401 the Mini App answers by logging in again (js/api.js), which writes the row anew."""

from __future__ import annotations

import logging

import peewee
from sanic import Sanic, json

from ..core.errors import DriverGone
from .errors import _traced, error_body
from .requests import bearer

log = logging.getLogger(__name__)


def install_vanished_driver_handler(app: Sanic) -> None:
    @app.exception(DriverGone)
    async def on_driver_gone(request, exc: DriverGone):
        return await _fresh_login(request, exc)

    @app.exception(peewee.IntegrityError)
    async def on_integrity_error(request, exc: peewee.IntegrityError):
        driver = getattr(request.ctx, "driver", None)
        if driver is not None and await request.app.ctx.services.auth.driver_gone(driver):
            return await _fresh_login(request, DriverGone())
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json(_traced(request, error_body("internal", "Internal error")), status=500)


async def _fresh_login(request, exc: DriverGone):
    token = bearer(request)
    if token:
        await request.app.ctx.services.auth.logout(token)
    log.info("session of a driver without a row: asking for a fresh login")
    return json(_traced(request, exc.to_dict()), status=exc.http_status)
