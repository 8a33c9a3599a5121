"""`cargotool db ...`: schema migrations."""

from __future__ import annotations

import typer

from .runtime import console, load_settings, migrate_or_fail

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def migrate() -> None:
    """Apply pending migrations (idempotent; `serve` also runs it at start-up)."""
    settings = load_settings()
    applied = migrate_or_fail(settings.database_url)
    if not applied:
        console.print("Database schema is up to date.")
    for migration in applied:
        console.print(f"Applied {migration.version}: {migration.name}")
