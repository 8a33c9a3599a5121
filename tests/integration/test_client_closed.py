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
    text = httpx.get(url + "/metrics", timeout=10).text
    found: dict[str, float] = {}
    for match in re.finditer(r'^cargotool_http_request_duration_seconds_count\{([^}]*)\} (\S+)$', text, re.M):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if labels.get("route") == route:
            found[labels["status"]] = found.get(labels["status"], 0) + float(match.group(2))
    return found


def test_a_client_that_hangs_up_before_the_answer_is_a_499_not_a_500(tmp_path):
    with live_server(tmp_path) as server:
        url, standin = server["url"], server["standin"]
        session = token(url)
        asked, release = threading.Event(), threading.Event()
        plain_delay = standin.delay_for

        def hold_lists(path: str) -> float:
            if path == "/v2/cargos/views" and not release.is_set():
                asked.set()
                release.wait(DEADLINE)  # the answer waits until the client has hung up
            return plain_delay(path)

        standin.delay_for = hold_lists
        try:
            hung_up = 3
            for n in range(hung_up):
                asked.clear()
                sock = socket.create_connection(("127.0.0.1", server["port"]), timeout=10)
                sock.sendall(f"GET /api/cargos?from={n + 1}&from_radius=7{n} HTTP/1.1\r\nHost: x\r\n"
                             f"Authorization: Bearer {session}\r\n\r\n".encode())
                assert asked.wait(DEADLINE), "the request reached CargoTech"
                sock.close()  # the driver is gone before the answer
                deadline = time.monotonic() + DEADLINE
                while http_requests(url, "/api/cargos").get("499", 0) < n + 1 and time.monotonic() < deadline:
                    time.sleep(0.1)
        finally:
            release.set()
            standin.delay_for = plain_delay
        counts = http_requests(url, "/api/cargos")
        assert counts.get("499") == hung_up and "500" not in counts, counts
        answered = httpx.get(url + "/api/cargos?from=1", headers={"Authorization": f"Bearer {session}"}, timeout=30)
        assert answered.status_code == 200
        deadline = time.monotonic() + DEADLINE
        while http_requests(url, "/api/cargos").get("200", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert http_requests(url, "/api/cargos") == {"499": hung_up, "200": 1}
        log = server["log"].read_text()
        assert log.count("client closed the connection before the answer") == hung_up
        assert "Traceback" not in log
