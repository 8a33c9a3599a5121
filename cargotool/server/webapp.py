"""The Mini App: one HTML page and its assets, all served by us from memory (only Telegram's own script comes
from telegram.org). webapp_build joins the ES modules, names every asset by its content hash and compresses
it once at start-up; here they are served with the best encoding the client accepts and, for hashed names,
cached for a year. Only names known at start-up are served: anything else under /static/ is a JSON 404."""

from __future__ import annotations

import re

from sanic import Blueprint, HTTPResponse, Request, Sanic

from ..core.errors import NotFound
from .compression import choose_encoding
from .webapp_build import Asset, build

HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")
IMMUTABLE = "public, max-age=31536000, immutable"
PAGE_CACHE = "private, max-age=86400"


def content_security_policy(script_hashes: list[str]) -> str:
    # Telegram Web shows Mini Apps in an iframe, so no X-Frame-Options; frame-ancestors names Telegram.
    # The page's one inline script (starting the login early) is allowed by its hash, not 'unsafe-inline'.
    return "; ".join([
        "default-src 'self'",
        " ".join(["script-src 'self' https://telegram.org", *script_hashes]),
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org",
    ])


def serve(request: Request, item: Asset, cache_control: str) -> HTTPResponse:
    headers = {"Cache-Control": cache_control, "ETag": item.etag, "Vary": "Accept-Encoding"}
    if item.etag in request.headers.get("if-none-match", ""):
        return HTTPResponse(status=304, headers=headers)
    encoding = choose_encoding(request.headers.get("accept-encoding", ""), item.encoded)
    if encoding:
        headers["Content-Encoding"] = encoding
        return HTTPResponse(item.encoded[encoding], content_type=item.content_type, headers=headers)
    return HTTPResponse(item.body, content_type=item.content_type, headers=headers)


def install_webapp(app: Sanic) -> None:
    built = build()
    csp = content_security_policy(built.csp_script_hashes)
    bp = Blueprint("webapp")

    @bp.get("/")
    async def page(request: Request):
        # kept a day: the page checks in the background that it is the current build (see index.html)
        return serve(request, built.index, PAGE_CACHE)

    @bp.get("/static/<name:path>")
    async def static(request: Request, name: str):
        item = built.assets.get(name)
        if item is None:
            raise NotFound("Нет такого файла")
        return serve(request, item, IMMUTABLE if HASHED.search(name) else "no-cache")

    @bp.on_response  # only the page and its assets: the JSON API's hot path stays lean
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path == "/" or request.path.startswith("/static/"):
            headers["Content-Security-Policy"] = csp

    app.blueprint(bp)
