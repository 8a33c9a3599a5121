"""The stand-in as a real HTTP server on loopback (a thread per connection, HTTP/1.1 keep-alive)."""

from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from typing import Protocol

from .logic import Reply


class StandIn(Protocol):
    def delay_for(self, path: str) -> float: ...

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply: ...


def _handler_for(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            delay = standin.delay_for(path)
            if delay:
                time.sleep(delay)
            reply = standin.handle(self.command, path, query, dict(self.headers.items()), body)
            payload = reply.encoded()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args) -> None:  # quiet: tests and benches read stdout
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # the benchmark opens many connections at once

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up (a killed worker, a timeout): nothing worth a traceback
        super().handle_error(request, client_address)


class StandInServer:
    """Runs a stand-in (CargoTech's or the Bot API's) on 127.0.0.1 in a background thread:
    `with StandInServer(standin) as url: ...`."""

    def __init__(self, standin: StandIn, host: str = "127.0.0.1", port: int = 0) -> None:
        self.standin = standin
        self._server = _Server((host, port), _handler_for(standin))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, name="cargotech-standin", daemon=True)
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
