"""Every Prometheus metric of cargotool, in one place, so other modules import and count.

Multiprocess: when PROMETHEUS_MULTIPROC_DIR is set before this module is imported (`serve --workers N`
sets it for its workers and empties it at start-up), values live in files in that directory and
`render()` adds up every worker's. Otherwise they live in this process.

Counters and histograms are counted where things happen (`count_*` helpers keep the labels bounded).
Gauges that describe shared state (queue depths, sessions, payments, the circuit) are read at scrape
time by `refresh_gauges`, so nothing polls in the background.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import re
import time
from bisect import bisect_left
from typing import Any, Awaitable, Callable, Mapping

import httpx
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

log = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))  # decided at import, as prometheus_client does
if MULTIPROCESS:  # the library writes a file per metric as soon as one is made (below): the directory must exist
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# ---- HTTP -------------------------------------------------------------------------------------------
HTTP_LATENCY = Histogram("cargotool_http_request_duration_seconds", "Time to answer an HTTP request.",
                         ["route", "method", "status"], buckets=_FAST)

# ---- CargoTech --------------------------------------------------------------------------------------
CARGOTECH_CALLS = Counter("cargotool_cargotech_requests_total", "HTTP calls to CargoTech (each attempt).",
                          ["endpoint", "outcome"])
CARGOTECH_LATENCY = Histogram("cargotool_cargotech_request_duration_seconds", "Time of one call to CargoTech.",
                              ["endpoint"], buckets=_FAST)
LOGINS = Counter("cargotool_logins_total", "Logins: the server's to CargoTech, drivers' to the Mini App.",
                 ["kind", "outcome"])
PAYLOAD_ISSUES = Counter("cargotool_cargotech_payload_issues_total",
                         "CargoTech payloads that failed to parse or carried fields our models do not know.",
                         ["payload", "issue"])
CIRCUIT_STATE = Gauge("cargotool_circuit_state", "Circuit breaker towards CargoTech: 0 closed, 1 half-open, 2 open.",
                      ["circuit"], multiprocess_mode="livemax")

# ---- cache and single flight ------------------------------------------------------------------------
CACHE = Counter("cargotool_cache_requests_total", "Shared cache look-ups: hit, miss (fetched), stale (served old).",
                ["kind", "result"])
SINGLE_FLIGHT_WAITS = Counter("cargotool_single_flight_waits_total",
                              "Callers that waited for another's fetch instead of fetching: in this process, or "
                              "for another process's lock.", ["scope"])

# ---- queues, alerts, money, sessions ----------------------------------------------------------------
QUEUE_DEPTH = Gauge("cargotool_queue_depth", "Items waiting in a durable queue (outbox, bot:updates).",
                    ["queue"], multiprocess_mode="livemostrecent")
QUEUE_DEAD = Gauge("cargotool_queue_dead_letters", "Items a queue gave up on (kept for an operator).",
                   ["queue"], multiprocess_mode="livemostrecent")
ALERTS = Counter("cargotool_alerts_total", "Load alerts to drivers: sent, held (quiet hours, limits), deduplicated.",
                 ["outcome"])
LIST_HIDDEN = Counter("cargotool_list_hidden_total",
                      "Loads our own list filters left out of a driver's list (meta.hidden_*), once per list (its "
                      "first page).", ["filter"])
PAYMENTS = Gauge("cargotool_payments", "Payments by status.", ["status"], multiprocess_mode="livemostrecent")
ACTIVE_SESSIONS = Gauge("cargotool_active_sessions", "Driver sessions alive in Redis.",
                        multiprocess_mode="livemostrecent")

# ---- helpers ----------------------------------------------------------------------------------------
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


def endpoint_of(path: str) -> str:
    """`/v1/carrier/cargos/6236980000` → `/v1/carrier/cargos/{id}`: one label per endpoint, not per load."""
    return _ID_SEGMENT.sub("/{id}", path)


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    return {401: "unauthorized", 404: "not_found", 429: "rate_limited"}.get(status, "client_error" if status < 500 else "server_error")


# ---- the hot path: counted in this process, added to the Prometheus values by `flush()` ----------------
# In multiprocess mode every inc/observe of a labelled child takes a lock, checks the pid and writes a
# memory-mapped file; a warm list request did three of them (~7 % of its CPU). The request latency and
# the cache look-ups are instead added up in plain dicts and written in one go by `flush()`: at most
# FLUSH_SECONDS after the first count (a timer on the running loop), before every `render()` and when a
# worker stops. Another worker's scrape may therefore show them up to FLUSH_SECONDS late.
FLUSH_SECONDS = 1.0
_pending_cache: dict[tuple[str, str], int] = {}
_pending_latency: dict[tuple[str, str, str], list] = {}  # [sum, count per bucket (the last is +Inf)]
_timer_loop: asyncio.AbstractEventLoop | None = None


def count_cache(kind: str, result: str) -> None:
    """On the hot path (every cached answer)."""
    key = (kind, result)
    _pending_cache[key] = _pending_cache.get(key, 0) + 1
    if _timer_loop is None:
        _arm()


def observe_http(route: str, method: str, status: str, seconds: float) -> None:
    """One answered request (HTTP_LATENCY), on the hot path."""
    key = (route, method, status)
    entry = _pending_latency.get(key)
    if entry is None:
        entry = _pending_latency[key] = [0.0] + [0] * (len(_FAST) + 1)
    entry[0] += seconds
    entry[1 + bisect_left(_FAST, seconds)] += 1  # Prometheus buckets are "≤ bound"
    if _timer_loop is None:
        _arm()


def _arm() -> None:
    global _timer_loop
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no loop (a script, a sync test): count at once
        flush()
        return
    _timer_loop = loop
    loop.call_later(FLUSH_SECONDS, _timed_flush)


def _timed_flush() -> None:
    global _timer_loop
    _timer_loop = None
    flush()


def flush() -> None:
    """Write the counts kept in this process into the Prometheus values."""
    global _pending_cache, _pending_latency, _timer_loop
    if _timer_loop is not None and _timer_loop.is_closed():
        _timer_loop = None  # its timer will never fire (a test's loop): the next count arms a new one
    cache, _pending_cache = _pending_cache, {}
    latency, _pending_latency = _pending_latency, {}
    for (kind, result), n in cache.items():
        CACHE.labels(kind, result).inc(n)
    for labels, entry in latency.items():
        child = HTTP_LATENCY.labels(*labels)
        # Histogram.observe takes one value; the child's sum and bucket values take the added-up counts
        # (tests/unit/test_observability.py checks the result equals observing one by one).
        child._sum.inc(entry[0])
        for bucket, n in zip(child._buckets, entry[1:], strict=True):
            if n:
                bucket.inc(n)


def count_login(kind: str, outcome: str) -> None:
    LOGINS.labels(kind, outcome).inc()


def count_alert(outcome: str, n: int = 1) -> None:
    """For the alerts module: `sent`, `held` or `deduplicated`."""
    if n:
        ALERTS.labels(outcome).inc(n)


def count_list_hidden(hidden: Mapping[str, object]) -> None:
    """A list's `meta.hidden_*` counts (`hidden_unreachable` → filter `unreachable`); other keys are ignored."""
    for key, n in hidden.items():
        if key.startswith("hidden_") and isinstance(n, int) and not isinstance(n, bool) and n > 0:
            LIST_HIDDEN.labels(key.removeprefix("hidden_")).inc(n)


def count_payload_issue(payload: str, issue: str) -> None:
    PAYLOAD_ISSUES.labels(payload, issue).inc()


class MeasuredTransport(httpx.AsyncBaseTransport):
    """Wraps the CargoTech client's transport: times every attempt and counts its outcome."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        endpoint = endpoint_of(request.url.path)
        started = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TimeoutException:
            CARGOTECH_CALLS.labels(endpoint, "timeout").inc()
            raise
        except httpx.TransportError:
            CARGOTECH_CALLS.labels(endpoint, "connect_error").inc()
            raise
        finally:
            CARGOTECH_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        CARGOTECH_CALLS.labels(endpoint, outcome_of(response.status_code)).inc()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


# Circuit breakers are read at scrape time: a reader returns "closed" | "half_open" | "open" (or an
# awaitable of it). The server passes `Services.circuits` (the composition root lists the breakers).
_CIRCUIT_VALUES = {"closed": 0, "half_open": 1, "half-open": 1, "open": 2}
CircuitReader = Callable[[], Any]


GaugeSource = Callable[[], Awaitable[None]]


async def refresh_gauges(sources: list[GaugeSource], circuits: Mapping[str, CircuitReader] | None = None) -> None:
    """Set the scrape-time gauges; a failing source leaves its old value and is logged, never fatal."""
    for name, read_state in (circuits or {}).items():
        try:
            state = read_state()
            if inspect.isawaitable(state):
                state = await state
            CIRCUIT_STATE.labels(name).set(_CIRCUIT_VALUES.get(str(state), 2))
        except Exception as exc:
            log.warning("metrics: cannot read circuit %s (%s)", name, type(exc).__name__)
    for source in sources:
        try:
            await source()
        except Exception as exc:
            log.warning("metrics: a gauge source failed (%s)", type(exc).__name__)


def render() -> bytes:
    """The Prometheus text format of this process, or of every worker in multiprocess mode."""
    flush()
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(DEFAULT_REGISTRY)


_PROMETHEUS_FILE = re.compile(r"(counter|histogram|summary|gauge_[a-z]+)_\d+\.db")


def prepare_multiprocess_dir(path: str) -> None:
    """Empty the directory of a previous run's files (their counts would be added to this run's)."""
    os.makedirs(path, exist_ok=True)
    mine = f"_{os.getpid()}.db"  # this process may have opened its own files already (label-less gauges)
    for name in os.listdir(path):
        # Only prometheus_client's own files (`counter_123.db`, `gauge_livesum_123.db`, ...): a directory
        # shared by mistake keeps everything else.
        if _PROMETHEUS_FILE.fullmatch(name) and not name.endswith(mine):
            os.remove(os.path.join(path, name))


def mark_process_dead(pid: int) -> None:
    """A worker stopped: write what it still holds, drop its live gauges (counters stay, as Prometheus expects)."""
    flush()
    if MULTIPROCESS:
        multiprocess.mark_process_dead(pid)
