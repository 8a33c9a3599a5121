"""Run the `cargotool` CLI against a stand-in CargoTech served on loopback: as a real process (`run_cli`,
`start_cli`), or in the test's own process (`invoke_cli`), which spares a second of imports per command."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from cargotool.cli.main import main
from cargotool.cli.runtime import console, err_console
from cargotool.core.redaction import redactor
from tests.conftest import environ_for_tests


def cli_env(tmp_path: Path, prefix: str, base_url: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGOTECH_", "REDIS_", "DATABASE_", "LOG_"))}
    env.update(environ_for_tests(tmp_path, prefix, CARGOTECH_BASE_URL=base_url, **overrides))
    env["COLUMNS"] = "200"
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cargotool", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def start_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cargotool", *args], env=env, cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@dataclass(frozen=True)
class CliResult:
    """What `invoke_cli` saw; the attributes of the `subprocess.CompletedProcess` that `run_cli` returns."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def invoke_cli(args: list[str], env: Mapping[str, str], cwd: Path) -> CliResult:
    """`run_cli`, but `cli.main.main` runs in this process: with exactly `env` as the environment, `cwd` as
    the working directory, stdout and stderr captured (the rich consoles write to `sys.stdout`/`sys.stderr`
    as they are at print time, and `main` points the log handler at `sys.stderr`, so the log lines a process
    would print are in `stderr` too). Everything is given back afterwards.

    Commands call `asyncio.run`: from an async test, call this through `asyncio.to_thread`. Not for commands
    that serve or loop until stopped, nor next to a test's own `Services` (a command binds the database
    models to its own database), nor where the process boundary is what a test checks."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("invoke_cli runs asyncio.run: call it through asyncio.to_thread from an async test")
    out, err = io.StringIO(), io.StringIO()
    with (_as_a_fresh_process(env, cwd), _knowing_no_secrets(), _consoles_as_wide_as(env.get("COLUMNS")),
          contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)):
        code = main(list(args))
    return CliResult(list(args), int(code), out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _as_a_fresh_process(env: Mapping[str, str], cwd: Path) -> Iterator[None]:
    """The environment, working directory and root logger a new `cargotool` process would start with."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


@contextlib.contextmanager
def _knowing_no_secrets() -> Iterator[None]:
    """The redactor as a new process has it: empty. Secrets registered by earlier tests in this process
    would otherwise hide a command that forgot to register its own (the leak tests look for that)."""
    saved = redactor._literals, redactor._patterns
    redactor._literals, redactor._patterns = set(), []
    try:
        yield
    finally:
        redactor._literals, redactor._patterns = saved


@contextlib.contextmanager
def _consoles_as_wide_as(columns: str | None) -> Iterator[None]:
    """The width the CLI's consoles take from COLUMNS when a process imports them (rich reads it once, at
    construction; xdist workers have COLUMNS=80), so tables wrap as they would in the process."""
    saved = [(c, c._width) for c in (console, err_console)]
    for each, _ in saved:
        each._width = int(columns) if columns and columns.isdigit() else None
    try:
        yield
    finally:
        for each, width in saved:
            each._width = width
