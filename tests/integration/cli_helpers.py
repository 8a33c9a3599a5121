"""Run the real `cargotool` CLI in a subprocess against a stand-in CargoTech served on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
