"""Import direction inside `cargotool`, read from the source (AST), not from what happens to be loaded.

`core/observability` and `core/clock.py` are the bottom layer (next to `core/errors`): every package may
use them and they use no other package of the project. `core` never reads `config.py`: settings reach
core objects as constructor arguments from the composition root.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "cargotool"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every `cargotool…` module a file imports (relative imports resolved; `from x import y` counts
    both `x` and `x.y`, since y may be a module)."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "cargotool" or name.startswith("cargotool.")}


def _files(*parts: str) -> list[Path]:
    target = ROOT.joinpath(*parts)
    return [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))


def _is_module(name: str) -> bool:
    """A module or package (not a name imported from one)."""
    path = ROOT.parent / name.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").exists()


def _core_package(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:3]) if len(parts) >= 3 and parts[1] == "core" else None


@pytest.mark.parametrize("bottom", ["observability", "clock.py", "errors.py"])
def test_the_bottom_layer_imports_no_other_package_of_the_project(bottom):
    own = "cargotool.core." + bottom.removesuffix(".py")
    offenders = {f"{path.relative_to(ROOT)} imports {name}" for path in _files("core", bottom)
                 for name in imported_modules(path) if not name.startswith(own) and _is_module(name)}
    assert not offenders, sorted(offenders)


def test_core_never_imports_config():
    offenders = [str(path.relative_to(ROOT)) for path in _files("core")
                 if {"cargotool.config", "cargotool.config_parsers"} & imported_modules(path)
                 or any(name.startswith("cargotool.config.") for name in imported_modules(path))]
    assert not offenders


def test_observability_storage_and_drivers_import_one_way():
    edges = {(_core_package(_module_name(path)), _core_package(name))
             for path in _files("core") for name in imported_modules(path)}
    for low, high in [("observability", "storage"), ("observability", "drivers"), ("storage", "drivers")]:
        assert (f"cargotool.core.{low}", f"cargotool.core.{high}") not in edges, f"{low} imports {high}"


def test_the_checker_sees_relative_imports():
    assert "cargotool.core.observability.metrics" in imported_modules(ROOT / "core" / "storage" / "singleflight.py")
