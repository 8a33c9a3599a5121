"""`cargotool db ...`: schema migrations."""

from __future__ import annotations

import typer

from ..core.storage.db import Database
from ..core.storage.migrations import migrate as apply_migrations
from .runtime import console, fail, load_settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def migrate() -> None:
    """Apply pending migrations (idempotent; `serve` also runs it at start-up)."""
    settings = load_settings()
    database = Database(settings.database_url)
    try:
        applied = apply_migrations(database)
    except Exception as exc:
        fail(f"cannot migrate the database ({type(exc).__name__}); check DATABASE_URL", 1)
    finally:
        database.close()
    if not applied:
        console.print("Database schema is up to date.")
    for migration in applied:
        console.print(f"Applied {migration.version}: {migration.name}")
