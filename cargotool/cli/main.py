"""`cargotool` — the operator CLI. Each area is a sub-app in its own module."""

from __future__ import annotations

import logging

import typer

from . import billing, bot, cargos, cargotech, db, dev, insights, serve, telegram
from .runtime import EXIT_INTERNAL, err_console, setup_logging

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
app.add_typer(dev.app, name="dev")


def run() -> None:
    """Console-script entry: anything unexpected becomes one line and exit code 70, not a traceback."""
    setup_logging()
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        raise SystemExit(130)
    except Exception as exc:
        logging.getLogger("cargotool").debug("unexpected error", exc_info=True)
        err_console.print(f"cargotool: internal error ({type(exc).__name__}); run with LOG_LEVEL=debug for details", markup=False)
        raise SystemExit(EXIT_INTERNAL)


if __name__ == "__main__":
    run()
