"""Hostile input, as an attacker would send it: every answer is a 4xx with a JSON error body, never a 5xx.

The app runs on PostgreSQL (where a NUL character used to reach the driver and fail), with an admin, a
YooKassa stand-in and a webhook secret, so every route family is reachable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import quote

import pytest
from sanic import Sanic

from cargotool.bootstrap import build_services
from cargotool.core.drivers.initdata import check_string, sign_init_data
from cargotool.standin import StandInServer, StandInTransport
from cargotool.standin.yookassa import YooKassaStandIn
from tests.conftest import TEST_BOT_TOKEN, close_services

Sanic.test_mode = True

ADMIN, DRIVER = 900, 501
WEBHOOK_SECRET = "hook-secret-0123456789"
YOOKASSA_IP = "185.71.76.5"
NESTED = "[" * 2000 + "]" * 2000  # deep, yet under the body limit


@pytest.fixture(autouse=True)
def loopback_peer(monkeypatch):
    monkeypatch.setattr("cargotool.server.client_ip.peer_address", lambda request: "127.0.0.1")


@pytest.fixture
async def app(settings, redis, standin, postgres_url):
    from cargotool.server.app import create_app

    yookassa = YooKassaStandIn("100500", "test_Yk-secret-key-0123456789")
    with StandInServer(yookassa) as url:
        hostile = settings.replace(
            database_url=postgres_url, admin_telegram_ids=(ADMIN,), telegram_webhook_secret=WEBHOOK_SECRET,
            yookassa_shop_id="100500", yookassa_secret_key="test_Yk-secret-key-0123456789", yookassa_api_url=f"{url}/v3",
            trusted_proxies=("127.0.0.1",), outbox_enabled="off", rate_limit_login_burst=100, rate_limit_api_burst=1000,
            rate_limit_api_per_minute=6000)
        services = build_services(hostile, redis=redis, transport=StandInTransport(standin))
        await services.flags.set("paywall", False, actor="test")  # reach the handlers behind the paywall
        yield create_app(hostile, services=services)
        await close_services(services)


async def token_for(app, user_id: int) -> str:
    init_data = sign_init_data(TEST_BOT_TOKEN, {"id": user_id, "first_name": "Иван"})
    _, response = await app.asgi_client.post("/api/session", json={"init_data": init_data})
    assert response.status == 200, response.text
    return response.json["session_token"]


def raw(value: str) -> bytes:
    return value.encode("utf-8")


# (id, method, path, request kwargs, who: None | "driver" | "admin", the expected status)
CASES = [
    # NUL characters in every kind of driver-supplied string
    ("nul-promo-code", "POST", "/api/promo/apply", {"json": {"code": "A\u0000B"}}, "driver", 400),
    ("nul-response-comment", "POST", "/api/cargos/1001/responses", {"json": {"rate_rub": 50000, "comment": "a\u0000b"}},
     "driver", 400),
    ("nul-payment-promo", "POST", "/api/payments", {"json": {"plan": "1m", "promo_code": "X\u0000"}}, "driver", 400),
    ("nul-points-query", "GET", "/api/points?q=%D0%9C%00", {}, "driver", 400),
    ("nul-filter", "GET", "/api/cargos?mode=%00", {}, "driver", 400),
    ("nul-admin-audit-actor", "GET", "/api/admin/audit?actor=%00", {}, "admin", 400),
    ("nul-admin-payments-status", "GET", "/api/admin/payments?status=a%00", {}, "admin", 400),
    ("nul-admin-promo-code", "POST", "/api/admin/promo", {"json": {"kind": "days", "value": 3, "code": "P\u0000"}}, "admin", 400),
    ("nul-admin-flag-name", "POST", "/api/admin/flags/a%00b", {"json": {"enabled": True}}, "admin", 400),
    ("nul-admin-promo-disable", "POST", "/api/admin/promo/a%00b/disable", {}, "admin", 400),
    ("nul-admin-grant-reason", "POST", "/api/admin/subscriptions/501/grant", {"json": {"days": 3, "reason": "a\u0000"}},
     "admin", 400),
    ("nul-json-key", "POST", "/api/promo/apply", {"json": {"code": "A", "\u0000": 1}}, "driver", 400),
    # invalid UTF-8 in headers and bodies
    ("bad-utf8-authorization", "GET", "/api/whoami", {"headers": {"Authorization": b"Bearer \xff\xfe"}}, None, 401),
    ("bad-utf8-admin-authorization", "GET", "/api/admin/flags", {"headers": {"Authorization": b"Bearer \xff"}}, None, 401),
    ("bad-utf8-body", "POST", "/api/promo/apply", {"content": b'{"code": "\xff"}'}, "driver", 400),
    ("bad-utf8-login-body", "POST", "/api/session", {"content": b'{"init_data": "\xc3\x28"}'}, None, 400),
    ("bad-utf8-query", "GET", "/api/points?q=%ff%fe", {}, "driver", 400),
    ("bad-utf8-webhook-secret", "POST", "/webhooks/telegram",
     {"headers": {"X-Telegram-Bot-Api-Secret-Token": b"\xff"}, "json": {"update_id": 1}}, None, 401),
    # huge numbers
    ("huge-rate", "POST", "/api/cargos/1001/responses", {"json": {"rate_rub": 10 ** 40}}, "driver", 400),
    ("huge-admin-id", "GET", "/api/admin/subscriptions/99999999999999999999999", {}, "admin", 400),
    ("huge-admin-grant-id", "POST", "/api/admin/subscriptions/18446744073709551617/grant", {"json": {"days": 1, "reason": "x"}},
     "admin", 400),
    ("zero-admin-grant-id", "POST", "/api/admin/subscriptions/0/grant", {"json": {"days": 1, "reason": "x"}}, "admin", 400),
    ("negative-admin-grant-id", "POST", "/api/admin/subscriptions/-5/grant", {"json": {"days": 1, "reason": "x"}}, "admin", 400),
    ("huge-promo-value", "POST", "/api/admin/promo", {"json": {"kind": "days", "value": 10 ** 30}}, "admin", 400),
    ("huge-update-id", "POST", "/webhooks/telegram", {"headers": {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                                                      "json": {"update_id": 10 ** 30}}, None, 400),
    ("huge-float", "POST", "/api/cargos/1001/responses", {"content": b'{"rate_rub": 1e400}'}, "driver", 400),
    ("huge-filter-number", "GET", "/api/cargos?from=" + "9" * 40, {}, "driver", 400),
    # wrong JSON types
    ("promo-code-number", "POST", "/api/admin/promo", {"json": {"kind": "days", "value": 3, "code": 12345}}, "admin", 400),
    ("promo-kind-number", "POST", "/api/admin/promo", {"json": {"kind": 7, "value": 3}}, "admin", 400),
    ("promo-valid-until-number", "POST", "/api/admin/promo", {"json": {"kind": "days", "value": 3, "valid_until": 5}}, "admin", 400),
    ("grant-reason-too-long", "POST", "/api/admin/subscriptions/501/grant", {"json": {"days": 3, "reason": "x" * 100_000}},
     "admin", 413),
    ("grant-reason-long", "POST", "/api/admin/subscriptions/501/grant", {"json": {"days": 3, "reason": "x" * 1000}}, "admin", 400),
    ("grant-body-list", "POST", "/api/admin/subscriptions/501/grant", {"json": [1, 2]}, "admin", 400),
    ("promo-apply-list", "POST", "/api/promo/apply", {"json": ["code"]}, "driver", 400),
    ("promo-apply-code-object", "POST", "/api/promo/apply", {"json": {"code": {"a": 1}}}, "driver", 400),
    ("payment-plan-number", "POST", "/api/payments", {"json": {"plan": 1}}, "driver", 400),
    ("payment-body-string", "POST", "/api/payments", {"json": "1m"}, "driver", 400),
    ("session-init-data-number", "POST", "/api/session", {"json": {"init_data": 5}}, None, 400),
    ("respond-rate-string", "POST", "/api/cargos/1001/responses", {"json": {"rate_rub": "много"}}, "driver", 400),
    ("flag-enabled-string", "POST", "/api/admin/flags/paywall", {"json": {"enabled": "yes"}}, "admin", 400),
    ("webhook-update-list", "POST", "/webhooks/telegram", {"headers": {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                                                          "json": [1]}, None, 400),
    ("yookassa-unknown-payment", "POST", "/webhooks/yookassa", {"headers": {"X-Forwarded-For": YOOKASSA_IP}, "json": {
        "type": "notification", "event": "payment.succeeded", "object": {"id": "2f0c0f00-000f-5000-9000-1a2b3c4d5e6f"}}},
     None, 200),
    ("yookassa-not-a-notification", "POST", "/webhooks/yookassa", {"headers": {"X-Forwarded-For": YOOKASSA_IP},
                                                                  "json": {"type": 1}}, None, 400),
    # deeply nested JSON
    ("nested-login", "POST", "/api/session", {"content": raw(NESTED)}, None, 400),
    ("nested-promo", "POST", "/api/promo/apply", {"content": raw('{"code":' + NESTED + "}")}, "driver", 400),
    ("nested-webhook", "POST", "/webhooks/telegram", {"headers": {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                                                      "content": raw(NESTED)}, None, 400),
    # huge bodies
    ("huge-login-body", "POST", "/api/session", {"content": b"x" * 200_000}, None, 413),
    ("huge-admin-body", "POST", "/api/admin/promo", {"content": b"{" + b" " * 50_000 + b"}"}, "admin", 413),
    ("huge-webhook-body", "POST", "/webhooks/telegram", {"headers": {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                                                         "content": b" " * 2_000_000}, None, 413),
    # odd ids in paths
    ("cargo-id-nul", "GET", "/api/cargos/1%00", {}, "driver", 400),
    ("cargo-id-huge", "GET", "/api/cargos/" + "9" * 30, {}, "driver", 404),
    ("cargo-id-superscript-digit", "GET", "/api/cargos/%C2%B2", {}, "driver", 404),
    ("detail-radius-superscript-digit", "GET", "/api/cargos/1001?radius=%C2%B2", {}, "driver", 400),
    ("detail-radius-5000-digits", "GET", "/api/cargos/1001?radius=" + "9" * 5000, {}, "driver", 400),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_hostile_input_gets_a_4xx_json_error(app, case):
    _, method, path, kwargs, who, expected = case
    kwargs = dict(kwargs)
    if who:
        token = await token_for(app, ADMIN if who == "admin" else DRIVER)
        kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": f"Bearer {token}"}
    _, response = await app.asgi_client.request(method, path, **kwargs)
    assert response.status == expected, response.text
    body = json.loads(response.body)
    if expected == 200:  # a notification that is not ours: acknowledged, nothing done
        assert body == {"ok": True, "ignored": "not our payment"}
        return
    assert set(body) == {"error"} and isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)


@pytest.mark.parametrize("user", [
    {"id": 2**63, "first_name": "Иван"},
    {"id": 2**70, "first_name": "Иван"},
    {"id": 0, "first_name": "Иван"},
    {"id": -7, "first_name": "Иван"},
], ids=["id-2^63", "id-2^70", "id-0", "id-negative"])
async def test_signed_init_data_with_an_impossible_user_id_is_401(app, user):
    _, response = await app.asgi_client.post("/api/session", json={"init_data": sign_init_data(TEST_BOT_TOKEN, user)})
    assert response.status == 401 and response.json["error"]["code"] == "unauthorized"


def sign_raw_user(user_json: str) -> str:
    """initData whose `user` is this exact JSON text (escapes such as \\u0000 or a lone \\ud800 kept)."""
    fields = {"auth_date": str(int(time.time())), "user": user_json}
    secret = hmac.new(b"WebAppData", TEST_BOT_TOKEN.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check_string(fields).encode(), hashlib.sha256).hexdigest()
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in fields.items())


async def test_signed_init_data_with_nul_in_names_logs_in_without_them(app):
    user = r'{"id":777,"first_name":"Ив\u0000ан","last_name":"\u0000","username":"a\u0000b\ud800"}'
    _, response = await app.asgi_client.post("/api/session", json={"init_data": sign_raw_user(user)})
    assert response.status == 200, response.text
    assert response.json["driver"] == {"telegram_id": 777, "first_name": "Иван", "username": "ab"}
