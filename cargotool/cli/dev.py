"""`cargotool dev ...`: tools for developers (a local CargoTech stand-in)."""

from __future__ import annotations

import typer

from .runtime import console

app = typer.Typer(help="Developer tools.", no_args_is_help=True)


@app.command("cargotech-standin")
def cargotech_standin(
    host: str = typer.Option("127.0.0.1", help="Address (loopback only is sensible)."),
    port: int = typer.Option(8081, min=0, max=65535, help="TCP port."),
    latency: float = typer.Option(0.0, min=0.0, help="Seconds added to every answer."),
    phone: str = typer.Option("+7 900 000 00 00", help="Phone the stand-in accepts."),
    password: str = typer.Option("demo-password", help="Password the stand-in accepts."),
) -> None:
    """Serve a local CargoTech stand-in with sample data (point CARGOTECH_BASE_URL at it)."""
    from ..standin import CargoTechStandIn, StandInServer

    server = StandInServer(CargoTechStandIn(phone=phone, password=password, latency=latency), host, port)
    console.print(f"CargoTech stand-in on {server.url} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
