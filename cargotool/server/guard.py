"""Refuses hostile input before a handler sees it, so no malformed request can reach a database driver.

- Body size: `GuardedRequest.receive_body` refuses a body past the route's limit with 413, from the
  Content-Length header before reading anything, and while reading a chunked body (HTTP/1 and ASGI).
- Path and query: NUL characters and bytes that are not UTF-8 are a 400 for every route.
- JSON bodies are parsed by `parse_json` (through `requests.json_body`): not UTF-8, NaN/Infinity,
  integers outside 64 bits, NUL characters or lone surrogates anywhere (keys too), or nesting deeper
  than `MAX_JSON_DEPTH` are a 400 with a field error.
PostgreSQL refuses NUL in text and integers past 64 bits; Redis keys and hashes need encodable text.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from sanic import Request
from sanic.exceptions import BadURL, PayloadTooLarge

from ..core.errors import InvalidInput
from ..core.numbers import plain_int
from .wire import STAND_IN_TARGET, UNREADABLE_METHOD, check_header_lines

API_MAX_BODY = 8 * 1024  # the largest driver/admin JSON body (a response with a 500-character comment) is ~3 KB
WEBHOOK_MAX_BODY = 64 * 1024  # Telegram updates carry a message (≤ 4096 characters) and what it replies to
MAX_JSON_DEPTH = 16
INT64 = 2**63


def body_limit(path: str) -> int:
    return WEBHOOK_MAX_BODY if path.startswith("/webhooks/") else API_MAX_BODY


class GuardedRequest(Request):
    """A Sanic request whose body is read only up to the route's limit, whose head follows RFC 9112 §5.1,
    and whose stand-in for an unreadable request can always be built (see wire.py)."""

    def __init__(self, url_bytes: bytes, *args, **kwargs) -> None:
        method = kwargs.get("method", args[2] if len(args) > 2 else None)
        try:
            super().__init__(url_bytes, *args, **kwargs)
        except BadURL:
            if method != UNREADABLE_METHOD:
                raise  # Sanic answers it through a stand-in request: the branch below
            super().__init__(STAND_IN_TARGET, *args, **kwargs)
            self.ctx.unreadable_target = url_bytes
        check_header_lines(self.head)

    async def receive_body(self) -> None:
        if self.body:
            return
        limit = body_limit(self.path)
        length = self.headers.get("content-length", "")
        if (plain_int(length, max_digits=30) or 0) > limit:
            raise PayloadTooLarge(f"The body is larger than {limit} bytes")
        if hasattr(self.stream, "request_max_size"):  # HTTP/1: also bounds a chunked body as it arrives
            self.stream.request_max_size = min(self.stream.request_max_size, limit)
        chunks, size = [], 0
        async for data in self.stream:
            size += len(data)
            if size > limit:
                raise PayloadTooLarge(f"The body is larger than {limit} bytes")
            chunks.append(data)
        self.body = b"".join(chunks)


def _clean_text(value: str) -> bool:
    """No NUL, no lone surrogate (both unstorable)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_request_line(request: Request) -> None:
    """Path and query string: UTF-8, no NUL (a 400 naming the part)."""
    path, query = request.path, request.query_string
    if path.isascii() and query.isascii() and "%" not in path and "%" not in query \
            and "\x00" not in path and "\x00" not in query:
        return  # the usual request line: nothing escaped, so nothing below can fail (it ran on every request)
    for part, raw in (("path", path), ("query", query)):
        try:
            decoded = unquote_to_bytes(raw).decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            raise InvalidInput("Адрес запроса не в UTF-8", fields={part: "не UTF-8"}) from None
        if "\x00" in decoded:
            raise InvalidInput("Адрес запроса содержит недопустимый символ", fields={part: "символ NUL"})
    if request.query_string:
        try:
            parse_qsl(request.query_string, keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise InvalidInput("Параметры запроса не в UTF-8", fields={"query": "не UTF-8"}) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _int64(text: str) -> int:
    if len(text) > 20:
        raise ValueError("number out of range")
    value = int(text)
    if not -INT64 <= value < INT64:
        raise ValueError("number out of range")
    return value


def parse_json(body: bytes) -> Any:
    """Parse a request body strictly; InvalidInput (a 400 with fields) for anything unsafe."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite, parse_int=_int64)
    except UnicodeDecodeError:
        raise InvalidInput("Тело запроса не в UTF-8", fields={"body": "не UTF-8"}) from None
    except (ValueError, RecursionError):
        raise InvalidInput("Тело запроса — не JSON", fields={"body": "invalid JSON"}) from None
    problem = _problem(value, "body", 0)
    if problem:
        where, what = problem
        raise InvalidInput("Недопустимые данные в запросе", fields={where: what})
    return value


def _problem(value: Any, where: str, depth: int) -> tuple[str, str] | None:
    if depth > MAX_JSON_DEPTH:
        return where, f"вложенность больше {MAX_JSON_DEPTH}"
    if isinstance(value, str):
        return None if _clean_text(value) else (where, "недопустимый символ")
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        name = key if where == "body" else f"{where}.{key}"
        if not _clean_text(key):
            return where, "недопустимый символ в имени поля"
        found = _problem(item, name, depth + 1)
        if found:
            return found
    return None
