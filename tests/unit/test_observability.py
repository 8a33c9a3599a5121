"""Log formats with request ids and redaction; metrics added up across worker processes."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

from cargotool.core.observability.logs import JsonFormatter, TextFormatter, install_request_ids, request_id
from cargotool.core.observability.metrics import endpoint_of, outcome_of
from cargotool.core.redaction import install_log_redaction, redactor


def _log_through(formatter: logging.Formatter, message: str, *args) -> str:
    install_log_redaction()
    install_request_ids()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("cargotool.test.observability")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_json_lines_are_one_object_with_the_request_id_and_no_secret():
    redactor.add_secret("s3cr3t-token-value-xyz")
    marker = request_id.set("req-42")
    try:
        out = _log_through(JsonFormatter(), "login with %s\nsecond line", "s3cr3t-token-value-xyz")
    finally:
        request_id.reset(marker)
    assert out.count("\n") == 1  # one line, even for a multi-line message
    entry = json.loads(out)
    assert entry["level"] == "WARNING" and entry["logger"] == "cargotool.test.observability"
    assert entry["request_id"] == "req-42" and entry["time"].endswith("+00:00")
    assert "s3cr3t-token-value-xyz" not in out and "second line" in entry["message"]


def test_text_lines_carry_the_request_id_only_inside_a_request():
    marker = request_id.set("req-7")
    try:
        assert _log_through(TextFormatter(), "hello").strip() == "WARNING cargotool.test.observability: hello [request req-7]"
    finally:
        request_id.reset(marker)
    assert _log_through(TextFormatter(), "hello").strip() == "WARNING cargotool.test.observability: hello"


def test_endpoint_labels_do_not_grow_with_ids():
    assert endpoint_of("/v1/carrier/cargos/6236980000") == "/v1/carrier/cargos/{id}"
    assert endpoint_of("/v2/cargos/views") == "/v2/cargos/views"
    assert [outcome_of(s) for s in (200, 401, 404, 429, 422, 503)] == [
        "ok", "unauthorized", "not_found", "rate_limited", "client_error", "server_error"]


WORKER = """
import sys
from cargotool.core.observability import metrics
metrics.count_login("cargotech", "ok")
metrics.QUEUE_DEPTH.labels("outbox").set(int(sys.argv[1]))
"""

READER = """
from cargotool.core.observability import metrics
print(metrics.render().decode())
"""


def test_workers_counts_are_added_up_and_a_new_start_forgets_the_old_run(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for depth in ("3", "5"):
        subprocess.run([sys.executable, "-c", WORKER, depth], env=env, check=True)
    text = subprocess.run([sys.executable, "-c", READER], env=env, check=True, capture_output=True, text=True).stdout
    assert 'cargotool_logins_total{kind="cargotech",outcome="ok"} 2.0' in text
    cleaner = "from cargotool.core.observability.metrics import prepare_multiprocess_dir as p; import sys; p(sys.argv[1])"
    subprocess.run([sys.executable, "-c", cleaner, str(tmp_path)], env=env, check=True)
    text = subprocess.run([sys.executable, "-c", READER], env=env, check=True, capture_output=True, text=True).stdout
    assert "cargotool_logins_total{" not in text


def test_cleaning_the_metrics_directory_keeps_files_that_are_not_prometheus_clients(tmp_path):
    from cargotool.core.observability.metrics import prepare_multiprocess_dir

    for name in ("counter_41.db", "gauge_livesum_41.db", "histogram_41.db", "app.db", "notes.txt", "counter_x.db"):
        (tmp_path / name).write_text("x")
    prepare_multiprocess_dir(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db", "counter_x.db", "notes.txt"]


def _histogram_samples(histogram, labels: dict) -> dict:
    return {(s.name, s.labels.get("le")): s.value for family in histogram.collect() for s in family.samples
            if all(s.labels.get(k) == v for k, v in labels.items()) and not s.name.endswith("_created")}


def test_latency_added_up_in_process_equals_observing_one_by_one():
    from prometheus_client import CollectorRegistry, Histogram

    from cargotool.core.observability import metrics

    values = [0.0, 0.0004, 0.001, 0.0011, 0.0049, 0.05, 0.3, 2.5, 9.9, 10.0, 11.0, 600.0]
    reference = Histogram("reference_seconds", "x", ["route", "method", "status"], buckets=metrics._FAST,
                          registry=CollectorRegistry())
    for value in values:
        metrics.observe_http("/unit-test", "GET", "299", value)
        reference.labels("/unit-test", "GET", "299").observe(value)
    metrics.flush()
    ours = _histogram_samples(metrics.HTTP_LATENCY, {"route": "/unit-test", "status": "299"})
    theirs = _histogram_samples(reference, {"route": "/unit-test", "status": "299"})
    assert {(name.replace("reference_seconds", "cargotool_http_request_duration_seconds"), le): v
            for (name, le), v in theirs.items()} == ours
    assert ours[("cargotool_http_request_duration_seconds_count", None)] == len(values)


async def test_hot_path_counts_reach_prometheus_on_a_timer_without_a_scrape(monkeypatch):
    import asyncio

    from cargotool.core.observability import metrics

    monkeypatch.setattr(metrics, "FLUSH_SECONDS", 0.01)
    child = metrics.CACHE.labels("unit-test", "hit")
    before = child._value.get()
    metrics.count_cache("unit-test", "hit")
    metrics.count_cache("unit-test", "hit")
    assert child._value.get() == before  # kept in the process for now
    for _ in range(100):
        await asyncio.sleep(0.01)
        if child._value.get() != before:
            break
    assert child._value.get() == before + 2
    metrics.count_cache("unit-test", "hit")  # the timer re-arms
    await asyncio.sleep(0.05)
    assert child._value.get() == before + 3


WORKER_ON_A_LOOP = """
import asyncio
from cargotool.core.observability import metrics

async def main():
    metrics.count_cache("list", "hit")
    metrics.observe_http("/api/cargos", "GET", "200", 0.002)

asyncio.run(main())
metrics.mark_process_dead(__import__("os").getpid())  # what a stopping worker does
"""


def test_a_stopping_worker_writes_what_it_held(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", WORKER_ON_A_LOOP], env=env, check=True)
    text = subprocess.run([sys.executable, "-c", READER], env=env, check=True, capture_output=True, text=True).stdout
    assert 'cargotool_cache_requests_total{kind="list",result="hit"} 1.0' in text
    assert 'cargotool_http_request_duration_seconds_bucket{le="0.0025",method="GET",route="/api/cargos",status="200"} 1.0' in text
