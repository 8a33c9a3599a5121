"""What every command shares: settings, the services, output, and turning errors into one line."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any, Awaitable, Callable, NoReturn, TypeVar

import typer
from rich.console import Console

from ..bootstrap import Services, build_services, register_secrets
from ..config import ConfigError, Settings
from ..core.errors import CargotoolError
from ..core.redaction import redactor

T = TypeVar("T")

EXIT_CONFIG = 78  # EX_CONFIG from sysexits.h
EXIT_INTERNAL = 70  # EX_SOFTWARE

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"cargotool: {redactor.redact(message)}", markup=False)
    raise typer.Exit(code)


def setup_logging(level: str = "WARNING") -> None:
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")


def load_settings() -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        fail(f"configuration error: {exc}", EXIT_CONFIG)
    register_secrets(settings)
    if os.environ.get("LOG_LEVEL"):  # the CLI is quiet (warnings only) unless asked otherwise
        logging.getLogger().setLevel(settings.log_level)
    return settings


def run_with_services(work: Callable[[Services], Awaitable[T]], *, settings: Settings | None = None) -> T:
    """Build the services, run `work` on them in one event loop, close them; errors become one line."""
    settings = settings or load_settings()

    async def main() -> T:
        services = build_services(settings)
        try:
            return await work(services)
        finally:
            await services.aclose()

    try:
        return asyncio.run(main())
    except CargotoolError as exc:
        fail(exc.message if not exc.fields else f"{exc.message}: " + "; ".join(f"{k}: {v}" for k, v in exc.fields.items()), exc.exit_code)


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))
