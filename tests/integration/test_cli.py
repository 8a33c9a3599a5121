"""The operator CLI against a stand-in CargoTech on loopback and the real Redis: in this process
(`invoke_cli`), and as real processes where the process is the point (its exit code, `serve`, several
processes sharing one login)."""

from __future__ import annotations

import json

import pytest

from cargotool.standin import CargoTechStandIn, StandInServer
from tests.conftest import TEST_PASSWORD, TEST_PHONE
from tests.integration.cli_helpers import cli_env, invoke_cli, run_cli, start_cli


@pytest.fixture
def upstream():
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)
    server = StandInServer(standin)
    server.start()
    yield standin, server.url
    server.stop()


@pytest.fixture
def env(tmp_path, key_prefix, upstream, redis):  # `redis` cleans the prefix up afterwards
    return cli_env(tmp_path, key_prefix, upstream[1])


def one_line_error(result) -> str:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("cargotool:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_check_logs_in_and_reports_the_account(env, tmp_path, upstream):
    result = invoke_cli(["cargotech", "check"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "logged in to CargoTech (live) as Иван Петров" in result.stdout
    assert "expires in 23h" in result.stdout
    data = json.loads(invoke_cli(["cargotech", "check", "--json"], env, tmp_path).stdout)
    assert data["ok"] is True and data["token"]["cached"] is True
    assert upstream[0].logins == 1  # the second command reused the token cached in Redis


def test_check_with_wrong_credentials_exits_3(env, tmp_path):  # a real process: the console script's exit code
    env["CARGOTECH_PASSWORD"] = "not-it-at-all"
    result = run_cli(["cargotech", "check"], env, tmp_path)
    assert result.returncode == 3
    assert "rejected the server's credentials" in one_line_error(result)


def test_check_with_cargotech_unreachable_exits_5(env, tmp_path):
    env.update(CARGOTECH_BASE_URL="http://127.0.0.1:9", CARGOTECH_MAX_ATTEMPTS="2", CARGOTECH_CONNECT_TIMEOUT="0.5")
    result = invoke_cli(["cargotech", "check"], env, tmp_path)
    assert result.returncode == 5
    assert "could not reach CargoTech" in one_line_error(result)


def test_malformed_setting_stops_with_one_line(env, tmp_path):
    env["CARGOTECH_TOKEN_CACHE_TTL"] = "abc"
    result = invoke_cli(["cargotech", "check"], env, tmp_path)
    assert result.returncode == 78
    assert one_line_error(result) == "cargotool: configuration error: CARGOTECH_TOKEN_CACHE_TTL: expected a whole number, got 'abc'"


def test_token_status_and_flush(env, tmp_path, upstream):
    assert "not cached" in invoke_cli(["cargotech", "token", "status"], env, tmp_path).stdout
    invoke_cli(["cargotech", "check"], env, tmp_path)
    status = json.loads(invoke_cli(["cargotech", "token", "status", "--json"], env, tmp_path).stdout)
    assert status["cached"] is True and status["ttl_seconds"] > 86000
    assert invoke_cli(["cargotech", "token", "flush"], env, tmp_path).stdout.strip() == "token flushed"
    assert "not cached" in invoke_cli(["cargotech", "token", "status"], env, tmp_path).stdout
    invoke_cli(["cargotech", "check"], env, tmp_path)
    assert upstream[0].logins == 2


def test_cargos_list_json_and_table(env, tmp_path):
    result = invoke_cli(["cargos", "list", "--from", "Москва", "--from-radius", "50", "--limit", "5", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"items", "meta"} and len(data["items"]) <= 5
    assert data["meta"]["total"] >= len(data["items"])
    assert all(item["from"]["city"] in ("Москва", "Подольск", "Химки", "Балашиха", "Московский") for item in data["items"])
    table = invoke_cli(["cargos", "list", "--limit", "3"], env, tmp_path)
    assert table.returncode == 0 and "₽/km" in table.stdout and "→" in table.stdout


def test_cargos_list_rejects_bad_filters(env, tmp_path):
    result = invoke_cli(["cargos", "list", "--wv", "heavy", "--date", "tomorrow"], env, tmp_path)
    assert result.returncode == 2
    line = one_line_error(result)
    assert "wv:" in line and "date:" in line


def test_cargos_list_unknown_city(env, tmp_path):
    result = invoke_cli(["cargos", "list", "--to", "Атлантида"], env, tmp_path)
    assert result.returncode == 2 and "Атлантида" in one_line_error(result)


def test_cargos_show(env, tmp_path, upstream):
    cargo_id = str(upstream[0].dataset.cargos[0]["id"])
    data = json.loads(invoke_cli(["cargos", "show", cargo_id, "--json"], env, tmp_path).stdout)
    assert data["id"] == cargo_id and data["comment"] and data["contacts"]
    text = invoke_cli(["cargos", "show", cargo_id], env, tmp_path).stdout
    assert "comment:" in text and "contact:" in text
    missing = invoke_cli(["cargos", "show", "42"], env, tmp_path)
    assert missing.returncode == 4 and "no load 42 on CargoTech" in one_line_error(missing)


def test_points_search(env, tmp_path):
    data = json.loads(invoke_cli(["points", "search", "Моск", "--json"], env, tmp_path).stdout)
    assert {p["name"] for p in data["items"]} >= {"Москва", "Московский"}
    assert "Москва" in invoke_cli(["points", "search", "Моск"], env, tmp_path).stdout


def test_db_migrate_is_idempotent(env, tmp_path):
    first = invoke_cli(["db", "migrate"], env, tmp_path)
    assert first.returncode == 0 and "Applied 1" in first.stdout
    assert "up to date" in invoke_cli(["db", "migrate"], env, tmp_path).stdout


def test_serve_refuses_several_workers_on_the_embedded_store(env, tmp_path):
    env.pop("REDIS_URL")
    result = run_cli(["serve", "--workers", "2"], env, tmp_path)
    assert result.returncode == 78 and "REDIS_URL" in one_line_error(result)


def test_several_processes_sharing_redis_cause_one_login(tmp_path, key_prefix, redis):
    standin = CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD, login_latency=3.0)
    with StandInServer(standin) as url:
        env = cli_env(tmp_path, key_prefix, url)
        run_cli(["db", "migrate"], env, tmp_path)
        processes = [start_cli(["cargotech", "check", "--json"], env, tmp_path) for _ in range(4)]
        outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], [o[1] for o in outputs]
    assert all(json.loads(out)["ok"] for out, _ in outputs)
    assert standin.logins == 1
    assert standin.calls["GET /v1/me"] == 4
