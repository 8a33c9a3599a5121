"""One `Settings` object read from the environment (and `.env`), with embedded defaults.

Every knob is an environment variable: a field of `Settings` named like the variable in lower case,
declared once with its parser and default (`_setting`); `SETTINGS_SPEC` is derived from the fields. A
malformed value raises `ConfigError` naming the variable, so start-up can stop with one line instead of
a traceback. README.md and .env.example document every variable in `SETTINGS_SPEC` (a test keeps them
in step). The parsers are in `config_parsers.py`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping

from . import config_parsers as parse

DEMO_BOT_TOKEN = "1000000000:DEMO-cargotool-not-a-real-bot-token-00"


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable}: {problem}")


@dataclass(frozen=True)
class _Spec:
    env: str
    parse: Callable[[str], Any]
    default: Any
    secret: bool = False


def _setting(parser: Callable[[str], Any], default: Any, *, secret: bool = False) -> Any:
    """A field read from the environment variable of the same name in upper case (a secret is never
    shown: not in `repr`, not in the error for a malformed value)."""
    return field(metadata={"parse": parser, "default": default, "secret": secret})


@dataclass(frozen=True)
class Settings:
    # Order is the order of .env.example.
    cargotech_phone: str | None = _setting(parse.text, None, secret=True)
    cargotech_password: str | None = _setting(parse.text, None, secret=True)
    cargotech_base_url: str = _setting(parse.http_url, "https://api.cargotech.pro")
    cargotech_upstream: str = _setting(parse.choice("auto", "live", "recorded"), "auto")
    cargotech_token_cache_ttl: int = _setting(parse.positive_int, 86400)
    cargotech_connect_timeout: float = _setting(parse.positive_float, 5.0)
    cargotech_read_timeout: float = _setting(parse.positive_float, 10.0)
    cargotech_max_attempts: int = _setting(parse.positive_int, 4)
    cargotech_retry_deadline: float = _setting(parse.positive_float, 20.0)
    cargotech_login_lock_timeout: float = _setting(parse.positive_float, 30.0)
    cargotech_login_failure_backoff: int = _setting(parse.positive_int, 60)
    cargotech_circuit_threshold: int = _setting(parse.positive_int, 3)
    cargotech_circuit_open_seconds: int = _setting(parse.positive_int, 10)
    cargotech_token_file: str = _setting(parse.text, ".cargotech-token")
    telegram_bot_token: str | None = _setting(parse.text, None, secret=True)
    telegram_init_data_max_age: int = _setting(parse.non_negative_int, 3600)
    webapp_url: str = _setting(parse.http_url, "http://127.0.0.1:8000")
    telegram_api_url: str = _setting(parse.http_url, "https://api.telegram.org")
    telegram_webhook_secret: str | None = _setting(parse.text, None, secret=True)
    telegram_dispatcher_chat_id: int | None = _setting(parse.chat_id, None)
    admin_telegram_ids: tuple[int, ...] = _setting(parse.int_list, ())
    telegram_api_id: int | None = _setting(parse.positive_int, None)
    telegram_api_hash: str | None = _setting(parse.text, None, secret=True)
    response_expire_hours: int = _setting(parse.positive_int, 24)
    plans: tuple[tuple[str, int, int], ...] = _setting(
        parse.plans, (("1m", 30, 499), ("3m", 90, 1299), ("6m", 180, 2399), ("12m", 365, 3999)))
    plans_stars: tuple[tuple[str, int], ...] = _setting(parse.plans_stars, ())
    yookassa_shop_id: str | None = _setting(parse.text, None)
    yookassa_secret_key: str | None = _setting(parse.text, None, secret=True)
    yookassa_api_url: str = _setting(parse.http_url, "https://api.yookassa.ru/v3")
    yookassa_trusted_networks: tuple[str, ...] = _setting(parse.networks, (
        "77.75.153.0/25", "77.75.156.11", "77.75.156.35", "77.75.154.128/25", "185.71.76.0/27", "185.71.77.0/27",
        "2a02:5180:0:1509::/64", "2a02:5180:0:2655::/64", "2a02:5180:0:1533::/64", "2a02:5180:0:2669::/64"))
    yookassa_receipt: str = _setting(parse.choice("on", "off"), "off")
    yookassa_vat_code: int = _setting(parse.positive_int, 1)
    payment_return_url: str | None = _setting(parse.http_url, None)
    reconcile_after_minutes: int = _setting(parse.positive_int, 10)
    reconcile_refund_days: int = _setting(parse.positive_int, 30)
    promo_reservation_minutes: int = _setting(parse.positive_int, 60)
    outbox_enabled: str = _setting(parse.choice("on", "off"), "on")
    session_ttl: int = _setting(parse.positive_int, 86400)
    rate_limit_api_per_minute: int = _setting(parse.positive_int, 120)
    rate_limit_api_burst: int = _setting(parse.positive_int, 40)
    rate_limit_login_per_minute: int = _setting(parse.positive_int, 10)
    rate_limit_login_burst: int = _setting(parse.positive_int, 5)
    trusted_proxies: tuple[str, ...] = _setting(parse.networks, ())
    cache_list_ttl: int = _setting(parse.positive_int, 300)
    cache_detail_ttl: int = _setting(parse.positive_int, 900)
    cache_dictionary_ttl: int = _setting(parse.positive_int, 86400)
    cache_stale_max: int = _setting(parse.non_negative_int, 3600)
    alerts_max_searches: int = _setting(parse.positive_int, 10)
    alerts_poll_seconds: float = _setting(parse.positive_float, 20.0)
    alerts_poll_min_seconds: float = _setting(parse.positive_float, 2.0)
    alerts_max_upstream_per_minute: int = _setting(parse.positive_int, 20)
    alerts_per_hour: int = _setting(parse.positive_int, 10)
    alerts_quiet_hours: str = _setting(parse.quiet_hours_text, "22:00-07:00")
    alerts_lease_seconds: float = _setting(parse.positive_float, 10.0)
    alerts_still_minutes: int = _setting(parse.positive_int, 3)
    alerts_undo_seconds: int = _setting(parse.positive_int, 120)
    alerts_auto_per_day: int = _setting(parse.positive_int, 5)
    shortlist_max_favourites: int = _setting(parse.positive_int, 200)
    shortlist_max_hidden: int = _setting(parse.positive_int, 500)
    chains_km_per_day: float = _setting(parse.positive_float, 600.0)
    drivetime_avg_speed_kmh: float = _setting(parse.positive_float, 60.0)  # «успеваю?» (core/drivetime)
    platon_rub_km: float = _setting(parse.positive_float, 4.91)  # issue 21 §2: sources in README
    platon_federal_share: float = _setting(parse.share, 0.7)
    dadata_api_key: str | None = _setting(parse.text, None, secret=True)  # issue 21 §3: the company register
    dadata_url: str = _setting(parse.http_url, "https://suggestions.dadata.ru/suggestions/api/4_1/rs/")
    dadata_daily_limit: int = _setting(parse.positive_int, 9000)
    dadata_timeout: float = _setting(parse.positive_float, 3.0)
    dadata_detail_wait: float = _setting(parse.positive_float, 2.0)
    redis_url: str | None = _setting(parse.redis_url, None)
    redis_key_prefix: str = _setting(parse.text, "")
    redis_max_connections: int = _setting(parse.positive_int, 64)
    redis_sentinels: tuple[tuple[str, int], ...] = _setting(parse.host_ports, ())
    redis_sentinel_master: str = _setting(parse.text, "mymaster")
    redis_sentinel_password: str | None = _setting(parse.text, None, secret=True)
    database_url: str = _setting(parse.database_url, "sqlite:///cargotool.sqlite3")
    database_pool_size: int = _setting(parse.positive_int, 10)
    database_pool_wait: float = _setting(parse.positive_float, 2.0)
    database_connect_timeout: int = _setting(parse.positive_int, 2)
    database_statement_timeout: float = _setting(parse.positive_float, 10.0)
    log_level: str = _setting(parse.log_level, "INFO")
    log_format: str = _setting(parse.choice("text", "json"), "text")
    metrics_token: str | None = _setting(parse.text, None, secret=True)
    prometheus_multiproc_dir: str | None = _setting(parse.text, None)
    operator_name: str | None = _setting(parse.text, None)
    operator_inn: str | None = _setting(parse.text, None)
    privacy_contact: str | None = _setting(parse.text, None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> "Settings":
        """Read settings from `environ` (default: os.environ over the `.env` file in the working dir)."""
        if environ is None:
            environ = {**_read_dotenv(dotenv or Path(".env")), **os.environ}
        values: dict[str, Any] = {}
        for name, spec in SETTINGS_SPEC.items():
            raw = environ.get(spec.env)
            if raw is None or raw.strip() == "":
                values[name] = spec.default
                continue
            try:
                values[name] = spec.parse(raw)
            except ValueError as exc:
                raise ConfigError(spec.env, str(exc) if not spec.secret else "malformed value") from None
        settings = cls(**values)
        settings._check_consistency()
        return settings

    def replace(self, **changes: Any) -> "Settings":
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Settings(**current)

    def _check_consistency(self) -> None:
        unknown = sorted({plan_id for plan_id, _ in self.plans_stars} - {plan[0] for plan in self.plans})
        if unknown:
            raise ConfigError("PLANS_STARS", f"no such plan in PLANS: {', '.join(unknown)}")
        if self.cargotech_upstream == "live" and not self.has_cargotech_credentials:
            raise ConfigError(
                "CARGOTECH_UPSTREAM", "'live' needs CARGOTECH_PHONE and CARGOTECH_PASSWORD to be set"
            )

    @property
    def shared_redis(self) -> bool:
        """A Redis server (REDIS_URL or REDIS_SENTINELS), not the embedded single-process store."""
        return bool(self.redis_url or self.redis_sentinels)

    @property
    def has_cargotech_credentials(self) -> bool:
        return bool(self.cargotech_phone and self.cargotech_password)

    @property
    def uses_recorded_cargotech(self) -> bool:
        """`auto` means live when credentials are set, the recorded sample data otherwise."""
        if self.cargotech_upstream == "auto":
            return not self.has_cargotech_credentials
        return self.cargotech_upstream == "recorded"

    @property
    def bot_token(self) -> str | None:
        """The bot token that signs Mini App initData. In the recorded demo without one, a published
        demo token is used (the demo's data is public; a live deployment must set its own)."""
        if self.telegram_bot_token:
            return self.telegram_bot_token
        return DEMO_BOT_TOKEN if self.uses_recorded_cargotech else None

    @property
    def secret_values(self) -> list[str]:
        return [getattr(self, n) for n, s in SETTINGS_SPEC.items() if s.secret and getattr(self, n)]

    def __repr__(self) -> str:  # never print secrets, even by accident in a debugger or log
        shown = ", ".join(
            f"{n}={'***' if s.secret and getattr(self, n) else repr(getattr(self, n))}"
            for n, s in SETTINGS_SPEC.items()
        )
        return f"Settings({shown})"

    __str__ = __repr__


# attribute name -> how it is read (derived from the fields above).
SETTINGS_SPEC: dict[str, _Spec] = {
    f.name: _Spec(f.name.upper(), f.metadata["parse"], f.metadata["default"], f.metadata["secret"])
    for f in fields(Settings)
}


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}
