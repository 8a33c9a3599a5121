"""requirements.lock (what `make` installs) pins every dependency pyproject.toml names — runtime, dev and the
build backend — at a version its specifier allows, and requirements-runtime.lock (what the Docker image
installs) pins the runtime ones: a dependency changed in pyproject.toml without `make lock` fails here."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _key(name: str) -> str:
    return name.lower().replace("_", "-")


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.partition("==")
            pins[_key(name.strip())] = version.strip()
    return pins


RUNTIME = PROJECT["project"]["dependencies"]
DEV = PROJECT["project"]["optional-dependencies"]["dev"] + PROJECT["build-system"]["requires"]


@pytest.mark.parametrize("lock, requirements", [("requirements.lock", RUNTIME + DEV),
                                                ("requirements-runtime.lock", RUNTIME)])
def test_every_dependency_is_pinned_at_an_allowed_version(lock, requirements):
    pins = _pins(lock)
    for text in requirements:
        requirement = Requirement(text)
        pinned = pins.get(_key(requirement.name))
        assert pinned, f"{requirement.name} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pinned, prereleases=True), \
            f"{lock} pins {requirement.name}=={pinned}, outside {requirement.specifier}: run `make lock`"
