"""Telegram Mini App `initData`: validation exactly as Telegram specifies, and signing (for tests/CLI).

secret = HMAC-SHA256(key="WebAppData", msg=bot_token); data-check string = every `key=value` but
`hash` (values URL-decoded), sorted by key, joined with "\\n"; the hex HMAC-SHA256 of that string under
`secret` must equal `hash` (compared in constant time). `signature` (Ed25519, newer clients) stays in
the check string. Anything malformed is *invalid* — this module never lets an exception escape.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus
from ..numbers import plain_int

FUTURE_SKEW_SECONDS = 60  # tolerate clocks this far ahead; more is a forged or broken auth_date
_HASH_RE = re.compile(r"[0-9a-f]{64}")
_KEY_RE = re.compile(r"[A-Za-z0-9_]{1,64}")
START_PARAM_RE = re.compile(r"[A-Za-z0-9_-]{1,512}")
MAX_USER_ID = 2**63 - 1  # Telegram ids fit in 64 bits (a BIGINT column); anything larger is not Telegram's


class InvalidInitData(ValueError):
    """`reason` is a short English phrase safe to log and show (no data from the payload)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    allows_write_to_pm: bool = False  # the driver let the bot message them (absent: unknown, maybe not)


@dataclass(frozen=True)
class InitData:
    user: TelegramUser
    auth_date: int
    start_param: str | None
    query_id: str | None


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _parse_pairs(init_data: str) -> dict[str, str]:
    if not isinstance(init_data, str) or not init_data or len(init_data) > 8192:
        raise InvalidInitData("init data is empty or too long")
    fields: dict[str, str] = {}
    for part in init_data.split("&"):
        key, sep, value = part.partition("=")
        if not sep or not _KEY_RE.fullmatch(key):
            raise InvalidInitData("init data is not a query string")
        if key in fields:
            raise InvalidInitData(f"duplicate field {key}")
        try:
            fields[key] = unquote_plus(value, errors="strict")  # as parse_qsl and URLSearchParams do
        except UnicodeDecodeError:
            raise InvalidInitData(f"field {key} is not UTF-8") from None
    return fields


def check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash")


def validate_init_data(init_data: str, bot_token: str, max_age: int = 3600, now: float | None = None) -> InitData:
    """Return the verified data or raise InvalidInitData. `max_age` 0 disables the age check."""
    fields = _parse_pairs(init_data)
    received = fields.get("hash")
    if received is None:
        raise InvalidInitData("hash is missing")
    if not received.isascii() or not _HASH_RE.fullmatch(received):
        raise InvalidInitData("hash is not 64 lowercase hex characters")
    expected = hmac.new(_secret(bot_token), check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise InvalidInitData("signature does not match")

    auth_raw = fields.get("auth_date", "")
    auth_date = plain_int(auth_raw)
    if auth_date is None:
        raise InvalidInitData("auth_date is missing or not a number")
    current = time.time() if now is None else now
    if auth_date > current + FUTURE_SKEW_SECONDS:
        raise InvalidInitData("auth_date is in the future")
    if max_age and current - auth_date > max_age:
        raise InvalidInitData("init data has expired")

    user = _user(fields.get("user"))
    start_param = fields.get("start_param")
    if start_param is not None and not START_PARAM_RE.fullmatch(start_param):
        start_param = None  # a malformed deep link is ignored, not fatal
    return InitData(user=user, auth_date=auth_date, start_param=start_param, query_id=fields.get("query_id"))


def _user(raw: str | None) -> TelegramUser:
    if raw is None:
        raise InvalidInitData("user is missing")
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidInitData("user is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidInitData("user is not a JSON object")
    user_id = _user_id(data.get("id"))
    if not 0 < user_id <= MAX_USER_ID:
        raise InvalidInitData("user id is out of range")

    def text(name: str) -> str | None:
        value = data.get(name)
        if not isinstance(value, str):
            return None
        return _printable(value)[:256] or None

    return TelegramUser(
        id=user_id,
        first_name=text("first_name") or "",
        last_name=text("last_name"),
        username=text("username"),
        language_code=text("language_code"),
        allows_write_to_pm=data.get("allows_write_to_pm") is True or data.get("allows_write_to_pm") == "true",  # or a string, as for `id`
    )


def _user_id(value: object) -> int:
    """A JSON integer, or a string of ASCII digits: some clients and libraries' test vectors (aiogram's) send
    `"id": "123456789"`. Anything else (a float, a bool, a sign, spaces, other text) is refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        number = plain_int(value, max_digits=19)  # 2**63 - 1 has 19 digits; the range check follows
        if number is not None:
            return number
    raise InvalidInitData("user has no numeric id")


def _printable(value: str) -> str:
    """A name without control characters (NUL included) or lone surrogates: Telegram sends neither, and
    PostgreSQL refuses NUL in text."""
    if value.isprintable():
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cs"))


def sign_init_data(
    bot_token: str,
    user: dict,
    auth_date: int | None = None,
    start_param: str | None = None,
    query_id: str | None = None,
) -> str:
    """Build an initData string the way Telegram does (for the CLI, tests and local development)."""
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
    }
    if query_id:
        fields["query_id"] = query_id
    if start_param:
        fields["start_param"] = start_param
    fields["hash"] = hmac.new(_secret(bot_token), check_string(fields).encode(), hashlib.sha256).hexdigest()
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in fields.items())
