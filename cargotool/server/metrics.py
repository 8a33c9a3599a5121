"""Request ids, request metrics and `GET /metrics` (Prometheus text format).

Every request gets an id — the caller's `X-Request-Id` when it is a sane token (a proxy's), else a new
one — that is stamped on every log line of the request, returned in `X-Request-Id` and put in error
bodies, so a driver's complaint can be traced. `/metrics` is open unless METRICS_TOKEN is set; then it
needs `Authorization: Bearer <METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import os
import re
import secrets
import time

from peewee import fn
from sanic import HTTPResponse, Request, Sanic

from ..core.drivers.sessions import SessionStore
from ..core.errors import Unauthorized
from ..core.observability import metrics
from ..core.observability.logs import install_request_ids, request_id
from ..core.observability.metrics import ACTIVE_SESSIONS, PAYMENTS, QUEUE_DEAD, QUEUE_DEPTH, GaugeSource
from ..core.storage.db import Database
from ..core.storage.models import Payment
from ..core.storage.queue import DurableQueue
from .requests import bearer, services

log = logging.getLogger(__name__)

_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
CLIENT_CLOSED = 499  # nginx's status for a request whose client closed the connection before the answer
# Hot path: an id is this process's random prefix and a counter (unique enough to find log lines, and
# cheaper than uuid4 per request); the latency is added up in this process (metrics.observe_http) with
# the label values of each (route, method, status) made once.
_PREFIX = secrets.token_hex(6)
_counter = itertools.count(1)
_labels: dict[tuple[str | None, str, int], tuple[str, str, str]] = {}
PAYMENT_STATUSES = ("new", "pending", "waiting_for_capture", "succeeded", "canceled")


def new_request_id() -> str:
    return f"{_PREFIX}{next(_counter):08x}"


def _new_prefix() -> None:
    """A forked process gets its own prefix, so ids stay unique across processes (workers are spawned
    today; this keeps it true if they are ever forked)."""
    global _PREFIX, _counter
    _PREFIX, _counter = secrets.token_hex(6), itertools.count(1)


os.register_at_fork(after_in_child=_new_prefix)


def gauge_sources(*, queues: dict[str, DurableQueue], sessions: SessionStore, database: Database) -> list[GaugeSource]:
    """The scrape-time gauges: read shared state (Redis, the database) when Prometheus asks. They live
    here, above storage, so `core.observability` stays the bottom layer that storage and drivers use."""
    async def queue_depths() -> None:
        for name, queue in queues.items():
            QUEUE_DEPTH.labels(name).set(await queue.size())
            QUEUE_DEAD.labels(name).set(await queue.dead_count())

    async def active_sessions() -> None:
        ACTIVE_SESSIONS.set(await sessions.count())

    async def payments() -> None:
        rows = await database.run(lambda: list(
            Payment.select(Payment.status, fn.COUNT(Payment.id).alias("n")).group_by(Payment.status).tuples()))
        counts = dict.fromkeys(PAYMENT_STATUSES, 0) | dict(rows)
        for status, n in counts.items():
            PAYMENTS.labels(status).set(n)

    return [queue_depths, active_sessions, payments]


def install_observability(app: Sanic) -> None:
    install_request_ids()

    @app.on_request(priority=1000)  # before everything else, so even the session check logs with the id
    async def start(request: Request) -> None:
        given = request.headers.get("x-request-id")
        rid = given if given and _SANE_ID.fullmatch(given) else new_request_id()
        request.ctx.request_id = rid
        request.ctx.started = time.perf_counter()
        request_id.set(rid)

    @app.on_response(priority=1000)
    async def finish(request: Request, response: HTTPResponse) -> None:
        rid = getattr(request.ctx, "request_id", None)
        if rid is None:
            return
        response.headers["X-Request-Id"] = rid
        route = request.route.path if request.route is not None else None
        status = response.status
        if request.conn_info is not None and request.conn_info.lost:
            # The client hung up before the answer (Sanic cancelled the handler and made a 500 nobody
            # receives): not a server error. Counted as nginx's 499 "client closed request".
            status = CLIENT_CLOSED
            log.info("client closed the connection before the answer (499): %s %s after %.2f s",
                     request.method, request.path, time.perf_counter() - request.ctx.started)
        key = (route, request.method, status)
        labels = _labels.get(key)
        if labels is None:
            labels = _labels[key] = ("/" + route if route is not None else "unmatched", request.method, str(status))
        metrics.observe_http(*labels, time.perf_counter() - request.ctx.started)
        # The id stays set until the next request on this connection sets its own: Sanic's access log
        # line is written after this middleware and should carry it too.

    @app.get("/metrics", name="metrics")
    async def scrape(request: Request) -> HTTPResponse:
        token = app.ctx.settings.metrics_token
        if token and not hmac.compare_digest((bearer(request) or "").encode(), token.encode()):
            raise Unauthorized("/metrics needs Authorization: Bearer <METRICS_TOKEN>")
        svc = services(request)
        await metrics.refresh_gauges(gauge_sources(
            queues={"outbox": svc.outbox.queue, "bot:updates": svc.updates.queue},
            sessions=svc.auth.sessions, database=svc.database),
            circuits=svc.circuits)
        return HTTPResponse(metrics.render(), content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    @app.after_server_stop
    async def forget_this_worker(app: Sanic) -> None:
        metrics.mark_process_dead(os.getpid())
