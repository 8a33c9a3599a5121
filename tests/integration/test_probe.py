"""`cargotool cargotech probe` against a stand-in that deliberately differs from what the code assumes,
and the run-time count of payloads with unknown fields or that cannot be read."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cargotool.core.cargotech import CargoTechClient, build_http_client
from cargotool.core.loads import LoadQuery
from cargotool.core.cargotech.probe import probe
from cargotool.core.observability import metrics
from cargotool.core.storage.redis import Keys
from cargotool.standin import CargoTechStandIn, StandInServer, StandInTransport
from cargotool.standin.logic import Reply
from tests.conftest import TEST_PASSWORD, TEST_PHONE
from tests.integration.cli_helpers import cli_env, invoke_cli


class DriftedStandIn(CargoTechStandIn):
    """CargoTech as it might really be: meta.size is the page size, points a list, prices strings, new
    fields, no truck-type dictionary, and filter[mode]=my ignored."""

    def handle(self, method, path, query, headers, body) -> Reply:
        query = query.replace("filter%5Bmode%5D=my", "filter%5Bmode%5D=all")
        reply = super().handle(method, path, query, headers, body)
        if path == "/v1/dictionaries/truck_types":
            return Reply(404, {"message": "Not found."})
        if path == "/v2/cargos/views" and reply.status == 200:
            items = []
            for item in reply.body["data"]:
                item = dict(item, price=str(item.get("price")), tax_rate=20)
                points = item["points"]
                item["points"] = [dict(points["start"], lat=55.7), points["finish"]]
                items.append(item)
            return Reply(200, {"data": items, "meta": dict(reply.body["meta"], size=len(items))})
        return reply


def drifted() -> DriftedStandIn:
    return DriftedStandIn(phone=TEST_PHONE, password=TEST_PASSWORD)


@pytest.fixture
async def client(redis, key_prefix):
    http = build_http_client("https://api.cargotech.pro", transport=StandInTransport(drifted()))
    yield CargoTechClient(http, phone=TEST_PHONE, password=TEST_PASSWORD, redis=redis, keys=Keys(key_prefix))
    await http.aclose()


async def test_probe_names_each_difference(client):
    report = await probe(client, dt.date.today())
    findings = {f.key: f for f in report.findings}
    assert not report.ok
    assert findings["meta.size"].verdict == "differs" and "page size" in findings["meta.size"].detail
    assert findings["list.types"].verdict == "differs" and "price '" in findings["list.types"].detail
    assert findings["list.points"].verdict == "differs" and "points is list" in findings["list.points"].detail
    assert findings["filter.mode_my"].verdict == "differs"
    assert findings["dict.truck_types"].verdict == "differs" and "404" in findings["dict.truck_types"].detail
    assert findings["dict.load_types"].verdict == "holds" and findings["detail"].verdict == "holds"
    assert "tax_rate" in report.unknown_fields["list item"]
    assert findings["login"].verdict == "holds"


async def test_unknown_fields_and_unreadable_payloads_are_counted_at_run_time(client):
    def count(payload, issue):
        return metrics.PAYLOAD_ISSUES.labels(payload, issue)._value.get()

    before = count("cargo_list", "unknown_fields")
    await client.list_cargos(LoadQuery(limit=5))
    assert count("cargo_list", "unknown_fields") == before + 1


def test_probe_cli_exit_codes_and_json(tmp_path, key_prefix, redis):
    server = StandInServer(drifted())
    server.start()
    try:
        result = invoke_cli(["cargotech", "probe", "--json"], cli_env(tmp_path, key_prefix, server.url), tmp_path)
    finally:
        server.stop()
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["upstream"] == "live"
    assert {f["key"] for f in data["findings"] if f["critical"] and f["verdict"] != "holds"} >= {"meta.size", "list.types"}

    honest = StandInServer(CargoTechStandIn(phone=TEST_PHONE, password=TEST_PASSWORD))
    honest.start()
    try:
        result = invoke_cli(["cargotech", "probe"], cli_env(tmp_path, key_prefix, honest.url), tmp_path)
    finally:
        honest.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every critical (*) assumption holds" in result.stdout
    assert TEST_PASSWORD not in result.stdout + result.stderr
