"""Each rule has one home (docs/architecture.md). Where another layer must name the same thing (a dbt
source per feed, a GX suite per feed), these tests hold the copies to the home."""

import ast
import csv
import json
from pathlib import Path

import yaml

from core.settings import DBT_PROJECT_DIR, DEFAULT_RULESET, RULESETS
from expectations.runner import SUITES_DIR
from ingestion.contract import FEED_SPECS, FEEDS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "ingestion", "synthetic", "equity", "expectations", "publication", "orchestration")


def _dbt_sources() -> set[str]:
    tables = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", []):
            tables |= {t["name"] for t in source.get("tables", [])}
    return tables


def test_the_feed_list_is_the_contract():
    assert FEEDS == tuple(FEED_SPECS)
    assert {f"raw_{f}" for f in FEEDS} <= _dbt_sources()
    assert {p.stem for p in SUITES_DIR.glob("feed_*.json")} == {f"feed_{f}" for f in FEEDS}


def test_no_suite_restates_a_key():
    """Keys are declared with their table (the contract, the mart YAML) and added when a suite runs."""
    for path in SUITES_DIR.glob("*.json"):
        types = {e["type"] for e in json.loads(path.read_text(encoding="utf-8"))["expectations"]}
        assert "expect_compound_columns_to_be_unique" not in types, path.name


def test_rule_sets_come_from_their_seed_only():
    with open(DBT_PROJECT_DIR / "seeds" / "rulesets.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    # the rule set names are a contract (README, --ruleset): the seed's rows, in its order, read by hand
    assert [r["ruleset"] for r in rows] == ["moe_2017", "anshan_2018", "basic_2012"]
    assert [r["ruleset"] for r in rows if r["is_default"] == "true"] == ["moe_2017"]
    assert RULESETS == ("moe_2017", "anshan_2018", "basic_2012") and DEFAULT_RULESET == "moe_2017"
    named = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                        r in node.value for r in RULESETS):
                    named.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not named, f"rule set names written in Python (read them from the seed): {named}"


def test_every_published_table_is_gated_by_its_suite_in_the_loaded_definitions():
    """What the code location actually registers (not the dict it is built from): a blocking check
    gx_<table> on every published table, and its suite file exists."""
    from orchestration.definitions import defs
    from publication.catalog import published_tables

    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name): graph.get(k) for k in graph.asset_check_keys}
    for t in published_tables():
        check = checks.get((t.name, f"gx_{t.name}"))
        assert check is not None and check.blocking, t.name
        assert (SUITES_DIR / f"{t.suite}.json").exists(), t.suite
