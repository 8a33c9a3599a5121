"""The CLI's contract, for every command: a bad input gives ONE line on stderr, naming the problem once,
and the exit code of the table in cli/exit_codes.py (README "Exit codes").

Runs the real entry point (`cli.main.main`) in-process on the embedded defaults (SQLite in tmp, the
in-process store, the recorded sample), except where a row needs the live path (a stand-in on loopback).
"""

from __future__ import annotations

import json
import logging
import os

import pytest
import typer

from cargotool.cli.exit_codes import ExitCode
from cargotool.cli.main import app, main
from cargotool.standin import CargoTechStandIn, StandInServer
from tests.conftest import TEST_PASSWORD, TEST_PHONE

LIVE = "live"  # marker: the row runs against the stand-in over HTTP with the test credentials

# command path -> (arguments after it, extra environment, expected exit code, text the one line contains)
CASES: list[tuple[str, list[str], dict, ExitCode, str]] = [
    ("serve", ["--port", "0"], {}, ExitCode.BAD_INPUT, "serve: invalid value for '--port'"),
    ("serve", ["--workers", "2"], {}, ExitCode.CONFIG, "the embedded store (REDIS_URL unset) is single-process"),
    ("db migrate", [], {"DATABASE_URL": "sqlite:///{tmp}/cli.sqlite3/inside.sqlite3"}, ExitCode.FAILURE,
     "cannot migrate the database (FileExistsError); check DATABASE_URL"),
    ("cargotech check", [], {LIVE: "1", "CARGOTECH_PASSWORD": "not-it"}, ExitCode.CREDENTIALS_REJECTED,
     "rejected the server's credentials"),
    ("cargotech check", [], {LIVE: "1", "CARGOTECH_BASE_URL": "http://127.0.0.1:9", "CARGOTECH_MAX_ATTEMPTS": "1",
                             "CARGOTECH_CONNECT_TIMEOUT": "0.5"}, ExitCode.UNREACHABLE, "could not reach CargoTech"),
    ("cargotech probe", ["--json"], {LIVE: "1", "CARGOTECH_PASSWORD": "not-it"}, ExitCode.CREDENTIALS_REJECTED,
     "rejected the server's credentials"),
    ("cargotech token status", [], {"CARGOTECH_TOKEN_CACHE_TTL": "abc"}, ExitCode.CONFIG,
     "configuration error: CARGOTECH_TOKEN_CACHE_TTL: expected a whole number, got 'abc'"),
    ("cargotech token flush", ["now"], {}, ExitCode.BAD_INPUT, "cargotech token flush: got unexpected extra argument"),
    ("cargos list", ["--date", "2020-01-01"], {}, ExitCode.BAD_INPUT, "--date: Дата погрузки уже прошла"),
    ("cargos list", ["--wv", "heavy"], {}, ExitCode.BAD_INPUT, "--wv: Тоннаж и объём через дефис"),
    ("cargos show", ["abc"], {}, ExitCode.BAD_INPUT, "cargos show: invalid value for CARGO_ID: a load id is a number"),
    ("cargos show", ["999"], {}, ExitCode.NOT_FOUND, "cargotool: no load 999 on CargoTech"),
    ("points search", [" "], {}, ExitCode.BAD_INPUT, "points search: invalid value for TEXT: give at least one letter"),
    ("telegram sign-init-data", ["--user-id", "0"], {}, ExitCode.BAD_INPUT, "invalid value for '--user-id'"),
    ("telegram check-init-data", ["garbage"], {}, ExitCode.FAILURE, "invalid init data: init data is not a query string"),
    ("webapp url", ["--user-id", "1", "--start-param", "no spaces"], {}, ExitCode.BAD_INPUT,
     "invalid value for --start-param: letters, digits"),
    ("bot setup", ["--url", "http://example.org"], {}, ExitCode.BAD_INPUT, "invalid value for --url: Telegram needs an https URL"),
    ("bot info", [], {}, ExitCode.CONFIG, "TELEGRAM_BOT_TOKEN is not set"),
    ("bot send", ["--chat", "1", "--text", " "], {}, ExitCode.BAD_INPUT, "invalid value for --text: empty message"),
    ("bot run", [], {}, ExitCode.CONFIG, "TELEGRAM_BOT_TOKEN, TELEGRAM_API_ID, TELEGRAM_API_HASH not set"),
    ("responses list", ["--status", "nope"], {}, ExitCode.BAD_INPUT, "invalid value for --status: one of sent, viewed"),
    ("responses expire", ["now"], {}, ExitCode.BAD_INPUT, "responses expire: got unexpected extra argument"),
    ("promo create", ["--days", "5", "--percent", "5"], {}, ExitCode.BAD_INPUT, "give exactly one of --days, --percent, --amount-rub"),
    ("promo create", ["--days", "0"], {}, ExitCode.BAD_INPUT, "invalid promo code: days: 1–3660"),
    ("promo list", ["--limit", "3"], {}, ExitCode.BAD_INPUT, "promo list: no such option: --limit"),
    ("promo disable", ["NOPE"], {}, ExitCode.NOT_FOUND, "cargotool: no promo code NOPE"),
    ("payments list", ["--limit", "0"], {}, ExitCode.BAD_INPUT, "invalid value for '--limit'"),
    ("payments replay", ["2f1c0000-000f-5000-8000-000000000000"], {}, ExitCode.CONFIG, "YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY"),
    ("payments reconcile", ["--older-than", "-1"], {}, ExitCode.BAD_INPUT, "invalid value for '--older-than'"),
    ("payments refund", ["2f1c0000", "--reason", "r"], {}, ExitCode.CONFIG, "YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY"),
    ("subs show", ["abc"], {}, ExitCode.BAD_INPUT, "subs show: invalid value for 'telegram_id'"),
    ("subs grant", ["1", "--days", "99999", "--reason", "x"], {}, ExitCode.BAD_INPUT, "cargotool: days must be between 1 and 3660"),
    ("flags list", ["extra"], {}, ExitCode.BAD_INPUT, "flags list: got unexpected extra argument"),
    ("flags set", ["nope", "on"], {}, ExitCode.BAD_INPUT, "unknown flag 'nope'"),
    ("flags set", ["paywall", "maybe"], {}, ExitCode.BAD_INPUT, "flags set: invalid value for VALUE: on or off"),
    ("audit tail", ["--since", "yesterday"], {}, ExitCode.BAD_INPUT, "audit tail: invalid value for --since: expected YYYY-MM-DD"),
    ("insights lanes", ["extra"], {}, ExitCode.BAD_INPUT, "insights lanes: got unexpected extra argument"),
    ("insights reports", ["--limit", "0"], {}, ExitCode.BAD_INPUT, "insights reports: invalid value for '--limit'"),
    ("insights reports", ["--inn", "ООО"], {}, ExitCode.BAD_INPUT, "ИНН — цифры, до 16"),
    ("insights hide-report", ["999", "--reason", "spam"], {}, ExitCode.NOT_FOUND, "999"),
    ("payments refund", ["2f1c0000-000f-5000-8000-000000000000", "--amount-rub", "abc", "--reason", "x"], {},
     ExitCode.BAD_INPUT, "invalid value for --amount-rub: roubles, e.g. 250 or 649.50"),
    ("payments refund", ["2f1c0000-000f-5000-8000-000000000000", "--amount-rub", "1E+30", "--reason", "r"], {},
     ExitCode.BAD_INPUT, "invalid value for --amount-rub: roubles, e.g. 250 or 649.50"),
    ("dev cargotech-standin", ["--port", "70000"], {}, ExitCode.BAD_INPUT, "invalid value for '--port'"),
    ("insights hide-report", ["1", "--reason", " "], {}, ExitCode.BAD_INPUT, "a reason is required"),
    ("alerts status", ["--since", "x"], {}, ExitCode.BAD_INPUT, "alerts status: no such option: --since"),
]


def command_paths() -> set[str]:
    def walk(command, path):
        children = getattr(command, "commands", None)
        if not children:
            yield " ".join(path)
            return
        for name, child in children.items():
            yield from walk(child, [*path, name])

    return set(walk(typer.main.get_command(app), []))


def test_every_command_has_a_row():
    assert command_paths() == {path for path, *_ in CASES}


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """A clean environment: embedded defaults, nothing from the developer's shell or a .env."""
    root = logging.getLogger()  # main() sets logging up; give the handlers and level back afterwards
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    for name in list(os.environ):
        if name.startswith(("CARGOTECH_", "REDIS_", "DATABASE_", "LOG_", "TELEGRAM_", "YOOKASSA_", "WEBAPP_", "PLANS")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cli.sqlite3").touch()  # a file, so a path under it cannot be a database
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("COLUMNS", "200")
    return monkeypatch


@pytest.fixture(scope="module")
def standin_url():
    server = StandInServer(CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD))
    server.start()
    yield server.url
    server.stop()


@pytest.mark.parametrize(("path", "args", "env", "code", "text"), CASES, ids=[f"{c[0]} {' '.join(c[1])}" for c in CASES])
def test_bad_input_gives_one_line_and_its_exit_code(path, args, env, code, text, embedded, standin_url, capsys):
    env = dict(env)
    if env.pop(LIVE, None):
        embedded.setenv("CARGOTECH_BASE_URL", standin_url)
        embedded.setenv("CARGOTECH_PHONE", TEST_PHONE)
        embedded.setenv("CARGOTECH_PASSWORD", TEST_PASSWORD)
    for name, value in env.items():
        embedded.setenv(name, value.replace("{tmp}", os.getcwd()))

    exit_code = main([*path.split(), *args])
    out, err = capsys.readouterr()

    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one line: no boxed usage, no WARNING lines, no traceback
    line = lines[0]
    assert line.startswith("cargotool: ") and text in line, line
    assert exit_code == code, line
    parts = [part.strip() for part in line.removeprefix("cargotool: ").split(":")]
    assert len(parts) == len(set(parts)), f"the message repeats itself: {line}"
    assert TEST_PASSWORD not in err + out and "not-it" not in err + out


def test_cli_and_api_reject_a_past_date_alike(embedded, capsys):
    from cargotool.cli.cargos import FILTER_OPTIONS
    from cargotool.core.cargo.filters import InvalidFilter
    from cargotool.core.cargo.formatting import moscow_today
    from cargotool.core.cargo.listing import parse_list_query

    with pytest.raises(InvalidFilter) as api_error:
        parse_list_query("date=2020-01-01", moscow_today())
    assert main(["cargos", "list", "--date", "2020-01-01"]) == ExitCode.BAD_INPUT
    line = capsys.readouterr().err.strip()
    assert line == f"cargotool: {api_error.value.message}: {FILTER_OPTIONS['date']}: {api_error.value.fields['date']}"


def test_operator_commands_are_quiet_on_the_embedded_defaults(embedded, capsys):
    assert main(["flags", "list"]) == ExitCode.OK
    out, err = capsys.readouterr()
    assert err == "" and "paywall: off" in out  # no WARNING lines about the embedded store or the sample


def test_recorded_mode_logs_name_the_recorded_source(embedded, capsys):
    embedded.setenv("LOG_LEVEL", "info")
    assert main(["cargos", "list", "--limit", "1", "--json"]) == ExitCode.OK
    err = capsys.readouterr().err
    assert "HTTP Request: GET http://recorded-sample.cargotech.invalid/v2/cargos/views" in err
    assert "api.cargotech.pro" not in err


def test_times_carry_their_zone_and_tables_speak_english(embedded, capsys):
    assert main(["promo", "create", "--days", "5", "--code", "TRUCK5", "--valid-until", "2030-01-31"]) == ExitCode.OK
    assert "created TRUCK5: +5 days" in capsys.readouterr().out
    assert main(["promo", "list"]) == ExitCode.OK
    table = capsys.readouterr().out
    assert "2030-01-31 23:59 MSK" in table and "+5 days" in table and "дн." not in table
    assert main(["audit", "tail"]) == ExitCode.OK
    assert " MSK" in capsys.readouterr().out


def test_serve_help_is_current():
    text = typer.main.get_command(app).commands["serve"].help
    assert "/metrics" in text and "as they land" not in text


def test_the_token_is_shared_between_commands_on_the_embedded_store(embedded, capsys, tmp_path):
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    server = StandInServer(standin)
    server.start()
    try:
        for name, value in (("CARGOTECH_BASE_URL", server.url), ("CARGOTECH_PHONE", TEST_PHONE),
                            ("CARGOTECH_PASSWORD", TEST_PASSWORD)):
            embedded.setenv(name, value)
        assert main(["cargotech", "check"]) == ExitCode.OK
        assert main(["cargotech", "token", "status"]) == ExitCode.OK
        assert "token: cached" in capsys.readouterr().out
        assert main(["cargos", "list", "--limit", "1"]) == ExitCode.OK
        assert standin.logins == 1  # three processes' worth of commands, one login
        token_file = tmp_path / ".cargotech-token"
        assert token_file.stat().st_mode & 0o777 == 0o600
        capsys.readouterr()
        assert main(["audit", "tail", "--action", "cargotech.login", "--json"]) == ExitCode.OK
        assert len(json.loads(capsys.readouterr().out)["items"]) == 1
        assert main(["cargotech", "token", "flush"]) == ExitCode.OK
        assert not token_file.exists()
        embedded.setenv("CARGOTECH_TOKEN_FILE", "off")
        assert main(["cargotech", "token", "status"]) == ExitCode.OK
        assert "CARGOTECH_TOKEN_FILE=off, so each command has its own in-memory store" in capsys.readouterr().out
    finally:
        server.stop()
    out, err = capsys.readouterr()
    assert TEST_PASSWORD not in out + err


def test_a_busy_port_is_named_and_the_embedded_notes_come_once(embedded, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == ExitCode.FAILURE
    err = capsys.readouterr().err
    assert f"cargotool: port {port} is in use" in err
    assert err.count("REDIS_URL is not set") == 1 and err.count("recorded sample data") == 1
