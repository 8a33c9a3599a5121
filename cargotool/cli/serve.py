"""`cargotool serve`: run the Sanic server (migrations first, once, in the main process)."""

from __future__ import annotations

import errno
import logging
import socket

import typer

from ..bootstrap import embedded_defaults
from .exit_codes import ExitCode
from .runtime import fail, load_settings, migrate_or_fail

log = logging.getLogger(__name__)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (more than 1 needs REDIS_URL)."),
    access_log: bool = typer.Option(False, help="Log every request."),
) -> None:
    """Migrate the database, then serve the Mini App, the JSON API (/api), webhooks (/webhooks),
    health pages (/healthz, /readyz), the OpenAPI docs (/docs) and metrics (/metrics)."""
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from ..server.app import create_app

    settings = load_settings()
    logging.getLogger().setLevel(settings.log_level)
    if workers > 1 and not settings.redis_url:
        fail(
            "the embedded store (REDIS_URL unset) is single-process: set REDIS_URL to run several workers",
            ExitCode.CONFIG,
        )
    for note in embedded_defaults(settings):
        log.warning("%s", note)
    _check_port_free(host, port)
    for migration in migrate_or_fail(settings.database_url):
        log.info("applied migration %s: %s", migration.version, migration.name)

    loader = AppLoader(factory=create_app)
    app = loader.load()
    app.prepare(host=host, port=port, workers=workers, access_log=access_log, motd=False,
                single_process=workers == 1)
    try:
        if workers == 1:
            Sanic.serve_single(primary=app)
        else:
            Sanic.serve(primary=app, app_loader=loader)
    except OSError as exc:  # taken between the check and the bind
        if exc.errno != errno.EADDRINUSE:
            raise
        fail(f"port {port} is in use", ExitCode.FAILURE)


def _check_port_free(host: str, port: int) -> None:
    """Say «port 8000 is in use» instead of an OSError from deep inside the server."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        fail(f"cannot listen on {host}: no such address", ExitCode.BAD_INPUT)
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will bind
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} is in use", ExitCode.FAILURE)
            fail(f"cannot listen on {host}:{port} ({exc.strerror})", ExitCode.FAILURE)
