"""`invoke_cli` (tests/integration/cli_helpers.py) stands in for a `cargotool` process: same exit code, output
and log lines as `run_cli`, and the test process is given back as it was."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from cargotool.core.redaction import redactor
from cargotool.standin import CargoTechStandIn, StandInServer
from tests.conftest import TEST_PASSWORD, TEST_PHONE
from tests.integration.cli_helpers import cli_env, invoke_cli, run_cli


@pytest.fixture
def env(tmp_path, key_prefix, redis):
    with StandInServer(CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)) as url:
        yield cli_env(tmp_path, key_prefix, url)


@pytest.mark.parametrize("args", [["points", "search", "Моск"], ["cargos", "list", "--to", "Атлантида"],
                                  ["cargotech", "token", "flush", "now"]])
def test_a_command_says_in_process_what_it_says_as_a_process(args, env, tmp_path):
    process = run_cli(args, env, tmp_path)
    in_process = invoke_cli(args, env, tmp_path)
    assert (in_process.returncode, in_process.stdout, in_process.stderr) == \
           (process.returncode, process.stdout, process.stderr)
    assert process.stdout or process.stderr  # something was compared


def test_the_log_lines_are_captured_and_the_process_given_back(env, tmp_path):
    root = logging.getLogger()
    handlers, level, cwd, environ = list(root.handlers), root.level, os.getcwd(), dict(os.environ)
    before = redactor.redact(f"{TEST_PASSWORD} {TEST_PHONE}")
    result = invoke_cli(["cargotech", "check"], {**env, "LOG_LEVEL": "debug"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "DEBUG" in result.stderr and "HTTP Request: POST" in result.stderr  # the logs of the command
    assert TEST_PASSWORD not in result.stderr  # ... redacted by the secrets the command registered itself
    assert (list(root.handlers), root.level, os.getcwd(), dict(os.environ)) == (handlers, level, cwd, environ)
    assert redactor.redact(f"{TEST_PASSWORD} {TEST_PHONE}") == before


async def test_from_a_running_event_loop_it_goes_through_a_thread(env, tmp_path):
    with pytest.raises(RuntimeError, match="asyncio.to_thread"):
        invoke_cli(["db", "migrate"], env, tmp_path)
    result = await asyncio.to_thread(invoke_cli, ["db", "migrate"], env, tmp_path)
    assert result.returncode == 0 and "Applied" in result.stdout


def test_tables_are_as_wide_as_the_environment_says(env, tmp_path, monkeypatch):
    from cargotool.cli.runtime import console

    def widest(text: str) -> int:
        return max(len(line) for line in text.splitlines())

    monkeypatch.setattr(console, "width", 60)  # as the consoles are when this process started with COLUMNS=60
    in_process = invoke_cli(["cargos", "list", "--limit", "3"], env, tmp_path)
    process = run_cli(["cargos", "list", "--limit", "3"], env, tmp_path)
    assert widest(in_process.stdout) == widest(process.stdout) > 60  # cli_env's COLUMNS=200, as a process has it
    assert console.width == 60
