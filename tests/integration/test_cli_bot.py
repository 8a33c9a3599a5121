"""`cargotool bot ...` and `cargotool responses ...` against the Bot API stand-in: in this process
(`invoke_cli`), except `bot run`, which would run until stopped if it did not refuse."""

from __future__ import annotations

import json

import pytest

from cargotool.standin import CargoTechStandIn, StandInServer
from cargotool.standin.telegram import BotApiStandIn
from tests.conftest import TEST_PASSWORD, TEST_PHONE
from tests.integration.cli_helpers import cli_env, invoke_cli, run_cli


@pytest.fixture
def env(tmp_path, key_prefix, redis):
    telegram = BotApiStandIn()
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    with StandInServer(telegram) as bot_url, StandInServer(standin) as cargotech_url:
        environ = cli_env(tmp_path, key_prefix, cargotech_url, TELEGRAM_API_URL=bot_url,
                          TELEGRAM_WEBHOOK_SECRET="hook-secret-123456", WEBAPP_URL="https://cargo.example.ru")
        yield environ, telegram


def test_bot_setup_sets_webhook_commands_and_menu(env, tmp_path):
    environ, telegram = env
    result = invoke_cli(["bot", "setup", "--url", "https://cargo.example.ru/"], environ, tmp_path)
    assert result.returncode == 0, result.stderr
    [hook] = telegram.sent("setWebhook")
    assert hook.params["url"] == "https://cargo.example.ru/webhooks/telegram"
    assert hook.params["secret_token"] == "hook-secret-123456"
    assert set(hook.params["allowed_updates"]) == {"message", "edited_message", "callback_query", "pre_checkout_query"}
    russian, default = telegram.sent("setMyCommands")  # built from the router's registrations (test_bot_router)
    assert russian.params["language_code"] == "ru" and russian.params["commands"] == default.params["commands"]
    assert {c["command"] for c in default.params["commands"]} == {"start", "help", "status", "responses", "mute", "unmute", "drive", "quiet", "forget_location", "paysupport", "privacy", "forget_me"}
    assert {"command": "mute", "description": "Пауза уведомлений о грузах, например /mute 2h"} in default.params["commands"]
    [menu] = telegram.sent("setChatMenuButton")
    assert menu.params["menu_button"]["web_app"]["url"] == "https://cargo.example.ru/"
    assert "hook-secret" not in result.stdout + result.stderr


def test_bot_setup_refuses_http_and_a_missing_secret(env, tmp_path):
    environ, telegram = env
    assert invoke_cli(["bot", "setup", "--url", "http://x.ru"], environ, tmp_path).returncode == 2
    environ.pop("TELEGRAM_WEBHOOK_SECRET")
    result = invoke_cli(["bot", "setup", "--url", "https://x.ru"], environ, tmp_path)
    assert result.returncode == 78 and "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert telegram.sent("setWebhook") == []


def test_bot_info_and_send(env, tmp_path):
    environ, telegram = env
    info = json.loads(invoke_cli(["bot", "info", "--json"], environ, tmp_path).stdout)
    assert info["bot"]["username"] == "cargotool_bot" and info["outbox_queued"] == 0 and info["outbox_given_up"] == 0
    sent = invoke_cli(["bot", "send", "--chat", "501", "--text", "Проверка связи"], environ, tmp_path)
    assert sent.returncode == 0 and sent.stdout.strip() == "sent"
    assert [c.params["text"] for c in telegram.sent("sendMessage", 501)] == ["Проверка связи"]


def test_bot_send_that_cannot_be_delivered_stays_queued(env, tmp_path):
    environ, telegram = env
    telegram.fail_next("sendMessage", 429, retry_after=60)
    result = invoke_cli(["bot", "send", "--chat", "501", "--text", "позже", "--wait", "2"], environ, tmp_path)
    assert result.returncode == 5 and "stays in the outbox" in result.stderr


def test_bot_run_needs_mtproto_credentials(env, tmp_path):  # a real process: were it to start, it would not stop
    environ, _ = env
    result = run_cli(["bot", "run"], environ, tmp_path)
    assert result.returncode == 78 and "TELEGRAM_API_ID" in result.stderr


def test_responses_list_and_expire(env, tmp_path):
    environ, _ = env
    listed = invoke_cli(["responses", "list", "--json"], environ, tmp_path)
    assert listed.returncode == 0 and json.loads(listed.stdout) == {"items": []}
    assert invoke_cli(["responses", "list", "--status", "maybe"], environ, tmp_path).returncode == 2
    assert "expired 0" in invoke_cli(["responses", "expire"], environ, tmp_path).stdout
