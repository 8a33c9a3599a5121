"""`cargotool telegram ...` and `cargotool webapp ...`: Mini App login data for operators and tests."""

from __future__ import annotations

import time
from typing import Optional
from urllib.parse import quote

import typer

from ..core.drivers.initdata import START_PARAM_RE, InvalidInitData, sign_init_data, validate_init_data
from .exit_codes import ExitCode
from .runtime import console, fail, load_settings, print_json

telegram_app = typer.Typer(help="Telegram Mini App login data (initData).", no_args_is_help=True)
webapp_app = typer.Typer(help="The Mini App.", no_args_is_help=True)


def _bot_token() -> str:
    token = load_settings().bot_token
    if not token:
        fail("TELEGRAM_BOT_TOKEN is not set (needed to sign and check initData)", ExitCode.CONFIG)
    return token


def _signed(user_id: int, first_name: str, username: Optional[str], start_param: Optional[str]) -> str:
    if start_param is not None and not START_PARAM_RE.fullmatch(start_param):
        raise typer.BadParameter("letters, digits, '_' and '-' only, at most 512", param_hint="--start-param")
    user = {"id": user_id, "first_name": first_name, "language_code": "ru"}
    if username:
        user["username"] = username
    return sign_init_data(_bot_token(), user, start_param=start_param)


@telegram_app.command("sign-init-data")
def sign(
    user_id: int = typer.Option(..., min=1, help="Telegram user id."),
    first_name: str = typer.Option("Водитель", help="First name."),
    username: Optional[str] = typer.Option(None, help="Telegram @username (without @)."),
    start_param: Optional[str] = typer.Option(None, help="Deep-link payload, e.g. c_6236980000."),
) -> None:
    """Print initData signed with the configured bot token, as Telegram would send it."""
    console.print(_signed(user_id, first_name, username, start_param), markup=False)


@telegram_app.command("check-init-data")
def check(
    init_data: str = typer.Argument(..., help="The initData string."),
    max_age: Optional[int] = typer.Option(None, min=0, help="Maximum age in seconds; 0 = no age check. Default: TELEGRAM_INIT_DATA_MAX_AGE."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Validate initData; print the user and exit 0, or print the reason and exit 1."""
    settings = load_settings()
    token = _bot_token()
    try:
        data = validate_init_data(init_data, token, settings.telegram_init_data_max_age if max_age is None else max_age)
    except InvalidInitData as exc:
        fail(f"invalid init data: {exc.reason}", ExitCode.FAILURE)
    age = int(time.time()) - data.auth_date
    if as_json:
        print_json({"valid": True, "user": data.user.__dict__, "auth_date": data.auth_date, "age_seconds": age,
                    "start_param": data.start_param})
        return
    who = data.user.first_name + (f" (@{data.user.username})" if data.user.username else "")
    console.print(f"valid: user {data.user.id} {who}, signed {age}s ago"
                  + (f", start_param {data.start_param}" if data.start_param else ""), markup=False)


@webapp_app.command("url")
def url(
    user_id: int = typer.Option(..., min=1, help="Telegram user id to open the Mini App as."),
    first_name: str = typer.Option("Водитель", help="First name."),
    username: Optional[str] = typer.Option(None, help="Telegram @username."),
    start_param: Optional[str] = typer.Option(None, help="Deep link, e.g. c_<load id> opens that load."),
    base: Optional[str] = typer.Option(None, help="Server URL (default WEBAPP_URL)."),
) -> None:
    """Print a URL that opens the Mini App in an ordinary browser as that user (signed data in the
    #tgWebAppData fragment, as Telegram does). It expires after TELEGRAM_INIT_DATA_MAX_AGE."""
    init_data = _signed(user_id, first_name, username, start_param)
    root = (base or load_settings().webapp_url).rstrip("/")
    console.print(f"{root}/#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web", markup=False, soft_wrap=True)
