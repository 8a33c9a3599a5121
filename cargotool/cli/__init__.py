"""Typer CLI: one sub-app per area."""
