"""The Sanic app factory. Per-worker resources are built in `before_server_start` from Settings."""

from __future__ import annotations

import asyncio
import logging

from sanic import Sanic

from .. import __version__
from ..bootstrap import build_services
from ..config import Settings
from ..core.words import warm_up
from .compression import install_compression
from .errors import install_error_handlers
from .schema import document_errors
from .guard import WEBHOOK_MAX_BODY, GuardedRequest, check_request_line
from .admin import bp as admin_bp
from .auto_methods import add_head_and_options, disable_sanic_ext_methods
from .api import bp as api_bp
from .availability import admin_bp as availability_admin_bp
from .availability import bp as availability_bp
from .chains import bp as chains_bp
from .health import bp as health_bp
from .vanished_driver import install_vanished_driver_handler
from .metrics import install_observability
from .searches import bp as searches_bp
from .shortlist import bp as shortlist_bp
from .reach import bp as reach_bp
from .insights import bp as insights_bp
from .privacy import bp as privacy_bp
from .share import bp as share_bp
from .webapp import install_webapp
from .webhooks import bp as webhooks_bp

APP_NAME = "cargotool"
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access", "sanic.server", "sanic.websockets")


def create_app(settings: Settings | None = None, *, services_factory=None, services=None) -> Sanic:
    """Build the app. Tests hand in their own wiring: `services_factory(settings)` (built and closed
    with the server), or ready `services` (owned, and closed, by the caller)."""
    app = _new_app()
    app.ctx.settings = settings or Settings.from_env()
    if services is not None:
        app.ctx.services = services
    install_error_handlers(app)
    install_vanished_driver_handler(app)
    install_observability(app)
    app.on_request(check_request_line, priority=100)
    app.blueprint(health_bp)
    app.blueprint(api_bp)
    app.blueprint(searches_bp)
    app.blueprint(shortlist_bp)
    app.blueprint(reach_bp)
    app.blueprint(admin_bp)
    app.blueprint(insights_bp)
    app.blueprint(privacy_bp)
    app.blueprint(share_bp)
    app.blueprint(chains_bp)
    app.blueprint(availability_bp)
    app.blueprint(availability_admin_bp)
    app.blueprint(webhooks_bp)
    install_webapp(app)
    install_compression(app)
    app.ext.openapi.add_security_scheme("session", "http", scheme="bearer")
    add_head_and_options(app)
    app.before_server_start(lambda app: document_errors(app))  # every route's error answers in /docs/openapi.json

    _install_lifecycle(app, services_factory, services)
    return app


def _new_app() -> Sanic:
    """The app with its configuration, before any route."""
    app = Sanic(APP_NAME, request_class=GuardedRequest)
    for name in SANIC_LOGGERS:
        logging.getLogger(name).propagate = False  # Sanic prints these itself; no second copy via root
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.OAS_UI_DEFAULT = "redoc"
    app.config.CORS = False  # the Mini App is same-origin; no cross-origin API
    app.config.REQUEST_MAX_SIZE = WEBHOOK_MAX_BODY  # the largest any route takes; routes refuse less (guard.py)
    disable_sanic_ext_methods(app)  # HEAD and OPTIONS are added in create_app, not at each worker's start

    app.ext.openapi.describe("cargotool API", version=__version__)
    return app


def _install_lifecycle(app: Sanic, services_factory, services) -> None:
    """Per worker: build (or take) the Services and start the background work; stop it and close them."""

    @app.before_server_start
    async def open_services(app: Sanic) -> None:
        if services is not None:
            app.ctx.services = services
        else:
            factory = services_factory or (lambda s: build_services(s, run_migrations=False))
            app.ctx.services = factory(app.ctx.settings)
        app.ctx.stop = asyncio.Event()
        asyncio.get_running_loop().run_in_executor(None, warm_up)  # city declension's dictionary, off the loop
        if app.ctx.settings.outbox_enabled == "on":
            app.add_task(app.ctx.services.run_background(app.ctx.stop), name="background")

    @app.before_server_stop
    async def stop_background(app: Sanic) -> None:
        stop = getattr(app.ctx, "stop", None)
        if stop is not None:
            stop.set()
            task = app.get_task("background", raise_exception=False)
            if task is not None:
                await asyncio.wait([task], timeout=10)

    @app.after_server_stop
    async def close_services(app: Sanic) -> None:
        tracker = getattr(app.ctx, "outages", None)
        if tracker is not None:
            await tracker.aclose()
        built = getattr(app.ctx, "services", None)
        if built is not None and built is not services:
            await built.aclose()
