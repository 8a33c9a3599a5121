"""Describe a route in /docs/openapi.json from the Python types of its bodies, so the two cannot drift.

    @bp.post("/things")
    @describe("Create a thing", body=NewThing, responses={201: ThingBody}, errors=(400, 409))
    async def create_thing(request): ...

Bodies are TypedDicts (or dataclasses); pydantic's TypeAdapter turns each into JSON Schema, registered
once under #/components/schemas/<Name> with sanic-ext, and referenced from the operation. Every described
route also lists the error answers it gives (always 413 and 503; 401 and 429 with `secured=True`), each
an `ErrorBody`. The fuzz test (tests/integration/test_openapi_fuzz.py) checks every answer against this.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable, get_origin

from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python < 3.12

from pydantic import TypeAdapter
from sanic_ext import openapi
from sanic_ext.extensions.openapi.builders import OperationStore, SpecificationBuilder
from sanic_ext.extensions.openapi.definitions import Response

from .validation import NO_BODY, declare

REF = "#/components/schemas/{model}"


class ErrorDetail(TypedDict):
    code: str
    message: str
    fields: NotRequired[dict[str, str]]


class ErrorBody(TypedDict):
    """Every 4xx/5xx answer: `{"error": {"code", "message", "fields"?}}`."""

    error: ErrorDetail


ERROR_TEXT = {400: "Bad input (field errors in `fields`)", 401: "No valid session", 402: "Needs a subscription",
              403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Body too large",
              429: "Too many requests (see Retry-After)", 502: "CargoTech answered badly",
              503: "A dependency is unavailable (Redis, the database, CargoTech) — try again"}
ALWAYS = (400, 413, 503)
SECURED = (401, 429)


@lru_cache(maxsize=None)
def _json_schema(kind: Any) -> str:
    """pydantic's JSON Schema of `kind`, made once per type (as JSON: callers get their own copy). Every
    route names ErrorBody several times; making it each time cost a worker's start seconds."""
    return json.dumps(TypeAdapter(kind).json_schema(ref_template=REF, mode="serialization"))


def schema_ref(kind: Any) -> dict:
    """Register `kind` (and the types it uses) as components; return a $ref to it."""
    schema = json.loads(_json_schema(kind))
    builder = SpecificationBuilder()
    for name, definition in schema.pop("$defs", {}).items():
        builder.add_component("schemas", name, definition)
    name = kind.__name__ if isinstance(kind, type) and get_origin(kind) is None else None
    if not name or schema.get("type") != "object":
        return schema  # a list or a scalar: inline
    builder.add_component("schemas", name, schema)
    return {"$ref": REF.format(model=name)}


def _content(kind: Any) -> dict:
    return {"application/json": {"schema": schema_ref(kind)}}


def describe(summary: str, *, body: Any = None, responses: dict[int, Any] | None = None,
             errors: tuple[int, ...] = (), secured: bool = False, description: str | None = None) -> Callable:
    """sanic-ext operation metadata for a handler: its summary, request body, answers and errors.
    A response type of None means "no body" (e.g. 204). `body` is also the type `json_body(request)`
    checks the body against (validation.py); a POST/PUT/PATCH route without a body says `body=NO_BODY`."""

    def decorate(handler: Callable) -> Callable:
        if body is not None:
            declare(handler, body)
        decorators = [openapi.summary(summary)]
        if description:
            decorators.append(openapi.description(description))
        if secured:
            decorators.append(openapi.secured("session"))
        if body is not None and body is not NO_BODY:
            decorators.append(openapi.body(_content(body), required=True))
        for status, kind in (responses or {}).items():
            if kind is not None:
                decorators.append(openapi.response(status, _content(kind), description=_describe_status(status)))
        for status in sorted({*ALWAYS, *(SECURED if secured else ()), *errors}):
            decorators.append(openapi.response(status, _content(ErrorBody), description=ERROR_TEXT.get(status, "Error")))
        for decorator in decorators:
            handler = decorator(handler)
        for status, kind in (responses or {}).items():
            if kind is None:  # no body at all (sanic-ext would document one of any type)
                OperationStore()[handler].responses[status] = Response(status=status, description=_describe_status(status))
        return handler

    return decorate


def _describe_status(status: int) -> str:
    return {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}.get(status, "Answer")


def document_errors(app) -> None:
    """Every route's error answers, in the document: routes described with `describe` already list
    theirs; any other route (e.g. one that still uses plain sanic-ext decorators) gets the errors every
    route can give — 400 (hostile path or query), 413, 503, and 401/429/403/404 where they apply — each
    an ErrorBody, because every error goes through server/errors.py."""
    store = OperationStore()
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if path.startswith(("/docs", "/static")) or getattr(route.handler, "__auto_handler__", False) \
                or route.handler not in store:
            continue  # HEAD and OPTIONS (auto_methods.py) are not in the document
        operation = store[route.handler]
        statuses = set(ALWAYS)
        if path.startswith("/api/") and path != "/api/session":
            statuses |= set(SECURED)
        if path.startswith("/api/admin/"):
            statuses.add(403)
        if "<" in path:
            statuses.add(404)
        for status in sorted(statuses - {int(s) for s in operation.responses if str(s).isdigit()}):
            operation.response(status, _content(ErrorBody), description=ERROR_TEXT.get(status, "Error"))
