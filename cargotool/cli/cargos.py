"""`cargotool cargos ...` and `cargotool points ...`: browse CargoTech loads from a terminal."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from ..bootstrap import Services
from ..core.cargo.cards import card, detail
from ..core.cargo.filters import KNOWN_FIELDS, parse_filters
from ..core.cargo.formatting import format_number, moscow_today
from ..core.errors import InvalidInput, NotFound
from ..core.loads.models import Place
from .runtime import console, print_json, run_with_services

cargos_app = typer.Typer(help="CargoTech loads.", no_args_is_help=True)
points_app = typer.Typer(help="CargoTech points (cities).", no_args_is_help=True)

CLI_MAX_LIMIT = 100
# The API's filter fields as the options an operator types (errors name what was typed).
FILTER_OPTIONS = {name: "--" + name.replace("_", "-") for name in KNOWN_FIELDS}


async def _resolve_point(services: Services, text: str | None, option: str) -> tuple[str | None, str | None]:
    """A point id as given, or a city name looked up in CargoTech's points (exact name first)."""
    if text is None or text.strip().isdigit():
        return text, None
    places = await services.marketplace.places(text.strip(), limit=10)
    exact = [p for p in places if p.name.lower() == text.strip().lower()]
    chosen = (exact or places or [None])[0]
    if chosen is None:
        raise InvalidInput(f"no CargoTech city matches {text!r} (option {option})")
    return str(chosen.id), str(chosen.kind) if chosen.kind else None


@cargos_app.command("list")
def list_cargos(
    from_: Optional[str] = typer.Option(None, "--from", help="Loading city: point id or name."),
    to: Optional[str] = typer.Option(None, "--to", help="Unloading city: point id or name."),
    from_radius: Optional[int] = typer.Option(None, help="Radius around the loading city, km."),
    to_radius: Optional[int] = typer.Option(None, help="Radius around the unloading city, km."),
    date: Optional[str] = typer.Option(None, "--date", help="Loading date, YYYY-MM-DD."),
    wv: Optional[str] = typer.Option(None, "--wv", help="Weight–volume class 'tonnes-m3', e.g. 20-83."),
    mode: str = typer.Option("all", help="'all' loads or 'my' (the account's own)."),
    limit: int = typer.Option(20, help=f"Loads per page (1–{CLI_MAX_LIMIT})."),
    offset: int = typer.Option(0, help="Skip this many loads."),
    as_json: bool = typer.Option(False, "--json", help='Print {"items": [...], "meta": {...}}.'),
) -> None:
    """List loads matching the filters as a table (route, loading date, t, m³, ₽, ₽/km, body)."""

    async def work(services: Services):
        start_id, start_type = await _resolve_point(services, from_, "--from")
        finish_id, finish_type = await _resolve_point(services, to, "--to")
        raw = {
            "from": start_id, "from_type": start_type, "from_radius": _text(from_radius),
            "to": finish_id, "to_type": finish_type, "to_radius": _text(to_radius),
            "date": date, "wv": wv, "mode": mode, "limit": str(limit), "offset": str(offset),
        }
        # the same validation as GET /api/cargos, with the same "today" (Moscow)
        query = parse_filters({k: v for k, v in raw.items() if v is not None}, max_limit=CLI_MAX_LIMIT,
                              today=moscow_today())
        return await services.marketplace.loads(query)

    page = run_with_services(work, options=FILTER_OPTIONS)
    cards = [card(c) for c in page.items]
    meta = {"limit": page.limit, "offset": page.offset, "total": page.total, "next_offset": page.next_offset}
    if as_json:
        print_json({"items": cards, "meta": meta})
        return
    table = Table(title=f"Loads {page.offset + 1 if cards else 0}–{page.offset + len(cards)} of {page.total if page.total is not None else '?'}")
    for column in ("ID", "Route", "Loading (MSK)", "t", "m³", "₽", "₽/km", "Body"):
        table.add_column(column, justify="right" if column in ("t", "m³", "₽", "₽/km") else "left",
                         no_wrap=column in ("ID", "₽", "₽/km"))
    for c in cards:
        d = c["display"]
        table.add_row(c["id"], d["route"], d["loading"], d["weight"], format_number(c["volume_m3"]), d["price"],
                      d["rate"].replace("/км", ""), ", ".join(t["short_name"] for t in c["truck_types"]) or "—")
    console.print(table)
    if page.next_offset is not None:
        console.print(f"next page: --offset {page.next_offset}")


@cargos_app.command("show")
def show_cargo(
    cargo_id: str = typer.Argument(..., help="CargoTech load id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one load: route, addresses, loading window, comment, contacts."""
    if not cargo_id.strip().isdigit() or len(cargo_id.strip()) > 20:
        raise typer.BadParameter("a load id is a number, e.g. 6236980000", param_hint="CARGO_ID")

    async def work(services: Services):
        try:
            return await services.marketplace.load(cargo_id.strip())
        except NotFound:
            raise NotFound(f"no load {cargo_id.strip()} on CargoTech (taken down, or never there)") from None

    data = detail(run_with_services(work))
    if as_json:
        print_json(data)
        return
    d = data["display"]
    lines = [
        f"[bold]{d['route']}[/bold]  (load {data['id']})",
        f"loading (MSK): {d['loading']}   {data['from'] and data['from'].get('address') or ''}",
        f"unloading: {data['to'] and data['to'].get('address') or '—'}",
        f"{d['weight']} t, {format_number(data['volume_m3'])} m³, {data['distance_km'] or '—'} km",
        f"price: {d['price']} ({d['rate'].replace('/км', '/km')})",
        f"body: {', '.join(t['name'] for t in data['truck_types']) or '—'}; "
        f"loading: {', '.join(t['name'] for t in data['load_types']) or '—'}",
        f"cargo: {data['cargo_type'] or '—'}",
        f"shipper: {(data['shipper'] or {}).get('name') or '—'}",
        f"comment: {data['comment'] or '—'}",
    ]
    for contact in data["contacts"]:
        lines.append(f"contact: {contact['name'] or '—'} {', '.join(contact['phones'])}")
    if data["source_url"]:
        lines.append(f"source: {data['source_url']}")
    for line in lines:
        console.print(line, markup=line.startswith("[bold]"))


@points_app.command("search")
def search_points(
    text: str = typer.Argument(..., help="Beginning of a city name, e.g. 'Моск'."),
    limit: int = typer.Option(10, min=1, max=50, help="At most this many points."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find CargoTech points (cities) by name; their ids go to `cargos list --from/--to`."""
    if not text.strip():
        raise typer.BadParameter("give at least one letter", param_hint="TEXT")

    async def work(services: Services) -> list[Place]:
        return await services.marketplace.places(text.strip(), limit=limit)

    points = run_with_services(work)
    if as_json:
        print_json({"items": [{"id": p.id, "name": p.name, "type": p.kind} for p in points]})
        return
    if not points:
        console.print(f"no points match {text!r}")
        return
    table = Table()
    table.add_column("ID", justify="right")
    table.add_column("Name")
    table.add_column("Type", justify="right")
    for p in points:
        table.add_row(str(p.id), p.name, str(p.kind) if p.kind is not None else "—")
    console.print(table)


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)
