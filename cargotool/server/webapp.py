"""The Mini App: one HTML page and its assets, all served by us (only Telegram's own script comes
from telegram.org). Assets carry a content hash in their URL, so they can be cached for a year."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sanic import Blueprint, HTTPResponse, Request, Sanic

ROOT = Path(__file__).parent / "webapp"
ASSETS = ("js/main.js", "app.css", "icon.svg")

# Telegram Web shows Mini Apps in an iframe, so no X-Frame-Options; frame-ancestors names Telegram.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' https://telegram.org",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org",
])


def _versioned_index() -> str:
    html = (ROOT / "index.html").read_text(encoding="utf-8")
    for name in ASSETS:
        digest = hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:12]
        html = html.replace(f"/static/{name}\"", f"/static/{name}?v={digest}\"")
    return html


def install_webapp(app: Sanic) -> None:
    index = _versioned_index()
    bp = Blueprint("webapp")

    @bp.get("/")
    async def page(request: Request):
        return HTTPResponse(index, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    bp.static("/static", str(ROOT), name="webapp_static")

    @bp.on_response  # only the page and its assets: the JSON API's hot path stays lean
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path == "/" or request.path.startswith("/static/"):
            headers["Content-Security-Policy"] = CSP
        if request.path.startswith("/static/") and request.args.get("v"):
            headers["Cache-Control"] = "public, max-age=31536000, immutable"

    app.blueprint(bp)
