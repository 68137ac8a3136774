"""The published marts' blocking checks run their suite in DuckDB over the run's years: same verdict and
counts as GX on the rows read into pandas (the old check), failures named by the table's grain."""

import re
from collections import Counter

import dagster as dg
import duckdb
import pytest

from expectations.runner import validate_frame
from orchestration import checks
from orchestration.resources import JunhengConfig

TABLE = "fct_school_unit_indicators"


def _row(**change):
    row = {"year": 2024, "county_code": "210302", "school_id": "2103020001", "school_name": "铁东一小",
           "level": "primary", "ruleset": "moe_2017", "indicator_code": "R1", "students": 500, "value": 4.0,
           "threshold": 4.2, "passes": False}
    return {**row, **change}


@pytest.fixture
def warehouse(tmp_path):
    def build(rows):
        res = JunhengConfig(landing_dir=str(tmp_path), warehouse_dir=str(tmp_path))
        con = duckdb.connect(str(res.working_db))
        con.execute(f"drop table if exists {TABLE}")
        cols = list(rows[0])
        con.execute(f"create table {TABLE} ({', '.join(f'{c} {_type(rows[0][c])}' for c in cols)})")
        con.executemany(f"insert into {TABLE} values ({', '.join('?' for _ in cols)})",
                        [[r[c] for c in cols] for r in rows])
        con.close()
        return res
    return build


def _type(v):
    return {bool: "BOOLEAN", int: "INTEGER", float: "DOUBLE"}.get(type(v), "VARCHAR")


def _run_check(res, monkeypatch, years):
    monkeypatch.setattr(checks, "partition_years", lambda context: years)
    check = next(c for c in checks.mart_checks if c.check_key.name == f"gx_{TABLE}")
    return check(dg.build_asset_check_context(), junheng=res)


def test_the_check_reads_only_the_runs_years_and_names_the_failing_rows(warehouse, monkeypatch):
    rows = [_row(), _row(indicator_code="R2"), _row(indicator_code="R9", school_id="2103020002"),
            _row(value=-1.0, indicator_code="R3"), _row(indicator_code="R2"),  # a duplicate of row 2
            _row(year=2023, value=-5.0)]  # another year's bad row: not this run's
    res = warehouse(rows)
    result = _run_check(res, monkeypatch, [2024])
    assert not result.passed
    assert result.metadata["rows"].value == 5
    assert result.metadata["expectations"].value == 10  # the suite's 9 + the grain's uniqueness
    text = result.description
    assert "expect_column_values_to_be_in_set on indicator_code: 1 row(s); e.g. 2024/moe_2017/2103020002/primary/R9" in text
    assert "expect_column_values_to_be_between on value: 1 row(s); e.g. 2024/moe_2017/2103020001/primary/R3" in text
    assert "expect_compound_columns_to_be_unique on year,ruleset,school_id,level,indicator_code: 2 row(s)" in text
    assert "2023" not in text

    # the old check: the suite's columns of the year read into pandas, GX on them — same failures
    con = duckdb.connect(str(res.working_db), read_only=True)
    df = con.execute(f"select * from {TABLE} where year = 2024").df()
    con.close()
    grain = checks.MART_SUITES[TABLE][1]
    gx = validate_frame("mart_fct_school_unit_indicators", df, key=grain)
    reported = re.findall(r"(expect_\w+) on ([\w,]+): (\d+) row\(s\)", text)
    assert Counter((f.expectation, f.column, str(f.unexpected_count)) for f in gx.failures) == Counter(reported)


def test_clean_rows_pass_and_a_missing_column_fails_naming_it(warehouse, monkeypatch):
    rows = [_row(), _row(indicator_code="R2"), _row(year=2023)]
    res = warehouse(rows)
    passed = _run_check(res, monkeypatch, [2023, 2024])
    assert passed.passed and passed.metadata["rows"].value == 3
    assert passed.description == "mart_fct_school_unit_indicators: 10 expectation(s) passed"

    res = warehouse([{k: v for k, v in r.items() if k != "students"} for r in rows])
    failed = _run_check(res, monkeypatch, [2024])
    assert not failed.passed
    assert "expect_column_values_to_be_between on students" in failed.description
