"""The request-line check: its shortcut for plain lines decides exactly as the full check does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cargotool.core.errors import InvalidInput
from cargotool.server.guard import check_request_line


def _verdict(path: str, query: str) -> str | None:
    try:
        check_request_line(SimpleNamespace(path=path, query_string=query))
    except InvalidInput as exc:
        return next(iter(exc.fields))
    return None


@pytest.mark.parametrize("path, query, refused", [
    ("/api/cargos", "from=1&from_radius=50", None),  # the shortcut
    ("/api/cargos", "", None),
    ("/api/points", "q=%D0%9C%D0%BE", None),  # escaped UTF-8: the full check
    ("/api/points", "q=Мо", None),  # already decoded text
    ("/api/cargos", "mode=\x00", "query"),  # a raw NUL must not take the shortcut
    ("/api/cargos\x00", "", "path"),
    ("/api/cargos", "mode=%00", "query"),
    ("/api/cargos/1%00", "", "path"),
    ("/api/points", "q=%FF", "query"),
    ("/api/%C3%28", "", "path"),
])
def test_plain_and_hostile_request_lines(path, query, refused):
    assert _verdict(path, query) == refused
