"""A driver whose connection closes before the answer (a tunnel, a closed Mini App) is not a server
error: /metrics counts it under status 499 (nginx's "client closed request"), not 500, and one line is
logged. Real `cargotool serve`; the stand-in CargoTech holds its answer until the client has gone, so
the request is certainly in flight when the socket closes (no sleeps as timing)."""

from __future__ import annotations

import re
import socket
import threading
import time

import httpx

from tests.integration.test_live_server import live_server, token

DEADLINE = 60


def http_requests(url: str, route: str) -> dict[str, float]:
    """status → count of cargotool_http_request_duration_seconds for `route`, from /metrics."""
    answer = httpx.get(url + "/metrics", timeout=10)
    assert answer.status_code == 200, answer.text[:300]
    text = answer.text
    found: dict[str, float] = {}
    for match in re.finditer(r'^cargotool_http_request_duration_seconds_count\{([^}]*)\} (\S+)$', text, re.M):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if labels.get("route") == route:
            found[labels["status"]] = found.get(labels["status"], 0) + float(match.group(2))
    return found


def test_a_client_that_hangs_up_before_the_answer_is_a_499_not_a_500(tmp_path):
    # CargoTech's answer may take as long as the test needs: no read timeout, retry or open circuit meanwhile
    with live_server(tmp_path, CARGOTECH_READ_TIMEOUT="300", CARGOTECH_RETRY_DEADLINE="300") as server:
        url, standin = server["url"], server["standin"]
        session = token(url)
        held: list[threading.Event] = []  # one per list call that reached CargoTech, set to let it answer
        plain_delay = standin.delay_for

        def hold_lists(path: str) -> float:
            if path == "/v2/cargos/views":
                gate = threading.Event()
                held.append(gate)
                gate.wait(DEADLINE)
            return plain_delay(path)

        standin.delay_for = hold_lists
        hung_up = 3
        try:
            for n in range(hung_up):
                sock = socket.create_connection(("127.0.0.1", server["port"]), timeout=10)
                sock.sendall(f"GET /api/cargos?from={n + 1} HTTP/1.1\r\nHost: x\r\n"
                             f"Authorization: Bearer {session}\r\n\r\n".encode())
                wait_until(lambda n=n: len(held) == n + 1, "the request reached CargoTech")
                sock.close()  # the driver is gone before the answer
                wait_until(lambda n=n: http_requests(url, "/api/cargos").get("499", 0) == n + 1, "a 499 is counted")
        finally:
            standin.delay_for = plain_delay
            for gate in held:
                gate.set()
        counts = http_requests(url, "/api/cargos")
        assert counts == {"499": hung_up}, counts
        answered = httpx.get(url + "/api/cargos?from=1", headers={"Authorization": f"Bearer {session}"}, timeout=30)
        assert answered.status_code == 200
        wait_until(lambda: http_requests(url, "/api/cargos").get("200") == 1, "the answer is counted")
        assert http_requests(url, "/api/cargos") == {"499": hung_up, "200": 1}
        log = server["log"].read_text()
        assert log.count("client closed the connection before the answer (499): GET /api/cargos") == hung_up
        assert "Traceback" not in log


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"not within {DEADLINE} s: {what}"
        time.sleep(0.05)
