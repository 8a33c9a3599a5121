"""`cargotool serve`: run the Sanic server (migrations first, once, in the main process)."""

from __future__ import annotations

import logging

import typer

from ..core.storage.db import Database
from ..core.storage.migrations import migrate
from .runtime import EXIT_CONFIG, fail, load_settings

log = logging.getLogger(__name__)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (more than 1 needs REDIS_URL)."),
    access_log: bool = typer.Option(False, help="Log every request."),
) -> None:
    """Run the HTTP server: health pages now; the Mini App and API as they land."""
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from ..server.app import create_app

    settings = load_settings()
    logging.getLogger().setLevel(settings.log_level)
    if workers > 1 and not settings.redis_url:
        fail(
            "the embedded store (REDIS_URL unset) is single-process: set REDIS_URL to run several workers",
            EXIT_CONFIG,
        )
    database = Database(settings.database_url)
    try:
        applied = migrate(database)
    except Exception as exc:  # one line, no traceback: the URL may hold a password
        fail(f"cannot migrate the database ({type(exc).__name__}); check DATABASE_URL", 1)
    finally:
        database.close()
    for migration in applied:
        log.info("applied migration %s: %s", migration.version, migration.name)

    loader = AppLoader(factory=create_app)
    app = loader.load()
    app.prepare(host=host, port=port, workers=workers, access_log=access_log, motd=False,
                single_process=workers == 1)
    if workers == 1:
        Sanic.serve_single(primary=app)
    else:
        Sanic.serve(primary=app, app_loader=loader)
