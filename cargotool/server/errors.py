"""Maps errors to JSON bodies `{"error": {"code", "message", "fields"?}}`; never a traceback.

Redis or the database unreachable is a 503 `unavailable` (logged once per outage, see core/storage/outage.py)."""

from __future__ import annotations

import logging

from sanic import Sanic, json
from sanic.exceptions import SanicException

from ..core.errors import CargotoolError, Unavailable
from ..core.storage.outage import DOWN, Outages, dependency_of
from .statuses import http_status
from .wire import MESSAGE as NOT_HTTP, is_unreadable, log_refusal

log = logging.getLogger(__name__)

RETRY_AFTER_OUTAGE = 5  # seconds; what a client is told to wait when Redis or the database is down
UNAVAILABLE_MESSAGE = "Сервис временно недоступен, попробуйте через минуту"
SANIC_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
               414: "uri_too_long", 416: "range_not_satisfiable", 417: "expectation_failed"}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def traced(request, body: dict) -> dict:
    """The request id in the error body, so a driver's screenshot leads to the log lines."""
    rid = getattr(request.ctx, "request_id", None)
    if rid:
        body["error"]["request_id"] = rid
    return body


def outages(app: Sanic) -> Outages:
    """This worker's outage tracker (built on first use: the probes need the worker's services)."""
    tracker = getattr(app.ctx, "outages", None)
    if tracker is None:
        services = app.ctx.services
        tracker = app.ctx.outages = Outages({"redis": services.redis.ping, "database": services.database.ping},
                                            timeouts={"database": services.database.ping_timeout})
    return tracker


def install_error_handlers(app: Sanic) -> None:
    @app.exception(CargotoolError)
    async def on_cargotool_error(request, exc: CargotoolError):
        status = http_status(exc)
        if status >= 500:
            log.warning("%s %s -> %s: %s", request.method, request.path, exc.code, exc.message)
        retry_after = getattr(exc, "retry_after", None)  # rate limits say when to come back
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return json(traced(request, exc.to_dict()), status=status, headers=headers)

    @app.exception(SanicException)
    async def on_sanic_error(request, exc: SanicException):
        status = getattr(exc, "status_code", 500) or 500
        code = SANIC_CODES.get(status, "http_error")
        message = str(exc) if status < 500 else "Internal error"
        if is_unreadable(request):  # Sanic could not read the head (wire.py): one line, no echo of it
            log_refusal(request, exc)
            message = NOT_HTTP if status == 400 else message
        return json(traced(request, error_body(code, message)), status=status, headers=getattr(exc, "headers", None))

    @app.exception(*DOWN)
    async def on_dependency_down(request, exc: Exception):
        outages(request.app).failed(dependency_of(exc) or "dependency", exc)
        return json(traced(request, Unavailable(UNAVAILABLE_MESSAGE).to_dict()), status=503,
                    headers={"Retry-After": str(RETRY_AFTER_OUTAGE)})

    @app.exception(Exception)
    async def on_unexpected(request, exc: Exception):
        if dependency_of(exc) is not None:  # not one of DOWN's types: a Redis connection reset under uvloop
            return await on_dependency_down(request, exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json(traced(request, error_body("internal", "Internal error")), status=500)
