"""How each setting's raw environment text is read: one parser per kind of value.

A parser takes the raw text and returns the value or raises ValueError with a message for the operator
(`Settings.from_env` puts the variable's name in front of it).
"""

from __future__ import annotations

import ipaddress
from typing import Callable
from urllib.parse import urlparse

from .core.alerts.rules import parse_quiet_hours


def text(raw: str) -> str:
    return raw.strip()


def positive_int(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"expected a number greater than 0, got {value}")
    return value


def non_negative_int(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"expected 0 or more, got {value}")
    return value


def networks(raw: str) -> tuple[str, ...]:
    items = tuple(part.strip() for part in raw.split(",") if part.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"expected comma-separated IP addresses or networks, got {item!r}") from None
    return items


def int_list(raw: str) -> tuple[int, ...]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError(f"expected comma-separated whole numbers, got {raw!r}") from None


def chat_id(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(f"expected a numeric chat id (groups are negative), got {raw!r}") from None


def plans(raw: str) -> tuple[tuple[str, int, int], ...]:
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


def plans_stars(raw: str) -> tuple[tuple[str, int], ...]:
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


def positive_float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"expected a number, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"expected a number greater than 0, got {raw.strip()}")
    return value


def share(raw: str) -> float:
    """A fraction 0..1 (e.g. the part of a route on federal roads)."""
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"expected a number from 0 to 1, got {raw!r}") from None
    if not 0 <= value <= 1:
        raise ValueError(f"expected a number from 0 to 1, got {raw.strip()}")
    return value


def http_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"expected an http(s) URL, got {raw!r}")
    return value


def redis_url(raw: str) -> str:
    value = raw.strip()
    if urlparse(value).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("expected redis://, rediss:// or unix:// URL")
    return value


def host_ports(raw: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` (REDIS_SENTINELS)."""
    found = []
    for item in (part.strip() for part in raw.split(",") if part.strip()):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected comma-separated host:port pairs, got {item!r}")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)


def database_url(raw: str) -> str:
    value = raw.strip()
    scheme = urlparse(value).scheme
    if scheme not in ("sqlite", "postgres", "postgresql", "postgresext", "postgresqlext"):
        raise ValueError("expected sqlite:///PATH or postgresql://USER@HOST/DB")
    return value


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


def quiet_hours_text(raw: str) -> str:
    """ALERTS_QUIET_HOURS: checked here, kept as text (a driver's own window replaces it per delivery)."""
    parse_quiet_hours(raw)
    return raw.strip().lower()


def log_level(raw: str) -> str:
    return choice("debug", "info", "warning", "error")(raw).upper()
