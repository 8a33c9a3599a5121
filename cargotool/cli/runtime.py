"""What every command shares: settings, the services, output, and turning errors into one line."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from typing import Any, Awaitable, Callable, Mapping, NoReturn, TypeVar

import typer
from rich.console import Console

from ..bootstrap import Services, build_services, register_secrets
from ..config import ConfigError, Settings
from ..core.cargo.formatting import to_moscow
from ..core.errors import CargotoolError
from ..core.observability.logs import setup_logging
from ..core.redaction import redactor
from ..core.storage.db import Database
from ..core.storage.migrations import migrate as apply_migrations
from .exit_codes import ExitCode, exit_code_for

T = TypeVar("T")

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = ExitCode.FAILURE) -> NoReturn:
    """One line on stderr, then the exit code (from `ExitCode`)."""
    err_console.print(f"cargotool: {redactor.redact(message)}", markup=False)
    raise typer.Exit(int(code))


def error_line(error: CargotoolError, options: Mapping[str, str] | None = None) -> str:
    """The message, then the fields it does not already say, named as the CLI's options are.

    `options` maps a field to the option an operator typed (e.g. "date" → "--date").
    """
    message = error.message
    extra = [f"{(options or {}).get(name, name)}: {text}" for name, text in error.fields.items()
             if name not in message and text not in message]
    return message + (": " + "; ".join(extra) if extra else "")


def when(moment: dt.datetime | None) -> str:
    """A moment for people: Moscow time, with its zone said (the one time format of the CLI)."""
    return to_moscow(moment).strftime("%Y-%m-%d %H:%M MSK") if moment else "—"


def load_settings() -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        fail(f"configuration error: {exc}", ExitCode.CONFIG)
    register_secrets(settings)
    # The CLI prints its own one-line error; the core's log lines would only say it again. So it logs
    # errors only, unless LOG_LEVEL asks for more.
    setup_logging(settings.log_level if os.environ.get("LOG_LEVEL") else "ERROR", settings.log_format)
    return settings


def migrate_or_fail(database_url: str) -> list:
    """Apply pending migrations; any failure is one line (no traceback: the URL may hold a password)."""
    database = None
    try:
        database = Database(database_url)
        return apply_migrations(database)
    except Exception as exc:
        fail(f"cannot migrate the database ({type(exc).__name__}); check DATABASE_URL", ExitCode.FAILURE)
    finally:
        if database is not None:
            database.close()


def run_with_services(work: Callable[[Services], Awaitable[T]], *, settings: Settings | None = None,
                      options: Mapping[str, str] | None = None) -> T:
    """Build the services, run `work` on them in one event loop, close them; errors become one line."""
    settings = settings or load_settings()

    async def main() -> T:
        services = build_services(settings)
        try:
            await services.upstream.restore_token()  # embedded store: reuse the last command's login
            return await work(services)
        finally:
            await services.aclose()

    try:
        return asyncio.run(main())
    except CargotoolError as exc:
        fail(error_line(exc, options), exit_code_for(exc))


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))
