"""`cargotool serve`: run the Sanic server (migrations first, once, in the main process)."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import socket
import tempfile

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

    settings = load_settings()
    logging.getLogger().setLevel(settings.log_level)
    if workers > 1 and not settings.shared_redis:
        fail(
            "the embedded store (REDIS_URL unset) is single-process: set REDIS_URL to run several workers",
            ExitCode.CONFIG,
        )
    for note in embedded_defaults(settings):
        log.warning("%s", note)
    _check_port_free(host, port)
    for migration in migrate_or_fail(settings.database_url):
        log.info("applied migration %s: %s", migration.version, migration.name)

    made = _metrics_directory(settings.prometheus_multiproc_dir, workers)
    loader = AppLoader(factory=worker_app)
    app = loader.load()
    app.prepare(host=host, port=port, workers=workers, access_log=access_log, motd=False,
                single_process=workers == 1)
    if workers > 1:
        from .watchdog import start_watchdog

        app.main_process_ready(start_watchdog)  # a worker that dies is replaced (Sanic's manager does not)
        # Workers are spawned, not forked: the metrics' multiprocess mode is decided when prometheus_client
        # is imported, which in this process happened before PROMETHEUS_MULTIPROC_DIR was set. Tried with the
        # directory set before that import (replacement ≈ 1 s): when both workers were killed before they
        # had acknowledged their start, the main process never left Sanic's wait_for_ack, so no worker was
        # replaced. Likely cause (read, not proven): wait_for_ack sends the watchdog's restart requests back
        # into its own pipe and skips its give-up count, so it spins; the watchdog should wait for the ack.
    try:
        if workers == 1:
            Sanic.serve_single(primary=app)
        else:
            Sanic.serve(primary=app, app_loader=loader)
    except OSError as exc:  # taken between the check and the bind
        if exc.errno != errno.EADDRINUSE:
            raise
        fail(f"port {port} is in use", ExitCode.FAILURE)
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


def worker_app():
    """The app of one server process, its logs in LOG_FORMAT (Sanic's own loggers too, when JSON)."""
    from ..core.observability.logs import setup_logging
    from ..server.app import SANIC_LOGGERS, create_app

    app = create_app()
    settings = app.ctx.settings
    setup_logging(settings.log_level, settings.log_format, also=SANIC_LOGGERS if settings.log_format == "json" else ())
    return app


def _metrics_directory(configured: str | None, workers: int) -> str | None:
    """Several workers keep their metrics in files that /metrics adds up. The directory is emptied at
    start-up (a previous run's counts would be added to this one's); the workers, started after this,
    find it in their environment. Returns the directory when it was made here (removed at exit)."""
    from ..core.observability.metrics import prepare_multiprocess_dir

    path = configured or (tempfile.mkdtemp(prefix="cargotool-metrics-") if workers > 1 else None)
    if path is None:
        return None
    try:
        prepare_multiprocess_dir(path)
    except OSError as exc:
        fail(f"PROMETHEUS_MULTIPROC_DIR {path}: {exc.strerror}", ExitCode.CONFIG)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return None if configured else path


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
