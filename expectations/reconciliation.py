"""An independent count of the students each county's marts must hold, straight from the raw tables.

A second implementation of the scope rules (pandas, not SQL): compulsory stages of the valid rows,
minus special-education and vocational junior schools, minus teaching points under the threshold
(every teaching point for rule sets without them). Merging teaching points moves students between
units, never out of the county, so it does not change these totals.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.settings import dbt_var

EXCLUDED_TYPES = ("special", "vocational_junior")


def expected_students(con: duckdb.DuckDBPyConnection, years: list[int], min_tp_students: int,
                      rulesets: pd.DataFrame) -> pd.DataFrame:
    schools = con.execute(
        "select year, school_id, county_code, school_type from raw_schools "
        "where list_contains(?, year) and not _quarantined", [years]).df()
    enrol = con.execute(
        "select year, school_id, stage as level, students from raw_enrollment "
        "where list_contains(?, year) and not _quarantined and stage in ('primary', 'junior')", [years]).df()
    rows = enrol.merge(schools, on=["year", "school_id"], how="inner")
    rows = rows[~rows["school_type"].isin(EXCLUDED_TYPES)]
    # A teaching point's level is primary, whatever stage it reports.
    rows = rows[(rows["school_type"] != "teaching_point") | (rows["level"] == "primary")]
    out = []
    for r in rulesets.itertuples():
        tp = rows["school_type"] == "teaching_point"
        keep = ~tp | (tp & (rows["students"] >= min_tp_students) & bool(r.includes_teaching_points))
        part = rows[keep].groupby(["year", "county_code", "level"], as_index=False)["students"].sum()
        part["ruleset"] = r.ruleset
        out.append(part)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["year", "county_code", "level", "students", "ruleset"])


def reconcile(con: duckdb.DuckDBPyConnection, years: list[int]) -> pd.DataFrame:
    """Rows where the mart's students differ from the independent count (empty = reconciled)."""
    rulesets = con.execute("select ruleset, includes_teaching_points from rulesets").df()
    expected = expected_students(con, years, int(dbt_var("teaching_point_min_students")), rulesets)
    mart = con.execute(
        "select year, county_code, level, ruleset, students as mart_students from mart_county_level_resources "
        "where list_contains(?, year)", [years]).df()
    both = expected.merge(mart, on=["year", "county_code", "level", "ruleset"], how="outer")
    both["students"] = both["students"].fillna(0)
    both["mart_students"] = both["mart_students"].fillna(0)
    return both[(both["students"] - both["mart_students"]).abs() > 1e-6].rename(
        columns={"students": "raw_students"})
