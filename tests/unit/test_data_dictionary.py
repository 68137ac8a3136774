"""The data dictionary covers every published table and column, and docs/ is rendered from it."""

import yaml

from publication.catalog import MARTS_YAML, TIMELINE_YAML, published_tables
from publication.data_dictionary import DICTIONARY_MD, render
from publication.publish import PUBLISHED_TABLES


def test_docs_file_is_rendered_from_the_model_yaml():
    assert DICTIONARY_MD.read_text(encoding="utf-8") == render(), \
        "run: python -m publication.data_dictionary > docs/data-dictionary.md"


# The published table names BI users and checks beyond the tests rely on (README, "Data dictionary"):
# written here by hand, a contract — tables may be added, none renamed or dropped.
CONTRACT_TABLES = {
    "fct_school_unit_indicators", "fct_county_coefficients", "mart_county_level_resources",
    "mart_county_readiness", "fct_county_items", "mart_school_shortfalls", "fct_school_item_checks",
    "fct_county_equity_measures", "mart_school_roadmap", "mart_county_roadmap", "mart_county_cost_curve",
    "mart_county_item_roadmap", "dim_unit_costs", "mart_city_progress", "mart_milestones",
    "mart_county_measure_trends", "mart_county_timetable", "mart_rectification_ledger",
    "mart_data_plausibility",
}


def test_every_contracted_table_is_still_published_and_documented():
    assert CONTRACT_TABLES <= set(PUBLISHED_TABLES), CONTRACT_TABLES - set(PUBLISHED_TABLES)
    text = DICTIONARY_MD.read_text(encoding="utf-8")
    for name in CONTRACT_TABLES | {"publication_log", "feed_inventory", "county_inventory"}:
        assert f"## `{name}`" in text, name


def test_every_published_table_is_described_with_chinese_terms():
    tables = published_tables()
    for t in tables:
        assert t.description, t.name
        for name, meaning in t.columns:
            assert meaning, (t.name, name)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in meaning) or name in (
                "sort_order", "balance_rule", "name_en"), (t.name, name)


def test_the_grain_is_declared_once_and_the_uniqueness_test_uses_it():
    """The catalog's grain is the list the dbt uniqueness test checks, every grain column is a column
    of the model, and a published model is contracted (typed columns)."""
    models = {m["name"]: m for path in (MARTS_YAML, TIMELINE_YAML)
              for m in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]}
    for t in published_tables():
        m = models[t.name]
        tests = [next(iter(x.values()))["arguments"]["columns"] for x in m["data_tests"]
                 if "unique_combination" in x]
        assert tests == [list(t.grain)], t.name
        columns = {c["name"] for c in m["columns"]}
        assert set(t.grain) <= columns, t.name
        assert m["config"]["contract"]["enforced"] is True, t.name
        assert all(c.get("data_type") for c in m["columns"]), t.name
