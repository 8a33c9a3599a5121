"""The composition root (bootstrap.py + wiring/) only wires: it never changes an object after building it,
and nothing else imports the builders."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "cargotool"
ROOT = [PACKAGE / "bootstrap.py", *sorted((PACKAGE / "wiring").glob("*.py"))]
PATCHING_ALLOWED: set[str] = set()  # files that may still patch; keep it empty
MUTATORS = {"add", "append", "extend", "update", "setdefault", "register"}


def patches(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        found += [ast.unparse(t) for t in targets if isinstance(t, (ast.Attribute, ast.Subscript))]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS
                and isinstance(node.func.value, (ast.Attribute, ast.Subscript))):
            found.append(ast.unparse(node.func))
    return found


def test_no_object_is_changed_after_it_is_built():
    for path in ROOT:
        name = path.relative_to(PACKAGE).as_posix()
        if name not in PATCHING_ALLOWED:
            assert patches(ast.parse(path.read_text(encoding="utf-8"))) == [], name


def test_the_check_sees_a_patch():
    assert patches(ast.parse("insights.list_page = cargos.list\nhandlers.callbacks['wt'] = f\n"
                             "insights.positions.add(x)\nhandlers.hooks += [y]\n")) == [
        "insights.list_page", "handlers.callbacks['wt']", "handlers.hooks", "insights.positions.add"]


def test_only_the_composition_root_imports_the_builders():
    importers = []
    for path in PACKAGE.rglob("*.py"):
        if path in ROOT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and "wiring" in (node.module or "").split("."):
                importers.append(path.relative_to(PACKAGE).as_posix())
    assert importers == []
