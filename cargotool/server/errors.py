"""Maps errors to JSON bodies `{"error": {"code", "message", "fields"?}}`; never a traceback."""

from __future__ import annotations

import logging

from sanic import Sanic, json
from sanic.exceptions import SanicException

from ..core.errors import CargotoolError

log = logging.getLogger(__name__)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _traced(request, body: dict) -> dict:
    """The request id in the error body, so a driver's screenshot leads to the log lines."""
    rid = getattr(request.ctx, "request_id", None)
    if rid:
        body["error"]["request_id"] = rid
    return body


def install_error_handlers(app: Sanic) -> None:
    @app.exception(CargotoolError)
    async def on_cargotool_error(request, exc: CargotoolError):
        if exc.http_status >= 500:
            log.warning("%s %s -> %s: %s", request.method, request.path, exc.code, exc.message)
        retry_after = getattr(exc, "retry_after", None)  # rate limits say when to come back
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return json(_traced(request, exc.to_dict()), status=exc.http_status, headers=headers)

    @app.exception(SanicException)
    async def on_sanic_error(request, exc: SanicException):
        status = getattr(exc, "status_code", 500) or 500
        code = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}.get(status, "http_error")
        message = str(exc) if status < 500 else "Internal error"
        return json(_traced(request, error_body(code, message)), status=status, headers=getattr(exc, "headers", None))

    @app.exception(Exception)
    async def on_unexpected(request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json(_traced(request, error_body("internal", "Internal error")), status=500)
