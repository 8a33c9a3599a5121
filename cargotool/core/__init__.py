"""The library: every business rule lives here; it knows nothing of Sanic or Typer."""
