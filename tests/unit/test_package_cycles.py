"""No two packages of `cargotool/core` import each other, directly or round a longer loop.

A package is `core.<name>` (a top-level module such as `core/audit.py` counts as one too). Every import
counts, function-level ones included: moving an import into a function does not remove the dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "cargotool" / "core"

# Known, and being removed by the hygiene stream of issue 20 (gauges move to the server's metrics, the
# token bucket to storage); the integrator drops this allow-list once that stream is merged.
KNOWN_CYCLES = [{"audit", "drivers", "observability", "storage"}]


def _target(parts: list[str], node: ast.ImportFrom, alias: ast.alias) -> list[str]:
    if node.level:
        base = parts[:len(parts) - node.level + 1]
        module = base + (node.module.split(".") if node.module else [])
    else:
        module = (node.module or "").split(".")
    return module + [alias.name] if module == ["cargotool", "core"] else module


def imports() -> dict[str, set[str]]:
    """package → the other core packages it imports."""
    graph: dict[str, set[str]] = {}
    for path in CORE.rglob("*.py"):
        module = ["cargotool", "core", *path.relative_to(CORE).with_suffix("").parts]
        package_parts = module[:-1]  # what a relative import starts from (an __init__'s own package too)
        if module[2] == "__init__":
            continue
        source = module[2]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                targets = [_target(package_parts, node, alias) for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name.split(".") for alias in node.names]
            else:
                continue
            graph.setdefault(source, set()).update(
                t[2] for t in targets if t[:2] == ["cargotool", "core"] and len(t) > 2 and t[2] != source)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one package."""
    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reach = {name: reachable(name) for name in set(graph) | {n for targets in graph.values() for n in targets}}
    groups: list[set[str]] = []
    for name in sorted(reach):
        group = {name} | {other for other in reach[name] if name in reach[other]}
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def test_the_walk_sees_relative_and_absolute_imports():
    graph = imports()
    assert "storage" in graph["messaging"]  # `from ..storage.queue import …` in messaging/outbox.py
    assert "messaging" in graph["alerts"] and "bot" not in graph["alerts"]


def test_cycles_finds_a_loop_of_three():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_no_package_cycle_in_core():
    unknown = [group for group in cycles(imports()) if group not in KNOWN_CYCLES]
    assert unknown == [], f"packages importing each other: {unknown}"


@pytest.mark.xfail(reason="the observability/storage/drivers cycle: the hygiene stream removes it", strict=False)
def test_no_known_cycle_left():
    assert cycles(imports()) == []
