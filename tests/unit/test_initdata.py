"""initData validation against Telegram's published algorithm. The vectors are built here with hashlib
directly (an independent implementation), not with cargotool's signer."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote

import pytest

from cargotool.core.drivers.initdata import InvalidInitData, sign_init_data, validate_init_data

BOT_TOKEN = "7012345678:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-zE"
NOW = 1_790_000_000
USER = {"id": 279058397, "first_name": "Владислав", "last_name": "Петров", "username": "vdkfrost", "language_code": "ru"}


def telegram_sign(fields: dict[str, str], token: str = BOT_TOKEN) -> str:
    """Telegram's algorithm, written out: HMAC_SHA256(HMAC_SHA256("WebAppData", token), check_string)."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def encode(fields: dict[str, str]) -> str:
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in fields.items())


def vector(**overrides) -> dict[str, str]:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(USER, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(NOW - 60),
        "signature": "6fbdaab833d39f54518bd5c3eb3f511d035e68cb4d3f9fd6d9d4d8f3c4ff0fc3_ed25519sig",
    }
    fields.update(overrides)
    fields["hash"] = telegram_sign(fields)
    return fields


def test_valid_init_data():
    data = validate_init_data(encode(vector(start_param="c_6236980000")), BOT_TOKEN, 3600, now=NOW)
    assert data.user.id == 279058397 and data.user.first_name == "Владислав" and data.user.username == "vdkfrost"
    assert data.start_param == "c_6236980000" and data.auth_date == NOW - 60


def test_our_signer_matches_the_independent_one():
    signed = sign_init_data(BOT_TOKEN, USER, auth_date=NOW, start_param="c_1")
    fields = dict(part.split("=", 1) for part in signed.split("&"))
    from urllib.parse import unquote

    decoded = {k: unquote(v) for k, v in fields.items()}
    received = decoded.pop("hash")
    assert received == telegram_sign(decoded)


def reason(init_data: str, token: str = BOT_TOKEN, max_age: int = 3600) -> str:
    with pytest.raises(InvalidInitData) as caught:
        validate_init_data(init_data, token, max_age, now=NOW)
    return caught.value.reason


def test_wrong_bot_token():
    assert reason(encode(vector()), token="7012345678:another-token-entirely-000000000") == "signature does not match"


def test_tampered_field():
    fields = vector()
    fields["user"] = fields["user"].replace("279058397", "279058398")
    assert reason(encode(fields)) == "signature does not match"


def test_missing_hash():
    fields = vector()
    del fields["hash"]
    assert reason(encode(fields)) == "hash is missing"


@pytest.mark.parametrize("bad_hash", ["é" * 64, "ф" * 64, "A" * 64, "zz" * 32, "ab" * 31, ""])
def test_non_hex_or_non_ascii_hash(bad_hash):
    fields = vector()
    fields["hash"] = bad_hash
    assert "hash" in reason(encode(fields))


def test_duplicate_keys():
    text = encode(vector()) + "&auth_date=" + str(NOW)
    assert reason(text).startswith("duplicate field")


def test_expired_and_age_check_disabled():
    old = encode(vector(auth_date=str(NOW - 7200)))
    assert reason(old, max_age=3600) == "init data has expired"
    assert validate_init_data(old, BOT_TOKEN, 0, now=NOW).user.id == USER["id"]


def test_future_auth_date():
    assert reason(encode(vector(auth_date=str(NOW + 3600)))) == "auth_date is in the future"


@pytest.mark.parametrize("text", ["", "garbage", "a=1&&b=2", "=x", "user=%FF%FE&hash=" + "a" * 64, "x" * 9000])
def test_malformed_strings_are_invalid_not_exceptions(text):
    assert reason(text)


def test_user_must_be_json_with_numeric_id():
    assert reason(encode(vector(user="not json"))) == "user is not JSON"
    assert reason(encode(vector(user='{"id": "12"}'))) == "user has no numeric id"


def test_signature_field_is_part_of_the_check_string():
    fields = vector()
    fields["signature"] = "changed"
    assert reason(encode(fields)) == "signature does not match"


def test_malformed_start_param_is_dropped_not_fatal():
    data = validate_init_data(encode(vector(start_param="c_1; drop")), BOT_TOKEN, 3600, now=NOW)
    assert data.start_param is None
