"""One `Settings` object read from the environment (and `.env`), with embedded defaults.

Every knob is an environment variable. A malformed value raises `ConfigError` naming the variable, so
start-up can stop with one line instead of a traceback. README.md and .env.example document every
variable listed in `SETTINGS_SPEC` (a test keeps them in step).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlparse


DEMO_BOT_TOKEN = "1000000000:DEMO-cargotool-not-a-real-bot-token-00"


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable}: {problem}")


def _text(raw: str) -> str:
    return raw.strip()


def _positive_int(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"expected a number greater than 0, got {value}")
    return value


def _non_negative_int(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"expected 0 or more, got {value}")
    return value


def _networks(raw: str) -> tuple[str, ...]:
    import ipaddress

    items = tuple(part.strip() for part in raw.split(",") if part.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"expected comma-separated IP addresses or networks, got {item!r}") from None
    return items


def _int_list(raw: str) -> tuple[int, ...]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError(f"expected comma-separated whole numbers, got {raw!r}") from None


def _chat_id(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(f"expected a numeric chat id (groups are negative), got {raw!r}") from None


def _plans(raw: str) -> tuple[tuple[str, int, int], ...]:
    """`id:days:price_rub,...`, e.g. `1m:30:499,3m:90:1299`."""
    plans = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        pieces = part.split(":")
        if len(pieces) != 3 or not all(pieces) or not pieces[1].isdigit() or not pieces[2].isdigit():
            raise ValueError(f"expected id:days:price_rub items, got {part!r}")
        if int(pieces[1]) <= 0 or int(pieces[2]) <= 0:
            raise ValueError(f"days and price must be positive in {part!r}")
        plans.append((pieces[0], int(pieces[1]), int(pieces[2])))
    if not plans or len({p[0] for p in plans}) != len(plans):
        raise ValueError("expected at least one plan, with distinct ids")
    return tuple(plans)


def _plans_stars(raw: str) -> tuple[tuple[str, int], ...]:
    """`id:stars,...`, e.g. `1m:250,3m:650`: plans of PLANS priced in whole Telegram Stars."""
    prices = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        plan_id, _, stars = part.partition(":")
        if not plan_id or not stars.strip().isdigit() or int(stars) <= 0:
            raise ValueError(f"expected id:stars items with a whole number of Stars above 0, got {part!r}")
        prices.append((plan_id.strip(), int(stars)))
    if len({p[0] for p in prices}) != len(prices):
        raise ValueError("each plan at most once")
    return tuple(prices)


def _positive_float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"expected a number, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"expected a number greater than 0, got {raw.strip()}")
    return value


def _http_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"expected an http(s) URL, got {raw!r}")
    return value


def _redis_url(raw: str) -> str:
    value = raw.strip()
    if urlparse(value).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("expected redis://, rediss:// or unix:// URL")
    return value


def _host_ports(raw: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` (REDIS_SENTINELS)."""
    found = []
    for item in (part.strip() for part in raw.split(",") if part.strip()):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected comma-separated host:port pairs, got {item!r}")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)


def _database_url(raw: str) -> str:
    value = raw.strip()
    scheme = urlparse(value).scheme
    if scheme not in ("sqlite", "postgres", "postgresql", "postgresext", "postgresqlext"):
        raise ValueError("expected sqlite:///PATH or postgresql://USER@HOST/DB")
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


def quiet_hours(raw: str) -> tuple[int, int] | None:
    """`HH:MM-HH:MM` (Moscow time, may cross midnight) → minutes of the day (start, end); `off` → None."""
    import re

    value = raw.strip().lower()
    if value == "off":
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", value)
    if not match:
        raise ValueError(f"expected HH:MM-HH:MM or off, got {raw!r}")
    h1, m1, h2, m2 = map(int, match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise ValueError(f"expected two different times of day, got {raw!r}")
    return h1 * 60 + m1, h2 * 60 + m2


def _quiet_hours_text(raw: str) -> str:
    quiet_hours(raw)
    return raw.strip().lower()


def _log_level(raw: str) -> str:
    return _choice("debug", "info", "warning", "error")(raw).upper()


@dataclass(frozen=True)
class _Spec:
    env: str
    parse: Callable[[str], Any]
    default: Any
    secret: bool = False


# attribute name -> how it is read. Order is the order of .env.example.
SETTINGS_SPEC: dict[str, _Spec] = {
    "cargotech_phone": _Spec("CARGOTECH_PHONE", _text, None, secret=True),
    "cargotech_password": _Spec("CARGOTECH_PASSWORD", _text, None, secret=True),
    "cargotech_base_url": _Spec("CARGOTECH_BASE_URL", _http_url, "https://api.cargotech.pro"),
    "cargotech_upstream": _Spec("CARGOTECH_UPSTREAM", _choice("auto", "live", "recorded"), "auto"),
    "cargotech_token_cache_ttl": _Spec("CARGOTECH_TOKEN_CACHE_TTL", _positive_int, 86400),
    "cargotech_connect_timeout": _Spec("CARGOTECH_CONNECT_TIMEOUT", _positive_float, 5.0),
    "cargotech_read_timeout": _Spec("CARGOTECH_READ_TIMEOUT", _positive_float, 10.0),
    "cargotech_max_attempts": _Spec("CARGOTECH_MAX_ATTEMPTS", _positive_int, 4),
    "cargotech_retry_deadline": _Spec("CARGOTECH_RETRY_DEADLINE", _positive_float, 20.0),
    "cargotech_login_lock_timeout": _Spec("CARGOTECH_LOGIN_LOCK_TIMEOUT", _positive_float, 30.0),
    "cargotech_login_failure_backoff": _Spec("CARGOTECH_LOGIN_FAILURE_BACKOFF", _positive_int, 60),
    "cargotech_circuit_threshold": _Spec("CARGOTECH_CIRCUIT_THRESHOLD", _positive_int, 3),
    "cargotech_circuit_open_seconds": _Spec("CARGOTECH_CIRCUIT_OPEN_SECONDS", _positive_int, 10),
    "cargotech_token_file": _Spec("CARGOTECH_TOKEN_FILE", _text, ".cargotech-token"),
    "telegram_bot_token": _Spec("TELEGRAM_BOT_TOKEN", _text, None, secret=True),
    "telegram_init_data_max_age": _Spec("TELEGRAM_INIT_DATA_MAX_AGE", _non_negative_int, 3600),
    "webapp_url": _Spec("WEBAPP_URL", _http_url, "http://127.0.0.1:8000"),
    "telegram_api_url": _Spec("TELEGRAM_API_URL", _http_url, "https://api.telegram.org"),
    "telegram_webhook_secret": _Spec("TELEGRAM_WEBHOOK_SECRET", _text, None, secret=True),
    "telegram_dispatcher_chat_id": _Spec("TELEGRAM_DISPATCHER_CHAT_ID", _chat_id, None),
    "admin_telegram_ids": _Spec("ADMIN_TELEGRAM_IDS", _int_list, ()),
    "telegram_api_id": _Spec("TELEGRAM_API_ID", _positive_int, None),
    "telegram_api_hash": _Spec("TELEGRAM_API_HASH", _text, None, secret=True),
    "response_expire_hours": _Spec("RESPONSE_EXPIRE_HOURS", _positive_int, 24),
    "plans": _Spec("PLANS", _plans, (("1m", 30, 499), ("3m", 90, 1299), ("6m", 180, 2399), ("12m", 365, 3999))),
    "plans_stars": _Spec("PLANS_STARS", _plans_stars, ()),
    "yookassa_shop_id": _Spec("YOOKASSA_SHOP_ID", _text, None),
    "yookassa_secret_key": _Spec("YOOKASSA_SECRET_KEY", _text, None, secret=True),
    "yookassa_api_url": _Spec("YOOKASSA_API_URL", _http_url, "https://api.yookassa.ru/v3"),
    "yookassa_trusted_networks": _Spec("YOOKASSA_TRUSTED_NETWORKS", _networks, (
        "77.75.153.0/25", "77.75.156.11", "77.75.156.35", "77.75.154.128/25", "185.71.76.0/27", "185.71.77.0/27",
        "2a02:5180:0:1509::/64", "2a02:5180:0:2655::/64", "2a02:5180:0:1533::/64", "2a02:5180:0:2669::/64")),
    "yookassa_receipt": _Spec("YOOKASSA_RECEIPT", _choice("on", "off"), "off"),
    "yookassa_vat_code": _Spec("YOOKASSA_VAT_CODE", _positive_int, 1),
    "payment_return_url": _Spec("PAYMENT_RETURN_URL", _http_url, None),
    "reconcile_after_minutes": _Spec("RECONCILE_AFTER_MINUTES", _positive_int, 10),
    "reconcile_refund_days": _Spec("RECONCILE_REFUND_DAYS", _positive_int, 30),
    "promo_reservation_minutes": _Spec("PROMO_RESERVATION_MINUTES", _positive_int, 60),
    "outbox_enabled": _Spec("OUTBOX_ENABLED", _choice("on", "off"), "on"),
    "session_ttl": _Spec("SESSION_TTL", _positive_int, 86400),
    "rate_limit_api_per_minute": _Spec("RATE_LIMIT_API_PER_MINUTE", _positive_int, 120),
    "rate_limit_api_burst": _Spec("RATE_LIMIT_API_BURST", _positive_int, 40),
    "rate_limit_login_per_minute": _Spec("RATE_LIMIT_LOGIN_PER_MINUTE", _positive_int, 10),
    "rate_limit_login_burst": _Spec("RATE_LIMIT_LOGIN_BURST", _positive_int, 5),
    "trusted_proxies": _Spec("TRUSTED_PROXIES", _networks, ()),
    "cache_list_ttl": _Spec("CACHE_LIST_TTL", _positive_int, 300),
    "cache_detail_ttl": _Spec("CACHE_DETAIL_TTL", _positive_int, 900),
    "cache_dictionary_ttl": _Spec("CACHE_DICTIONARY_TTL", _positive_int, 86400),
    "cache_stale_max": _Spec("CACHE_STALE_MAX", _non_negative_int, 3600),
    "alerts_max_searches": _Spec("ALERTS_MAX_SEARCHES", _positive_int, 10),
    "alerts_poll_seconds": _Spec("ALERTS_POLL_SECONDS", _positive_float, 20.0),
    "alerts_max_upstream_per_minute": _Spec("ALERTS_MAX_UPSTREAM_PER_MINUTE", _positive_int, 20),
    "alerts_per_hour": _Spec("ALERTS_PER_HOUR", _positive_int, 10),
    "alerts_quiet_hours": _Spec("ALERTS_QUIET_HOURS", _quiet_hours_text, "22:00-07:00"),
    "alerts_lease_seconds": _Spec("ALERTS_LEASE_SECONDS", _positive_float, 10.0),
    "alerts_still_minutes": _Spec("ALERTS_STILL_MINUTES", _positive_int, 3),
    "alerts_undo_seconds": _Spec("ALERTS_UNDO_SECONDS", _positive_int, 120),
    "alerts_auto_per_day": _Spec("ALERTS_AUTO_PER_DAY", _positive_int, 5),
    "redis_url": _Spec("REDIS_URL", _redis_url, None),
    "redis_key_prefix": _Spec("REDIS_KEY_PREFIX", _text, ""),
    "redis_max_connections": _Spec("REDIS_MAX_CONNECTIONS", _positive_int, 64),
    "redis_sentinels": _Spec("REDIS_SENTINELS", _host_ports, ()),
    "redis_sentinel_master": _Spec("REDIS_SENTINEL_MASTER", _text, "mymaster"),
    "redis_sentinel_password": _Spec("REDIS_SENTINEL_PASSWORD", _text, None, secret=True),
    "database_url": _Spec("DATABASE_URL", _database_url, "sqlite:///cargotool.sqlite3"),
    "database_pool_size": _Spec("DATABASE_POOL_SIZE", _positive_int, 10),
    "database_pool_wait": _Spec("DATABASE_POOL_WAIT", _positive_float, 2.0),
    "database_connect_timeout": _Spec("DATABASE_CONNECT_TIMEOUT", _positive_int, 2),
    "database_statement_timeout": _Spec("DATABASE_STATEMENT_TIMEOUT", _positive_float, 10.0),
    "log_level": _Spec("LOG_LEVEL", _log_level, "INFO"),
    "log_format": _Spec("LOG_FORMAT", _choice("text", "json"), "text"),
    "metrics_token": _Spec("METRICS_TOKEN", _text, None, secret=True),
    "prometheus_multiproc_dir": _Spec("PROMETHEUS_MULTIPROC_DIR", _text, None),
    "operator_name": _Spec("OPERATOR_NAME", _text, None),
    "operator_inn": _Spec("OPERATOR_INN", _text, None),
    "privacy_contact": _Spec("PRIVACY_CONTACT", _text, None),
}


@dataclass(frozen=True)
class Settings:
    cargotech_phone: str | None
    cargotech_password: str | None
    cargotech_base_url: str
    cargotech_upstream: str
    cargotech_token_cache_ttl: int
    cargotech_connect_timeout: float
    cargotech_read_timeout: float
    cargotech_max_attempts: int
    cargotech_retry_deadline: float
    cargotech_login_lock_timeout: float
    cargotech_login_failure_backoff: int
    cargotech_circuit_threshold: int
    cargotech_circuit_open_seconds: int
    cargotech_token_file: str
    telegram_bot_token: str | None
    telegram_init_data_max_age: int
    webapp_url: str
    telegram_api_url: str
    telegram_webhook_secret: str | None
    telegram_dispatcher_chat_id: int | None
    admin_telegram_ids: tuple[int, ...]
    telegram_api_id: int | None
    telegram_api_hash: str | None
    response_expire_hours: int
    plans: tuple[tuple[str, int, int], ...]
    plans_stars: tuple[tuple[str, int], ...]
    yookassa_shop_id: str | None
    yookassa_secret_key: str | None
    yookassa_api_url: str
    yookassa_trusted_networks: tuple[str, ...]
    yookassa_receipt: str
    yookassa_vat_code: int
    payment_return_url: str | None
    reconcile_after_minutes: int
    reconcile_refund_days: int
    promo_reservation_minutes: int
    outbox_enabled: str
    session_ttl: int
    rate_limit_api_per_minute: int
    rate_limit_api_burst: int
    rate_limit_login_per_minute: int
    rate_limit_login_burst: int
    trusted_proxies: tuple[str, ...]
    cache_list_ttl: int
    cache_detail_ttl: int
    cache_dictionary_ttl: int
    cache_stale_max: int
    alerts_max_searches: int
    alerts_poll_seconds: float
    alerts_max_upstream_per_minute: int
    alerts_per_hour: int
    alerts_quiet_hours: str
    alerts_lease_seconds: float
    alerts_still_minutes: int
    alerts_undo_seconds: int
    alerts_auto_per_day: int
    redis_url: str | None
    redis_key_prefix: str
    redis_max_connections: int
    redis_sentinels: tuple[tuple[str, int], ...]
    redis_sentinel_master: str
    redis_sentinel_password: str | None
    database_url: str
    database_pool_size: int
    database_pool_wait: float
    database_connect_timeout: int
    database_statement_timeout: float
    log_level: str
    log_format: str
    metrics_token: str | None
    prometheus_multiproc_dir: str | None
    operator_name: str | None
    operator_inn: str | None
    privacy_contact: str | None

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


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}
