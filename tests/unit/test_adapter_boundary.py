"""Features, the server and the CLI speak loads (core/loads); only the composition root (bootstrap.py and its
builders in cargotool/wiring) builds the CargoTech adapter. `cli/cargotech.py` (`cargotool cargotech probe/token`) is the operator's view of the adapter itself."""

from __future__ import annotations

import ast
from pathlib import Path

import cargotool

PACKAGE = Path(cargotool.__file__).parent
ADAPTER = "cargotool.core.cargotech"
ALLOWED: set[str] = set()
ROOT = "cargotool.wiring"  # the composition root's builders


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every module a file imports, relative imports resolved (`from .x import y` may import module x.y)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def adapter_importers(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → what it imports of the adapter, for every module that may not."""
    offenders = {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        if name in (ADAPTER, ROOT) or name.startswith((ADAPTER + ".", ROOT + ".")) or name in ALLOWED:
            continue
        hits = {m for m in imported_modules(path, root) if m == ADAPTER or m.startswith(ADAPTER + ".")}
        if hits:
            offenders[name] = hits
    return offenders


def test_nothing_outside_the_adapter_and_the_composition_root_imports_cargotech():
    """Neither the load (`Cargo`, the client) nor the query (`to_params`, CargoTech's query module)."""
    assert adapter_importers() == {}


def test_the_check_sees_relative_imports():
    imports = imported_modules(PACKAGE / "wiring" / "cargotech.py", PACKAGE)  # the one module that builds the adapter
    assert f"{ADAPTER}.marketplace" in imports and f"{ADAPTER}.marketplace.CargoTechMarketplace" in imports


def test_the_walk_sees_relative_and_absolute_imports(tmp_path):
    package = tmp_path / "cargotool"
    (package / "core" / "cargo").mkdir(parents=True)
    (package / "core" / "cargo" / "a.py").write_text("from ..cargotech.models import Cargo\n")
    (package / "core" / "cargo" / "b.py").write_text("from ..loads import Load\nimport cargotool.core.cargotech\n")
    (package / "core" / "c.py").write_text("from . import cargotech\n")
    (package / "wiring").mkdir()
    (package / "wiring" / "cargotech.py").write_text("from ..core.cargotech import CargoTechClient\n")  # the root may
    (package / "bootstrap.py").write_text("from .core.cargotech import CargoTechClient\n")
    assert adapter_importers(package) == {
        "cargotool.bootstrap": {"cargotool.core.cargotech", "cargotool.core.cargotech.CargoTechClient"},
        "cargotool.core.cargo.a": {"cargotool.core.cargotech.models", "cargotool.core.cargotech.models.Cargo"},
        "cargotool.core.cargo.b": {"cargotool.core.cargotech"},
        "cargotool.core.c": {"cargotool.core.cargotech"},
    }
