"""docs/grafana-dashboard.json is importable and graphs every metric family, and only real ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import cargotool.core.observability.metrics  # noqa: F401  (registers the families)

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json"


def test_every_family_is_graphed_and_nothing_else():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["__inputs"][0]["pluginId"] == "prometheus" and dashboard["panels"]
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    used = set(re.findall(r"cargotool_[a-z_]+", exprs))
    families = {m.name for m in REGISTRY.collect() if m.name.startswith("cargotool_")}
    suffixes = ("_bucket", "_count", "_sum", "_total")
    assert {next((u.removesuffix(s) for s in suffixes if u.endswith(s) and u.removesuffix(s) in families), u)
            for u in used} == families
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
