"""No function in cargotool/ is longer than 60 lines (issue 20): a longer one is doing more than one thing.

`ALLOWED` lists the exceptions, each with why; keep it empty where you can.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "cargotool"
MAX_LINES = 60
# "path/inside/cargotool.py:function" → why it may be longer.
ALLOWED: dict[str, str] = {}


def long_functions() -> dict[str, int]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                length = node.end_lineno - first + 1
                if length > MAX_LINES:
                    found[f"{path.relative_to(PACKAGE).as_posix()}:{node.name}"] = length
    return found


def test_no_function_is_longer_than_60_lines():
    too_long = {name: length for name, length in long_functions().items() if name not in ALLOWED}
    assert not too_long, f"functions over {MAX_LINES} lines (split them): {too_long}"


def test_the_allow_list_names_only_functions_still_too_long():
    stale = set(ALLOWED) - set(long_functions())
    assert not stale, f"no longer over {MAX_LINES} lines, remove from ALLOWED: {stale}"
