"""Features ask for loads in the product's words (core/loads): CargoTech's spelling of a query stays in
its adapter; only the composition root wires it in. (This covers the query module; the load side is
checked where the features moved to `Load`.)"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "cargotool"
ADAPTER = "cargotool.core.cargotech"
QUERY = f"{ADAPTER}.query"
ALLOWED = {"cargotool.bootstrap"}
ROOT = "cargotool.wiring"  # the composition root's builders


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved, `from x import y` counted as x.y too."""
    package = _module(path).split(".") if path.name == "__init__.py" else _module(path).split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else node.module or ""
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_only_the_adapter_and_the_composition_root_spell_queries_the_cargotech_way():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        if module.startswith((ADAPTER, ROOT)) or module in ALLOWED:
            continue
        if any(name == QUERY or name.startswith(QUERY + ".") or name == f"{ADAPTER}.to_params" for name in _imports(path)):
            offenders.append(module)
    assert offenders == []


def test_the_check_sees_relative_imports():
    imports = _imports(PACKAGE / "wiring" / "alerts.py")
    assert QUERY in imports and f"{QUERY}.search_key" in imports
