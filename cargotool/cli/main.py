"""`cargotool` — the operator CLI. Each area is a sub-app in its own module."""

from __future__ import annotations

import logging

import typer

from . import alerts, billing, bot, cargos, cargotech, db, dev, insights, serve, telegram
from typer import Abort, Exit
from typer.exceptions import TyperException

from .exit_codes import ExitCode
from .runtime import console, err_console
from ..core.observability.logs import setup_logging

app = typer.Typer(
    name="cargotool",
    help="CargoTech loads for a carrier's drivers: server, CargoTech integration and operator tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # rich tracebacks print local variables, which may hold secrets
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(cargotech.app, name="cargotech")
app.add_typer(cargos.cargos_app, name="cargos")
app.add_typer(cargos.points_app, name="points")
app.add_typer(telegram.telegram_app, name="telegram")
app.add_typer(telegram.webapp_app, name="webapp")
app.add_typer(bot.bot_app, name="bot")
app.add_typer(bot.responses_app, name="responses")
app.add_typer(billing.promo_app, name="promo")
app.add_typer(billing.payments_app, name="payments")
app.add_typer(billing.subs_app, name="subs")
app.add_typer(billing.flags_app, name="flags")
app.add_typer(billing.audit_app, name="audit")
app.add_typer(insights.insights_app, name="insights")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(dev.app, name="dev")


def main(args: list[str] | None = None) -> int:
    """Run one command and return its exit code. Every failure is one line on stderr (README:
    "Exit codes"): usage errors too, instead of Typer's boxed panels."""
    setup_logging()
    try:
        result = app(args=args, prog_name="cargotool", standalone_mode=False)
    except TyperException as exc:  # click's errors as typer raises them (usage, bad parameter, no arguments)
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # `cargotool cargos`: the group's help is what was asked for
            help_text = ctx.get_help()  # typer's rich help prints itself and returns ""; plain click returns it
            if help_text:
                console.print(help_text, markup=False)
            return ExitCode.OK
        where = " ".join(ctx.command_path.split()[1:]) if ctx is not None else ""
        err_console.print(f"cargotool: {where + ': ' if where else ''}{_sentence(exc.format_message())} (see --help)",
                          markup=False)
        return ExitCode.BAD_INPUT if getattr(exc, "exit_code", 2) == 2 else ExitCode.FAILURE
    except (Abort, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    except Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else ExitCode.FAILURE
    except Exception as exc:
        logging.getLogger("cargotool").debug("unexpected error", exc_info=True)
        err_console.print(f"cargotool: internal error ({type(exc).__name__}); run with LOG_LEVEL=debug for details",
                          markup=False)
        return ExitCode.INTERNAL
    return result if isinstance(result, int) else ExitCode.OK


def _sentence(message: str) -> str:
    """Click's messages, on one line and starting lower-case like ours."""
    line = " ".join(message.split()).rstrip(".")
    return line[:1].lower() + line[1:]


def run() -> None:
    """Console-script entry."""
    raise SystemExit(int(main()))


if __name__ == "__main__":
    run()
