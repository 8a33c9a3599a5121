"""Compressed JSON answers for clients that accept them (brotli, else gzip), for the Mini App on weak
mobile links. Small bodies go as they are (compressing them saves less than it costs). A client that sends
no Accept-Encoding — the load benchmark, curl — gets the plain bytes and pays nothing but a header check.

GET bodies repeat (the list answers come from a shared 2-second copy), so their compressed form is kept
in a small LRU keyed by the body itself. Other answers (a login's session token) are never kept."""

from __future__ import annotations

import gzip
from functools import lru_cache

import brotli
from sanic import HTTPResponse, Request, Sanic

MIN_SIZE = 1024
PREFERENCE = ("br", "gzip")


def choose_encoding(accept_encoding: str, available) -> str | None:
    """The preferred encoding in `available` that the Accept-Encoding header allows (q=0 refuses it)."""
    if not accept_encoding:
        return None
    accepted = set()
    for part in accept_encoding.lower().split(","):
        token, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            if float(quality) > 0:
                accepted.add(token.strip())
        except ValueError:
            continue
    for encoding in PREFERENCE:
        if encoding in available and (encoding in accepted or "*" in accepted):
            return encoding
    return None


def compress(body: bytes, encoding: str) -> bytes:
    # quality 5 / level 6: most of the saving for a fraction of the CPU of the maximum
    return brotli.compress(body, quality=5) if encoding == "br" else gzip.compress(body, 6, mtime=0)


@lru_cache(maxsize=128)
def _compress_shared(body: bytes, encoding: str) -> bytes:
    return compress(body, encoding)


def install_compression(app: Sanic) -> None:
    @app.on_response
    async def compress_json(request: Request, response: HTTPResponse):
        body = getattr(response, "body", None)
        if (not body or len(body) < MIN_SIZE or "content-encoding" in response.headers
                or not (response.content_type or "").startswith("application/json")):
            return None
        encoding = choose_encoding(request.headers.get("accept-encoding", ""), PREFERENCE)
        if encoding is None:
            return None
        response.body = _compress_shared(body, encoding) if request.method == "GET" else compress(body, encoding)
        response.headers.pop("content-length", None)  # Sanic counts the bytes it sends
        response.headers["Content-Encoding"] = encoding
        response.headers["Vary"] = "Accept-Encoding"
        return None
