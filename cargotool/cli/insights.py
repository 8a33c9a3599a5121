"""`cargotool insights ...`: what the server learnt from the loads it has seen."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from ..bootstrap import Services
from ..core.insights.moderation import MAX_LISTING
from .runtime import console, print_json, run_with_services, when

insights_app = typer.Typer(help="Insights: lane market rates.", no_args_is_help=True)


@insights_app.command("lanes")
def lanes(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Posted ₽/km per lane (loading region → unloading region, body, weight class) over the last 60 days.

    Regions are GeoNames first-level divisions (e.g. RU-13), listed with the cities seen most in each lane.
    A market range (25th–75th percentile) is shown to drivers only from 10 loads on."""

    async def work(services: Services) -> list[dict]:
        return await services.insights.lanes.table()

    rows = run_with_services(work)
    if as_json:
        print_json({"items": rows, "meta": {"window_days": 60, "min_points": 10}})
        return
    if not rows:
        console.print("no lanes yet: the server records loads as drivers browse")
        return
    table = Table("from", "to", "body", "weight", "loads", "₽/km min–max", "market (shown to drivers)")
    for row in rows:
        market = row["market"]
        table.add_row(f"{row['from_region']} {', '.join(row['from_cities'])}", f"{row['to_region']} {', '.join(row['to_cities'])}",
                      row["body"], row["weight_class"], str(row["points"]),
                      f"{row['min_rub_km']:.0f}–{row['max_rub_km']:.0f}",
                      market["text"] if market else "— (too few loads)")
    console.print(table)


@insights_app.command("reports")
def reports(inn: str = typer.Option(None, help="Only this company (INN, as poster or shipper)."),
            limit: int = typer.Option(50, min=1, max=MAX_LISTING, help="How many, newest first."),
            as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Drivers' reports on companies, with comments (for operators; drivers see only counts)."""

    async def work(services: Services):
        return await services.report_desk.recent(inn.strip() if inn else None, limit)

    lines = [line.public() for line in run_with_services(work)]
    if as_json:
        print_json({"items": lines})
        return
    table = Table("id", "company", "shipper", "load", "driver", "kind", "comment", "when", "hidden")
    for line in lines:
        company = f"{line['company'] or '—'} · {line['inn']}"
        shipper = f"{line['shipper'] or '—'} · {line['shipper_inn']}" if line["shipper_inn"] else ""
        table.add_row(str(line["id"]), company, shipper, line["cargo_id"], str(line["driver_id"]), line["kind"],
                      line["comment"] or "", when(dt.datetime.fromisoformat(line["updated_at"])),
                      line["hidden_reason"] or "" if line["hidden"] else "")
    console.print(table)


@insights_app.command("hide-report")
def hide_report(report_id: int = typer.Argument(..., help="The report's id (see `insights reports`)."),
                reason: str = typer.Option(..., help="Why it is hidden (kept in the audit log).")) -> None:
    """Hide an abusive report from every driver (audited; the author still sees it as hidden)."""

    async def work(services: Services):
        return await services.insights.reports.hide(report_id, reason, actor="cli")

    report = run_with_services(work)
    console.print(f"report {report.id} hidden")
