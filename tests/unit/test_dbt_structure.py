"""The dbt project gives no dbt-project-evaluator finding (rules restated in tests/dbt_rules.py)."""

import copy
import json

from core.settings import DBT_PROJECT_DIR
from tests.dbt_rules import findings


def _manifest() -> dict:
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_the_project_has_no_evaluator_finding(dbt_manifest):
    assert findings(_manifest()) == {}


def test_the_rules_catch_a_mart_reading_a_source_and_a_wide_join(dbt_manifest):
    m = copy.deepcopy(_manifest())
    mart = next(k for k, n in m["nodes"].items() if n["resource_type"] == "model" and n["name"] == "mart_county_readiness")
    sources = list(m["sources"])[:2]
    m["nodes"][mart]["depends_on"]["nodes"] += sources
    models = [k for k, n in m["nodes"].items() if n["resource_type"] == "model"][:8]
    m["nodes"][mart]["depends_on"]["nodes"] += models
    found = findings(m)
    assert "fct_marts_or_intermediate_dependent_on_source" in found
    assert "fct_multiple_sources_joined" in found
    assert "fct_too_many_joins" in found
