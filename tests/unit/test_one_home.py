"""Each rule has one home (docs/architecture.md). Where another layer must name the same thing (a dbt
source per feed, a GX suite per feed), these tests hold the copies to the home."""

import ast
import csv
import json
from pathlib import Path

import duckdb
import pandas as pd
import yaml

import core.settings
from core.settings import DBT_PROJECT_DIR, DEFAULT_RULESET, OFFLINE_ENV, RULESETS, SchoolRule, school_rule
from equity.planner import plan
from expectations.runner import SUITES_DIR
from ingestion.contract import FEED_SPECS, FEEDS
from publication.reports.data import failing_units

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


# ------------------------------------------------------------------------------------------------
# Constants with one home (issue 27, item 3)

OFFLINE = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1", "DAGSTER_DISABLE_TELEMETRY": "1",
           "GX_ANALYTICS_ENABLED": "False"}  # dbt, the Console Do Not Track convention, Dagster, GX: by hand


def _python(*packages: str):
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_the_offline_switches_have_one_python_home():
    """The CLI, the tests and the benchmark switch off the same telemetry (OFFLINE_ENV in core/settings.py);
    the shell copies (the Makefile, .env.example) say the same."""
    assert OFFLINE_ENV == OFFLINE
    spelled = [f"{p.relative_to(ROOT)}:{n.lineno}" for p in _python(*PACKAGES, "benchmarks")
               if p != ROOT / "core" / "settings.py" for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
               if isinstance(n, ast.Constant) and n.value in OFFLINE]
    assert not spelled, f"offline switches spelled outside core/settings.py: {spelled}"
    exported = dict(line.removeprefix("export ").split(" := ") for line in
                    (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
                    if line.startswith("export ") and line.split()[1] in OFFLINE)
    assert exported == OFFLINE
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
                   if line.split("=", 1)[0] in OFFLINE)
    assert example == OFFLINE


def test_no_module_restates_the_feed_list():
    """A list of feed names is the contract's (FEEDS, CORE_FEEDS): the benchmark asks it too."""
    restated = []
    for p in _python(*PACKAGES, "benchmarks"):
        if p == ROOT / "ingestion" / "contract.py":
            continue
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Tuple | ast.List | ast.Set):
                names = [e.value for e in n.elts if isinstance(e, ast.Constant)]
                if len(set(names) & set(FEEDS)) >= 3:
                    restated.append(f"{p.relative_to(ROOT)}:{n.lineno}")
    assert not restated, f"feed lists restated outside ingestion/contract.py: {restated}"


def test_the_school_rule_everywhere_is_the_dbt_vars(monkeypatch):
    """The spec's rule (evaluation-method.md [C2]: 6 of the 7, the other ≥ 85 %) is the dbt vars, and a
    changed var reaches the planner's defaults, not only dbt (the planner used to keep 6 / 0.85 of its own).
    By hand: two schools, two indicators, each at 0 of a threshold of 10 (one pupil, a yuan a unit);
    with 1 of 2 to pass and a floor of 50 %, each school adds 10 + 5 = 15 (30 yuan); with 2 of 2, 40."""
    assert school_rule() == SchoolRule(min_passing=6, floor_ratio=0.85)
    shipped = core.settings.dbt_var
    changed = {"school_rule_min_passing": 1, "school_rule_floor_ratio": 0.5}
    monkeypatch.setattr(core.settings, "dbt_var", lambda name: changed.get(name) or shipped(name))
    units = pd.DataFrame({"year": 2024, "ruleset": "r", "county_code": "210302", "level": "primary",
                          "school_id": ["a", "a", "b", "b"], "indicator_code": ["X", "Y", "X", "Y"],
                          "students": 1.0, "value": 0.0, "threshold": 10.0, "scale": 1.0, "integer": False,
                          "unit_cost": 1.0, "school_share": 1.0, "shared": False})
    groups = pd.DataFrame({"year": [2024], "ruleset": "r", "county_code": "210302", "level": "primary",
                           "cap": 0.5, "balance_rule": "per_indicator", "has_school_rule": True})
    assert plan(units, groups).group_plan["cost_yuan"].sum() == 30.0
    assert plan(units, groups, min_passing=2).group_plan["cost_yuan"].sum() == 40.0


def test_the_report_counts_below_the_floor_the_method_uses(monkeypatch):
    """The county report's failing units: how many indicators miss and how many are below the floor,
    the floor being the dbt var (85 %; at 90 % a share of 0.87 is below it too); the page says which."""
    con = duckdb.connect()
    con.execute("create table fct_school_unit_indicators as select * from (values "
                "(2024, 'r', '210302', 's1', '甲小学', 'primary_school', '220', 'primary', 100, 'R1', 8.7, 10.0, false, "
                "0.87, false), "
                "(2024, 'r', '210302', 's1', '甲小学', 'primary_school', '220', 'primary', 100, 'R2', 8.0, 10.0, false, "
                "0.80, false), "
                "(2024, 'r', '210302', 's1', '甲小学', 'primary_school', '220', 'primary', 100, 'R3', 11.0, 10.0, true, "
                "1.10, false)) t(year, ruleset, county_code, school_id, school_name, school_type, urban_rural, "
                "level, students, indicator_code, value, threshold, passes, share_of_threshold, "
                "unit_passes_school_rule)")
    con.execute("create table mart_county_roadmap as select 2024 as year, 'r' as ruleset, '210302' as county_code, "
                "true as school_rule_applies")
    shown = failing_units(con, 2024, "r", "210302")
    assert [(u["misses"], u["below_floor"]) for u in shown["units"]] == [(2, 1)]
    assert (shown["min_passing"], shown["floor_percent"]) == (6, "85")
    shipped = core.settings.dbt_var
    monkeypatch.setattr(core.settings, "dbt_var",
                        lambda name: 0.9 if name == "school_rule_floor_ratio" else shipped(name))
    shown = failing_units(con, 2024, "r", "210302")
    assert [(u["misses"], u["below_floor"]) for u in shown["units"]] == [(2, 2)]
    assert shown["floor_percent"] == "90"
