"""initData validation against Telegram's published algorithm. The vectors are built here with hashlib
directly (an independent implementation), not with cargotool's signer."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote, quote_plus

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
    assert reason(encode(vector(user="[1]"))) == "user is not a JSON object"


def test_a_user_id_sent_as_a_string_of_digits_is_accepted():
    """The shape of aiogram's second `check_webapp_signature` vector (tests/test_utils/test_web_app.py): the id
    and flags as JSON strings, `", "` and `": "` separators, a flag emoji as escaped surrogate pairs, and the
    query string encoded with «+» for spaces. Signed here with the test bot token."""
    user = {"id": "123456789", "first_name": "PlaceholderFirstName", "last_name": "PlaceholderLastName 🇺🇦",
            "username": "Latand", "language_code": "en", "is_premium": "true", "allows_write_to_pm": "true"}
    fields = {"auth_date": str(NOW - 60), "user": json.dumps(user), "query_id": "test"}
    assert '"id": "123456789"' in fields["user"] and "\\ud83c\\uddfa" in fields["user"]
    fields["hash"] = telegram_sign(fields)
    data = validate_init_data("&".join(f"{k}={quote_plus(v)}" for k, v in fields.items()), BOT_TOKEN, 3600, now=NOW)
    assert data.user.id == 123456789 and isinstance(data.user.id, int)
    assert data.user.last_name == "PlaceholderLastName 🇺🇦" and data.user.username == "Latand"
    assert validate_init_data(encode(vector(user='{"id":"9223372036854775807"}')), BOT_TOKEN, now=NOW).user.id == 2**63 - 1


@pytest.mark.parametrize("user_id", ['"+123"', '"-5"', '" 123"', '"123 "', '"1e3"', '"12.0"', '""', '"0x10"', '"١٢٣"', '"²"',
                                     '"12_3"', "12.0", "1e3", "true", "false", "null", "[1]", '{"n": 1}',
                                     '"00000000000000000000123"'])
def test_any_other_user_id_is_refused(user_id):
    assert reason(encode(vector(user=f'{{"id":{user_id},"first_name":"x"}}'))) == "user has no numeric id"


@pytest.mark.parametrize("user_id", ['"0"', "0", '"9223372036854775808"', "9223372036854775808", "-7"])
def test_user_ids_outside_telegrams_range_are_refused_as_strings_too(user_id):
    assert reason(encode(vector(user=f'{{"id":{user_id}}}'))) == "user id is out of range"


def test_signature_field_is_part_of_the_check_string():
    fields = vector()
    fields["signature"] = "changed"
    assert reason(encode(fields)) == "signature does not match"


def test_malformed_start_param_is_dropped_not_fatal():
    data = validate_init_data(encode(vector(start_param="c_1; drop")), BOT_TOKEN, 3600, now=NOW)
    assert data.start_param is None
