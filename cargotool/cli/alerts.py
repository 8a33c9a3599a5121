"""`cargotool alerts ...`: the new-load watcher, for operators."""

from __future__ import annotations

import datetime as dt

import typer

from ..bootstrap import Services
from .runtime import console, print_json, run_with_services

alerts_app = typer.Typer(help="Saved searches and new-load alerts.", no_args_is_help=True)


@alerts_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Who holds the watcher's lease, how it finds new loads (freshest-loads feed or the searches' own
    queries), how many searches and distinct queries, CargoTech calls in the last 60 s against the budget,
    and how many drivers have alerts held for a digest."""

    async def work(services: Services) -> dict:
        return await services.watcher.status()

    data = run_with_services(work)
    if as_json:
        print_json(data)
        return
    looked = (dt.datetime.fromtimestamp(data["last_look_at"], dt.timezone.utc).isoformat(timespec="seconds")
              if data["last_look_at"] else "never")
    console.print(f"lease holder: {data['lease_holder'] or 'none (no server is watching)'}")
    console.print(f"mode: {data['mode']} (last look {looked})")
    if data["poll_interval_seconds"] is not None:
        console.print(f"next look {data['poll_interval_seconds']:g} s after the last (adapts to CargoTech and the budget)")
    console.print(f"searches: {data['searches']} in {data['distinct_queries']} distinct queries, "
                  f"{data['polled_queries']} polled by query")
    console.print(f"CargoTech calls in the last 60 s: {data['cargotech_calls_last_60s']} of {data['budget_per_minute']}")
    console.print(f"drivers with held alerts: {data['drivers_with_held_alerts']}")
