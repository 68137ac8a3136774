"""BI tools read the published marts at any hour: a SQLAlchemy duckdb-engine client querying in a
loop while a run publishes sees zero errors and always one whole publication."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests import worked_example
from tests.integration.helpers import copy_published, run


def test_a_reader_in_a_loop_during_publication_sees_no_error_and_no_mixture(worked_example_published, tmp_path):
    # a copy of a warehouse with one good publication of the worked example, and of its landing
    landing, wh = copy_published(worked_example_published, tmp_path, landing=True)
    # The second publication differs (a sixth school), so a half-old half-new view would show.
    folder = landing / "2024"
    extra = {"schools": {"school_id": "1121030060", "school_name": "示例第6小学", "county_code": "210302",
                         "county_name": "铁东区", "school_type": "小学", "parent_school_id": "", "urban_rural": "111",
                         "is_private": "否", "is_boarding": "否"}}
    for feed, df in worked_example.frames().items():
        row = df.iloc[[0]].copy()
        row["school_id"] = "1121030060"
        if feed in extra:
            row = pd.DataFrame([extra[feed]])
        for delivered in folder.glob(f"{feed}.*"):  # the fixture's landing mixes formats (xlsx, parquet)
            delivered.unlink()
        pd.concat([df, row], ignore_index=True).to_csv(folder / f"{feed}.csv", index=False)

    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bi_reader.py")),
                               str(wh / "published.duckdb"), str(stop), "600"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        outcome = run(landing, wh)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)
    assert outcome.success, outcome.problems
    summary = json.loads(out.strip().splitlines()[-1])
    print(f"reader: {summary['queries']} queries during the run")
    assert summary["errors"] == 0, summary["messages"]
    assert summary["inconsistent"] == 0, summary["messages"]
    assert summary["queries"] >= 50
    assert len(summary["runs"]) == 2  # it saw the old publication and the new one


def test_every_published_table_reflects_through_sqlalchemy_with_bigint_counts(worked_example_published):
    """BI tools browse schemas by reflection (inspect / autoload); counts are BIGINT, never HUGEINT
    (a HUGEINT becomes a double in Parquet and is unknown to most BI drivers)."""
    import pyarrow.parquet as pq
    import sqlalchemy as sa

    from publication.publish import COUNTY_INVENTORY_TABLE, INVENTORY_TABLE, LOG_TABLE, PUBLISHED_TABLES

    _, wh = worked_example_published  # the worked example published (tests/integration/conftest.py), read only
    engine = sa.create_engine(f"duckdb:///{wh / 'published.duckdb'}", connect_args={"read_only": True},
                              poolclass=sa.pool.NullPool)
    inspector = sa.inspect(engine)
    expected = {*PUBLISHED_TABLES, LOG_TABLE, INVENTORY_TABLE, COUNTY_INVENTORY_TABLE}
    assert expected <= set(inspector.get_table_names())
    for name in sorted(expected):
        columns = inspector.get_columns(name)
        table = sa.Table(name, sa.MetaData(), autoload_with=engine)
        assert [c.name for c in table.columns] == [c["name"] for c in columns] and columns, name
        assert not [c["name"] for c in columns if "HUGE" in str(c["type"]).upper()], name
        with engine.connect() as conn:
            conn.execute(sa.select(table).limit(1)).fetchall()
    engine.dispose()
    # counts DuckDB's sum() types HUGEINT reach Parquet as int64, not double
    for name, col in (("mart_county_level_resources", "students"), ("mart_county_level_resources", "units_failing"),
                      ("mart_county_readiness", "items_fail"), ("mart_county_readiness", "resource_pass"),
                      ("fct_school_unit_indicators", "students"), ("mart_school_shortfalls", "students")):
        field = pq.read_schema(wh / "published_parquet" / f"{name}.parquet").field(col)
        assert str(field.type) == "int64", (name, col, field.type)


def test_a_bi_tool_reads_what_each_table_and_column_means(worked_example_published):
    """Superset, Metabase and DBeaver show a column's comment: every published table and column carries
    the data dictionary's words (docs/data-dictionary.md, read here from the file people read), through
    SQLAlchemy's reflection as those tools use it."""
    import re

    import sqlalchemy as sa

    from core.settings import REPO_ROOT

    _, wh = worked_example_published
    # the data dictionary as published for people: "## `table`", its description, then "| `col` | words |"
    words: dict[str, dict[str, str]] = {}
    table = None
    for line in (REPO_ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8").splitlines():
        head = re.match(r"^##+ `?([a-z_]+)`?\s*$", line)
        if head:
            table = head.group(1)
            words[table] = {}
            continue
        row = re.match(r"^\| `([a-z_0-9]+)` \| (.+) \|$", line)
        if table and row:
            words[table][row.group(1)] = row.group(2)
    engine = sa.create_engine(f"duckdb:///{wh / 'published.duckdb'}", connect_args={"read_only": True},
                              poolclass=sa.pool.NullPool)
    inspector = sa.inspect(engine)
    checked = 0
    for name in inspector.get_table_names():
        assert (inspector.get_table_comment(name)["text"] or "").strip(), f"{name} has no comment"
        for col in inspector.get_columns(name):
            assert col.get("comment"), f"{name}.{col['name']} has no comment"
            if name in words and col["name"] in words[name]:
                # the dictionary's words (its markdown escapes aside) are the comment's
                assert col["comment"].split(" · ")[-1] in words[name][col["name"]], (name, col["name"])
                checked += 1
    engine.dispose()
    assert checked > 300


def test_a_bi_user_joins_the_facts_to_county_school_and_indicator_dimensions(worked_example_published):
    """dim_county, dim_school and dim_indicator (issue 32, item 7), read through SQLAlchemy as a BI tool
    joins them. Expected values written out by hand: the worked example is one county, 210302 铁东区 of
    鞍山市 (2103) in 辽宁省 (21), not a development zone, with five primary schools 示例第1…5小学 (type 小学,
    published as the contract's code `primary`; urban code 210: village); the standards seed gives moe_2017 primary R1 a threshold of 4.2 and a cap of 0.50."""
    import sqlalchemy as sa

    _, wh = worked_example_published
    engine = sa.create_engine(f"duckdb:///{wh / 'published.duckdb'}", connect_args={"read_only": True},
                              poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        def q(sql: str) -> list[tuple]:
            return [tuple(r) for r in conn.execute(sa.text(sql)).fetchall()]

        assert q("select year, county_code, county_name, city_code, city_name, province_code, province_name, "
                 "is_development_zone from dim_county") == [
            (2024, "210302", "铁东区", "2103", "鞍山市", "21", "辽宁省", False)]
        assert q("select school_id, school_name, school_type, county_code, area, parent_school_id, is_private "
                 "from dim_school where year = 2024 order by school_id") == [
            (sid, f"示例第{i}小学", "primary", "210302", "village", None, False)
            for i, sid in enumerate(worked_example.SCHOOL_IDS, start=1)]
        assert q("select name_zh, threshold, cv_max, dimension from dim_indicator where year = 2024 and "
                 "ruleset = 'moe_2017' and level = 'primary' and indicator_code = 'R1'") == [
            ("每百名学生拥有高于规定学历教师数", 4.2, 0.5, "resource")]
        # every fact row finds its dimension rows: no orphan code in a join a BI user makes
        assert q("select count(*) from fct_county_coefficients f left join dim_county d using (year, county_code) "
                 "where d.county_code is null") == [(0,)]
        assert q("select count(*) from fct_school_unit_indicators f left join dim_school d using (year, school_id) "
                 "where d.school_id is null") == [(0,)]
        assert q("select count(*) from fct_school_unit_indicators f left join dim_indicator d "
                 "using (year, ruleset, level, indicator_code) where d.indicator_code is null") == [(0,)]
        # the county's name where a reader looks for it, the same as the dimension's
        for table in ("fct_county_coefficients", "fct_county_items", "mart_county_roadmap"):
            assert q(f"select distinct county_name from {table}") == [("铁东区",)], table
    engine.dispose()
