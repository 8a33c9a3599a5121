"""`cargotool cargotech ...`: the server's CargoTech login. Never prints the token, phone or password."""

from __future__ import annotations

import typer
from rich.markup import escape

from ..bootstrap import Services
from ..core.cargo.formatting import moscow_today
from ..core.loads.operator import HOLDS, UNKNOWN, ProbeReport, TokenStatus
from .exit_codes import ExitCode
from .runtime import console, print_json, run_with_services

app = typer.Typer(help="The server's CargoTech account and token.", no_args_is_help=True)
token_app = typer.Typer(help="The cached CargoTech token.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def _status_dict(status: TokenStatus) -> dict:
    return {
        "cached": status.present,
        "age_seconds": round(status.age_seconds) if status.age_seconds is not None else None,
        "ttl_seconds": round(status.ttl_seconds) if status.ttl_seconds is not None else None,
        "last_failure": status.last_failure,
    }


def _why_not_shared(services: Services) -> str | None:
    """Why a command cannot see a token an earlier command obtained, or None when it could."""
    if services.settings.shared_redis or services.upstream.shares_token_file:
        return None
    if services.upstream_label == "recorded":
        return ("the recorded sample data is served inside each command, which logs in to it afresh"
                " (nothing leaves this machine)")
    return ("REDIS_URL is unset and CARGOTECH_TOKEN_FILE=off, so each command has its own in-memory store"
            " and logs in again; set REDIS_URL to share the token")


@app.command()
def check(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Log in if needed, call /v1/me and show who the server is logged in as.

    Exit codes: 0 fine, 3 CargoTech rejected the credentials, 5 CargoTech unreachable, 78 bad config.
    """

    async def work(services: Services):
        account = await services.upstream.me()
        return account, await services.upstream.token_status(), services.upstream_label

    account, status, upstream = run_with_services(work)
    if as_json:
        print_json({"ok": True, "upstream": upstream, "account": {"id": account.id, "name": account.name,
                    "company": account.company}, "token": _status_dict(status)})
        return
    who = account.name or "unknown name"
    console.print(f"[green]OK[/green] logged in to CargoTech ({upstream}) as {who}"
                  f" (account {account.id or '?'}, company {account.company or '?'})")
    console.print(f"token: cached, age {_duration(status.age_seconds)}, expires in {_duration(status.ttl_seconds)}")


@token_app.command("status")
def token_status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show whether a token is cached, its age and time to live (never the token itself)."""

    async def work(services: Services):
        return await services.upstream.token_status(), _why_not_shared(services)

    status, not_shared = run_with_services(work)
    if as_json:
        print_json(_status_dict(status))
        return
    if status.present:
        console.print(f"token: cached, age {_duration(status.age_seconds)}, expires in {_duration(status.ttl_seconds)}")
    elif not_shared:
        console.print(f"token: not cached; {not_shared}")
    else:
        console.print("token: not cached (the next CargoTech call logs in)")
    if status.last_failure:
        console.print(f"last login failure: {status.last_failure}")


@token_app.command("flush")
def token_flush() -> None:
    """Forget the cached token and any remembered login failure; the next call logs in again."""

    async def work(services: Services) -> bool:
        removed = await services.upstream.flush_token()
        await services.audit.record("cli", "cargotech.token_flush", details={"removed": removed})
        return removed

    removed = run_with_services(work)
    console.print("token flushed" if removed else "nothing to flush: no token was cached")


@app.command("probe")
def probe_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check, read-only, every assumption the code makes about CargoTech's API (paths, filters, meta.size,
    field types, paging) and list the fields CargoTech sends that our models do not know.

    Exit codes: 0 every product-critical assumption holds, 1 one does not (or could not be checked),
    3 CargoTech rejected the credentials, 5 CargoTech unreachable, 78 bad config.
    """

    async def work(services: Services) -> tuple[ProbeReport, str]:
        return await services.upstream.probe(moscow_today()), services.upstream_label

    report, upstream = run_with_services(work)
    if as_json:
        print_json({**report.as_dict(), "upstream": upstream})
    else:
        _print_probe(report, upstream)
    if not report.ok:
        raise typer.Exit(ExitCode.FAILURE)


def _print_probe(report: ProbeReport, upstream: str) -> None:
    marks = {HOLDS: "[green]holds  [/green]", UNKNOWN: "[yellow]unknown[/yellow]"}
    console.print(f"CargoTech ({upstream}): what the code assumes")
    for f in report.findings:
        mark = marks.get(f.verdict, "[red]differs[/red]")
        console.print(f"{mark} {'*' if f.critical else ' '} {escape(f.assumption)}"
                      + (f"\n            {escape(f.detail)}" if f.detail else ""))
    for payload, names in report.unknown_fields.items():
        console.print(f"unknown fields in {payload}: {escape(', '.join(names))}")
    if not report.unknown_fields:
        console.print("no unknown fields")
    failing = [f for f in report.findings if f.critical and f.verdict != HOLDS]
    counts = {v: sum(1 for f in report.findings if f.verdict == v) for v in (HOLDS, "differs", UNKNOWN)}
    console.print(f"{counts[HOLDS]} hold, {counts['differs']} differ, {counts[UNKNOWN]} unknown; "
                  + ("every critical (*) assumption holds" if not failing else
                     f"critical (*) not holding: {', '.join(f.key for f in failing)}"))
