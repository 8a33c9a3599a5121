"""The Mini App's modules (webapp/js/) form no import cycle, counting the dynamic `import()` of the second
script too: a screen reaches the list through js/nav.js (a callback the list registers), not an import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "cargotool" / "server" / "webapp" / "js"
_STATIC = re.compile(r"""^\s*import\b[^;]*?\bfrom\s*["']\./([\w.-]+\.js)["']""", re.M)
_DYNAMIC = re.compile(r"""\bimport\(\s*["']\./([\w.-]+\.js)["']\s*\)""")


def module_graph(root: Path = JS) -> dict[str, set[str]]:
    """Module -> the modules it imports, statically (`import … from "./x.js"`) or dynamically (`import("./x.js")`)."""
    graph = {}
    for path in sorted(root.glob("*.js")):
        source = path.read_text(encoding="utf-8")
        graph[path.name] = set(_STATIC.findall(source)) | set(_DYNAMIC.findall(source))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first == last), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        if name in path:
            return path[path.index(name):] + [name]
        if name in done:
            return None
        path.append(name)
        for dependency in sorted(graph.get(name, ())):
            cycle = visit(dependency)
            if cycle:
                return cycle
        path.pop()
        done.add(name)
        return None

    for name in sorted(graph):
        cycle = visit(name)
        if cycle:
            return cycle
    return None


def test_the_mini_apps_modules_form_no_cycle():
    graph = module_graph()
    assert "screens.js" in graph["later.js"] and "main.js" in graph  # the parser sees both kinds of import
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


@pytest.mark.parametrize("graph, cycle", [
    ({"a.js": {"b.js"}, "b.js": {"c.js"}, "c.js": set()}, None),
    ({"a.js": {"b.js"}, "b.js": {"c.js"}, "c.js": {"a.js"}}, ["a.js", "b.js", "c.js", "a.js"]),
])
def test_the_cycle_finder(graph, cycle):
    assert find_cycle(graph) == cycle


def test_both_kinds_of_import_are_read(tmp_path):
    (tmp_path / "a.js").write_text('import { x, y as z } from "./b.js";\nconst later = () => import("./c.js");\n')
    (tmp_path / "b.js").write_text("import {\n  w,\n} from './c.js';\nexport const x = 1;\n")
    (tmp_path / "c.js").write_text("export const w = 1;\n")
    assert module_graph(tmp_path) == {"a.js": {"b.js", "c.js"}, "b.js": {"c.js"}, "c.js": set()}
