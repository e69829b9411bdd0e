"""The shipped Grafana dashboard, alerting rules and OpenAPI description match the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tui.integrations.metrics import METRICS

DOCS = Path(__file__).resolve().parents[2] / "docs"
SUFFIXES = ("_bucket", "_count", "_sum")


def _used(text: str) -> set[str]:
    names = set()
    for m in re.findall(r"venuewatch_[a-z0-9_]+", text):
        for suffix in SUFFIXES:
            if m.endswith(suffix) and m[: -len(suffix)].removeprefix("venuewatch_") in METRICS:
                m = m[: -len(suffix)]
        names.add(m.removeprefix("venuewatch_"))
    return names


def test_dashboard_and_rules_use_only_documented_metrics() -> None:
    dash = json.loads((DOCS / "grafana-dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in dash["panels"] for t in p["targets"])
    assert _used(exprs) <= set(METRICS), _used(exprs) - set(METRICS)
    rules = (DOCS / "prometheus-alerts.yml").read_text()
    assert _used(rules) and _used(rules) <= set(METRICS), _used(rules) - set(METRICS)


def test_openapi_describes_every_route_the_api_serves() -> None:
    from tui.engine.engine import Engine
    from tui.engine.settings import EngineSettings
    from tui.integrations.oms import OmsApi
    from tui.integrations.provenance import Provenance

    app = OmsApi(Engine(EngineSettings(), {}), "t", Provenance()).app()
    served = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
    spec = (DOCS / "openapi.yaml").read_text()
    described = set(re.findall(r"^  (/v1/[a-z/]+):$", spec, re.M))
    assert served == described


def test_readme_documents_every_metric() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    missing = [n for n in METRICS if f"`venuewatch_{n}`" not in readme]
    assert not missing, missing
