"""`cargotool promo|payments|subs|flags|audit`, run in this process (`invoke_cli`), YooKassa served by the
loopback stand-in."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid

import pytest

from cargotool.bootstrap import build_services
from cargotool.config import Settings
from cargotool.core.billing.refunds import request_key
from cargotool.core.storage.db import Database
from cargotool.core.storage.models import Payment, Refund
from cargotool.standin import CargoTechStandIn, StandInServer
from cargotool.standin.yookassa import YooKassaStandIn
from tests.conftest import TEST_PASSWORD, TEST_PHONE
from tests.integration.cli_helpers import cli_env, invoke_cli

SHOP_ID, SECRET_KEY = "100500", "test_Yk-cli-secret-key-0000"


@pytest.fixture
def env(tmp_path, key_prefix, redis):
    yookassa = YooKassaStandIn(SHOP_ID, SECRET_KEY)
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    with StandInServer(yookassa) as yookassa_url, StandInServer(standin) as cargotech_url:
        environ = cli_env(tmp_path, key_prefix, cargotech_url, YOOKASSA_SHOP_ID=SHOP_ID, YOOKASSA_SECRET_KEY=SECRET_KEY,
                          YOOKASSA_API_URL=f"{yookassa_url}/v3")
        yield environ, yookassa


def cli(env, tmp_path, *args):
    return invoke_cli(list(args), env, tmp_path)


def create_payment(environ) -> str:
    """A driver's pending payment for the 1-month plan, as the Mini App creates it; its YooKassa id."""
    async def create() -> str:
        services = build_services(Settings.from_env(environ))
        try:
            return (await services.payments.create(501, {"plan": "1m"})).yookassa_id
        finally:
            await services.aclose()

    return asyncio.run(create())


def lose_a_refund_answer(environ, yookassa_id: str) -> None:
    """A refund of ours whose answer was lost a day ago (what `payments reconcile` marks `check`)."""
    database = Database(environ["DATABASE_URL"])
    try:
        payment = database.run_sync(lambda: Payment.get(Payment.yookassa_id == yookassa_id))
        day_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
        database.run_sync(lambda: Refund.create(
            id=str(uuid.uuid4()), payment=payment.id, amount_kopecks=1000, reason="lost",
            request_key=request_key(payment.id, 1000, "lost"), status="check", actor="cli", created_at=day_ago))
    finally:
        database.close()


def test_promo_commands(env, tmp_path):
    environ, _ = env
    created = cli(environ, tmp_path, "promo", "create", "--percent", "15", "--code", "truck15", "--max-uses", "100",
                  "--valid-until", "2030-12-31")
    assert created.returncode == 0 and "created TRUCK15: −15 %" in created.stdout
    generated = cli(environ, tmp_path, "promo", "create", "--days", "7")
    assert generated.returncode == 0
    listed = json.loads(cli(environ, tmp_path, "promo", "list", "--json").stdout)["items"]
    assert {p["code"] for p in listed} >= {"TRUCK15"} and len(listed) == 2
    assert cli(environ, tmp_path, "promo", "disable", "Truck15").returncode == 0
    assert cli(environ, tmp_path, "promo", "create", "--days", "7", "--percent", "5").returncode == 2
    duplicate = cli(environ, tmp_path, "promo", "create", "--days", "1", "--code", "TRUCK15")
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr and "Traceback" not in duplicate.stderr
    assert cli(environ, tmp_path, "promo", "create", "--days", "1", "--valid-until", "31.12.2030").returncode == 2


def test_subs_and_flags(env, tmp_path):
    environ, _ = env
    assert "no subscription" in cli(environ, tmp_path, "subs", "show", "501").stdout
    granted = cli(environ, tmp_path, "subs", "grant", "501", "--days", "30", "--reason", "support ticket 12")
    assert granted.returncode == 0 and "access until" in granted.stdout
    shown = json.loads(cli(environ, tmp_path, "subs", "show", "501", "--json").stdout)
    assert shown["active"] is True and shown["source"] == "grant"
    assert cli(environ, tmp_path, "subs", "grant", "501", "--days", "0", "--reason", "x").returncode == 2
    assert cli(environ, tmp_path, "flags", "set", "paywall.respond", "off").returncode == 0
    flags = json.loads(cli(environ, tmp_path, "flags", "list", "--json").stdout)
    assert flags["paywall.respond"] is False and flags["paywall"] is True
    bad = cli(environ, tmp_path, "flags", "set", "free-beer", "on")
    assert bad.returncode == 2 and "unknown flag" in bad.stderr
    audit = json.loads(cli(environ, tmp_path, "audit", "tail", "--actor", "cli", "--json").stdout)["items"]
    assert [e["action"] for e in audit][:2] == ["flag.set", "subscription.grant"]
    assert audit[1]["details"]["reason"] == "support ticket 12"


def test_payments_replay_and_reconcile(env, tmp_path):
    environ, yookassa = env
    yookassa_id = create_payment(environ)
    listed = json.loads(cli(environ, tmp_path, "payments", "list", "--json").stdout)["items"]
    assert [p["status"] for p in listed] == ["pending"] and listed[0]["amount_kopecks"] == 49900
    assert "nothing new" in cli(environ, tmp_path, "payments", "replay", yookassa_id).stdout
    yookassa.succeed(yookassa_id)
    assert "checked 1 open payment(s); 1 change(s) applied" in cli(environ, tmp_path, "payments", "reconcile", "--older-than", "0").stdout
    assert "nothing new" in cli(environ, tmp_path, "payments", "replay", yookassa_id).stdout  # idempotent
    assert json.loads(cli(environ, tmp_path, "subs", "show", "501", "--json").stdout)["source"] == "payment"
    missing = cli(environ, tmp_path, "payments", "replay", "no-such-payment")
    assert missing.returncode == 4 and "Traceback" not in missing.stderr

    refund = cli(environ, tmp_path, "payments", "refund", yookassa_id, "--amount-rub", "99.80", "--reason", "support ticket 7")
    assert refund.returncode == 0 and "of 99,80 ₽: succeeded" in refund.stdout.replace("\u202f", " ") and "access now until" in refund.stdout
    repeated = cli(environ, tmp_path, "payments", "refund", yookassa_id, "--amount-rub", "99.80", "--reason", "support ticket 7")
    assert repeated.returncode == 0 and "already requested" in repeated.stdout and len(yookassa.refunds) == 1
    for args, code in ((["--amount-rub", "ten", "--reason", "x"], 2), (["--amount-rub", "1000", "--reason", "x"], 2),
                       (["--reason", " "], 2)):
        bad = cli(environ, tmp_path, "payments", "refund", yookassa_id, *args)
        assert bad.returncode == code and "Traceback" not in bad.stderr, (args, bad.stderr)
    assert cli(environ, tmp_path, "payments", "refund", "no-such-payment", "--reason", "x").returncode == 4
    audit = json.loads(cli(environ, tmp_path, "audit", "tail", "--action", "payment.refund", "--json").stdout)["items"]
    assert [e["action"] for e in audit] == ["payment.refunded", "payment.refund_requested"]
    assert audit[1]["actor"] == "cli" and audit[1]["details"]["reason"] == "support ticket 7"
    lose_a_refund_answer(environ, yookassa_id)
    table = cli(environ, tmp_path, "payments", "list")
    text = " ".join(table.stdout.replace("\u202f", " ").split())  # rich wraps long lines
    assert "CHECK in YooKassa's dashboard" in text and "10 ₽, requested" in text
    [check] = json.loads(cli(environ, tmp_path, "payments", "list", "--json").stdout)["refunds_to_check"]
    assert (check["amount_kopecks"], check["reason"]) == (1000, "lost")
    again = cli(environ, tmp_path, "payments", "refund", yookassa_id, "--amount-rub", "10", "--reason", "lost")
    assert again.returncode == 1 and "личном кабинете" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert len(yookassa.refunds) == 1  # not sent
    environ.pop("YOOKASSA_SECRET_KEY")
    unconfigured = cli(environ, tmp_path, "payments", "replay", yookassa_id)
    assert unconfigured.returncode == 78 and "YOOKASSA_SECRET_KEY" in unconfigured.stderr
