"""`cargotool payments list|refund` with a Telegram Stars payment, run in this process (`invoke_cli`, in a
thread: the test is async) against the Bot API stand-in (no YooKassa configured: Stars refunds do not
need it)."""

from __future__ import annotations

import asyncio
import json

import pytest

from cargotool.bootstrap import build_services
from cargotool.config import Settings
from cargotool.core.storage.models import DriverRecord
from cargotool.standin import CargoTechStandIn, StandInServer
from cargotool.standin.telegram import BotApiStandIn
from tests.conftest import TEST_PASSWORD, TEST_PHONE
from tests.integration.cli_helpers import cli_env, invoke_cli, run_cli
from tests.integration.stars_helpers import validate_calls

DRIVER = 501


@pytest.fixture
def env(tmp_path, key_prefix, redis):
    telegram = BotApiStandIn()
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    with StandInServer(telegram) as bot_url, StandInServer(standin) as cargotech_url:
        yield cli_env(tmp_path, key_prefix, cargotech_url, TELEGRAM_API_URL=bot_url, PLANS_STARS="1m:250,3m:650"), telegram


async def paid_stars(environ, telegram, plan="3m") -> str:
    """A Stars payment made and applied in this process; returns its charge id."""
    services = build_services(Settings.from_env(environ), bot_transport=telegram.transport())
    try:
        await services.database.run(lambda: DriverRecord.insert(telegram_id=DRIVER, first_name="Иван").execute())
        payment = await services.stars.create(DRIVER, plan)
        update = telegram.payment_update(payment.confirmation_url, DRIVER)
        await services.stars.record(DRIVER, update["message"]["successful_payment"])
        return update["message"]["successful_payment"]["telegram_payment_charge_id"]
    finally:
        await services.aclose()


async def test_payments_refund_gives_stars_back_once_and_shortens_access(env, tmp_path):
    environ, telegram = env
    charge = await paid_stars(environ, telegram)  # its services are closed before any command binds the models

    async def cli(*args):
        return await asyncio.to_thread(invoke_cli, list(args), environ, tmp_path)

    [item] = json.loads((await cli("payments", "list", "--json")).stdout)["items"]
    assert (item["method"], item["stars"], item["telegram_payment_charge_id"], item["status"]) == ("stars", 650, charge, "succeeded")
    table = (await cli("payments", "list")).stdout
    assert "650 Stars" in table and "stars" in table
    partial = await cli("payments", "refund", charge, "--amount-rub", "10", "--reason", "x")
    assert partial.returncode == 2 and "целиком" in partial.stderr and "Traceback" not in partial.stderr
    refund = await cli("payments", "refund", charge, "--reason", "support ticket 9")
    assert refund.returncode == 0, refund.stderr
    assert f"refunded: 650 Stars of payment {item['id']}" in refund.stdout and "access now until" in refund.stdout
    assert [c.params for c in telegram.sent("refundStarPayment")] == [{"user_id": DRIVER, "telegram_payment_charge_id": charge}]
    shown = json.loads((await cli("subs", "show", str(DRIVER), "--json")).stdout)
    assert shown["active"] is False
    again = await cli("payments", "refund", item["id"], "--reason", "support ticket 9")
    assert again.returncode == 0 and "already refunded" in again.stdout and len(telegram.sent("refundStarPayment")) == 1
    audit = json.loads((await cli("audit", "tail", "--action", "payment.refund", "--json")).stdout)["items"]
    assert [e["action"] for e in audit] == ["payment.refunded", "payment.refund_requested"]
    assert audit[1]["actor"] == "cli" and audit[1]["details"]["reason"] == "support ticket 9"
    assert validate_calls(telegram) >= 2


async def test_payments_refund_says_when_the_renewal_is_still_on_and_the_retry_turns_it_off(env, tmp_path):
    environ, telegram = env
    charge = await paid_stars(environ, telegram, plan="1m")  # a subscription Telegram renews
    telegram.fail_next("editUserStarSubscription", 400)
    refund = run_cli(["payments", "refund", charge, "--reason", "support ticket 10"], environ, tmp_path)
    assert refund.returncode == 5 and "refunded: 250 Stars" in refund.stdout
    assert "RENEWAL STILL ON" in refund.stderr and "run the same command again" in refund.stderr
    assert "Traceback" not in refund.stderr and not telegram.charges[charge].canceled
    again = run_cli(["payments", "refund", charge, "--reason", "support ticket 10", "--json"], environ, tmp_path)
    assert again.returncode == 0, again.stderr
    body = json.loads(again.stdout)
    assert body["repeated"] is True and body["renewal_still_on"] is False and telegram.charges[charge].canceled
    assert len(telegram.sent("refundStarPayment")) == 1
