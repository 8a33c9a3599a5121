"""Requests that are not HTTP/1.1 as RFC 9112 writes it, sent over a raw socket to `cargotool serve`: a 400
with a JSON body and `Connection: close`, one short warning line (rate-limited), never a traceback, and a
request smuggled behind `Transfer-Encoding : chunked` is never answered."""

from __future__ import annotations

import json
import logging
import socket

import pytest

from cargotool.server.wire import BadHeaderLine, RateLimitedLine, check_header_lines
from tests.integration.test_live_server import live_server

REFUSED = "refused an unreadable request"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("wire")) as running:
        yield running


def exchange(port: int, data: bytes) -> bytes:
    """Send the bytes, then read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def answers(received: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Every HTTP answer in what came back (status, headers, body)."""
    found = []
    while received:
        head, _, rest = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        found.append((int(lines[0].split()[1]), headers, rest[:length]))
        received = rest[length:]
    return found


def refusal_lines(server) -> list[str]:
    return [line for line in server["log"].read_text().splitlines() if REFUSED in line]


@pytest.mark.parametrize("request_line", [
    b"GET /api/cargos\x00x HTTP/1.1",
    b"GET /api/cargos\rx HTTP/1.1",
    b"GET /api/cargos\tx HTTP/1.1",
    b"CONNECT example.com:443 HTTP/1.1",
], ids=["nul", "cr", "tab", "connect"])
def test_an_unreadable_request_line_is_a_400_and_one_short_line(server, request_line):
    before = len(refusal_lines(server))
    received = exchange(server["port"], request_line + b"\r\nHost: example.com\r\n\r\n")
    [(status, headers, body)] = answers(received)
    assert status == 400 and headers["connection"] == "close"
    assert json.loads(body)["error"]["code"] == "bad_request"
    log = server["log"].read_text()
    assert "Traceback" not in log and "connection_task uncaught" not in log
    lines = refusal_lines(server)
    assert len(lines) <= before + 1  # one line at most (another worker's, or none while rate-limited)
    assert all(len(line) < 300 and "WARNING" in line for line in lines)


def test_a_burst_of_unreadable_requests_logs_a_few_lines(server):
    """50 requests of 40 bytes: each answered, and a line per worker per minute instead of 50 tracebacks."""
    before = len(refusal_lines(server))
    for _ in range(50):
        [(status, _, _)] = answers(exchange(server["port"], b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n"))
        assert status == 400
    logged = len(refusal_lines(server)) - before
    assert logged <= 4, refusal_lines(server)
    assert "Traceback" not in server["log"].read_text()


def test_whitespace_before_a_header_colon_is_refused_and_nothing_is_smuggled(server):
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    chunk = f"{len(smuggled):x}\r\n".encode() + smuggled + b"\r\n0\r\n\r\n"
    request = (b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding : chunked\r\n\r\n" + chunk + smuggled)
    replies = answers(exchange(server["port"], request))
    assert [status for status, _, _ in replies] == [400]  # the smuggled /healthz gets no answer
    assert replies[0][1]["connection"] == "close"


def test_a_header_value_with_a_colon_after_a_space_is_fine(server):
    received = exchange(server["port"], b"GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: probe :1\r\n"
                                        b"Connection: close\r\n\r\n")
    assert [status for status, _, _ in answers(received)] == [200]


@pytest.mark.parametrize("head", [b"GET / HTTP/1.1\r\nHost : x", b"GET / HTTP/1.1\r\nHost\t: x",
                                  b"GET / HTTP/1.1\r\nA: b\r\nContent-Length  : 5"])
def test_header_names_followed_by_whitespace_are_refused(head):
    with pytest.raises(BadHeaderLine):
        check_header_lines(head)


def test_colons_in_values_and_the_request_line_are_fine():
    check_header_lines(b"GET /a :b HTTP/1.1\r\nHost: x\r\nUser-Agent: a :b\r\nX-T: \t:")


def test_the_rate_limited_line_counts_what_it_held_back(caplog):
    now = [1000.0]
    line = RateLimitedLine(logging.getLogger("test.wire"), interval=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="test.wire"):
        logged = [line.warning("refused %s", n) for n in range(50)]
        now[0] += 59
        logged.append(line.warning("refused late"))
        now[0] += 1
        logged.append(line.warning("refused again"))
    assert logged.count(True) == 2 and logged[0] and logged[-1]
    assert [r.getMessage() for r in caplog.records] == [
        "refused 0", "refused again (and 50 more like it not logged in the last 60 s)"]
