"""A full run of the CLI and the client, with every log at DEBUG, must never show the CargoTech token,
the password or the phone — in any output, exception, audit row or cassette.

The CLI's commands run in this process (`invoke_cli`: the same logging set-up, an empty redactor, the
output and log lines captured), and the re-login after a revoked token and the failing login in real
processes, so what a process itself prints is checked too."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from cargotool.core.loads import LoadQuery
from cargotool.core.errors import CargotoolError
from cargotool.core.storage.models import AuditEvent
from cargotool.standin import CargoTechStandIn, StandInServer
from cargotool.standin.telegram import BotApiStandIn
from tests.conftest import TEST_BOT_TOKEN, TEST_PASSWORD, TEST_PHONE

WEBHOOK_SECRET = "hook-secret-for-leak-test"
from tests.integration.cli_helpers import cli_env, invoke_cli, run_cli

PHONE_DIGITS = re.sub(r"\D", "", TEST_PHONE)[1:]  # 9115551234, however it is written


def find_secrets(text: str, tokens: list[str]) -> list[str]:
    found = [t for t in tokens if t in text or t.split("|", 1)[1] in text]
    if TEST_PASSWORD in text:
        found.append("password")
    if PHONE_DIGITS in re.sub(r"\D", "", text):
        found.append("phone")
    return found


def test_cli_output_and_logs_hold_no_secrets(tmp_path, key_prefix, redis):
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    commands = [
        ["db", "migrate"],
        ["cargotech", "check"],
        ["cargotech", "check", "--json"],
        ["cargotech", "token", "status"],
        ["cargotech", "token", "status", "--json"],
        ["cargos", "list", "--limit", "3", "--json"],
        ["cargos", "list", "--from", "Москва", "--limit", "3"],
        ["points", "search", "Каз", "--json"],
        ["cargotech", "token", "flush"],
        ["cargotech", "check"],
        ["bot", "info"],
        ["bot", "send", "--chat", "501", "--text", "проверка"],
        ["bot", "setup", "--url", "https://cargo.example.ru"],
        ["telegram", "sign-init-data", "--user-id", "5"],
    ]
    telegram = BotApiStandIn()
    with StandInServer(standin) as url, StandInServer(telegram) as bot_url:
        env = cli_env(tmp_path, key_prefix, url, LOG_LEVEL="debug", TELEGRAM_API_URL=bot_url,
                      TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET)
        outputs = []
        for args in commands:
            result = invoke_cli(args, env, tmp_path)
            assert result.returncode == 0, (args, result.stderr)
            outputs += [result.stdout, result.stderr]
        standin.revoke_tokens()  # the next call meets a 401 and logs in again
        outputs += list(run_cli(["cargos", "list", "--limit", "2"], env, tmp_path).__dict__.values())[1:]
        env["CARGOTECH_PASSWORD"] = "wrong-password-for-sure"  # and a failing login
        invoke_cli(["cargotech", "token", "flush"], env, tmp_path)
        failing = run_cli(["cargotech", "check"], env, tmp_path)
        outputs += [failing.stdout, failing.stderr]
    assert standin.logins >= 3 and len(standin.issued_tokens) >= 2
    assert any("DEBUG" in o for o in outputs if isinstance(o, str))  # the debug logs were really captured
    text = "\n".join(o for o in outputs if isinstance(o, str))
    assert find_secrets(text, standin.issued_tokens) == []
    assert "wrong-password-for-sure" not in text
    assert telegram.sent("sendMessage") and "HTTP Request: POST" in text  # httpx logged the Bot API URLs ...
    assert TEST_BOT_TOKEN not in text and TEST_BOT_TOKEN.split(":")[1] not in text  # ... without the token
    assert WEBHOOK_SECRET not in text


async def test_in_process_logs_errors_and_audit_hold_no_secrets(services, standin, caplog):
    caplog.set_level(logging.DEBUG)
    account = services.upstream
    await account.me()
    standin.revoke_tokens()
    await asyncio.gather(*(services.marketplace.loads(LoadQuery(limit=2)) for _ in range(5)))
    standin.fail_next("/v1/me", 503, times=5)
    errors = []
    try:
        await account.me()
    except CargotoolError as exc:
        errors.append(f"{exc!r} {exc.message} {exc.to_dict()}")
    logging.getLogger("test").info("about to log in with %s / %s", TEST_PHONE, TEST_PASSWORD)
    logging.getLogger("test").warning("header was Authorization: Bearer %s", standin.issued_tokens[-1])
    audit = await services.database.run(lambda: [f"{e.actor} {e.action} {e.target} {e.details}" for e in AuditEvent.select()])
    assert any("cargotech.login" in row for row in audit)
    text = "\n".join([caplog.text, *errors, *audit])
    assert "about to log in with" in text and errors
    assert find_secrets(text, standin.issued_tokens) == []


@pytest.mark.parametrize("value", ["tok", None])
def test_settings_repr_in_exceptions(value, settings):
    text = f"{settings!r} {settings}"
    assert TEST_PASSWORD not in text and PHONE_DIGITS not in re.sub(r"\D", "", text)
