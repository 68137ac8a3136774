"""Steps on the working warehouse that are neither parsing (ingestion/) nor SQL models (dbt):
the coefficient step around `equity/`, and the independent reconciliation of student counts."""

from __future__ import annotations

import duckdb
import pandas as pd

from equity.coefficients import comprehensive_cv, county_coefficients

COEFFICIENT_COLUMNS = {
    "year": "INTEGER",
    "ruleset": "VARCHAR",
    "county_code": "VARCHAR",
    "level": "VARCHAR",
    "indicator_code": "VARCHAR",
    "n_units": "BIGINT",
    "students": "DOUBLE",
    "weighted_mean": "DOUBLE",
    "std_dev": "DOUBLE",
    "cv": "DOUBLE",
    "cv_null_reason": "VARCHAR",
}
GROUP = ["year", "ruleset", "county_code", "level"]


def compute_coefficients(units: pd.DataFrame) -> pd.DataFrame:
    """Per-indicator and COMPREHENSIVE coefficients for every group in `units` (long format)."""
    per_indicator = county_coefficients(units, GROUP)
    comp = comprehensive_cv(per_indicator, GROUP)
    comp["indicator_code"] = "COMPREHENSIVE"
    comp["weighted_mean"] = float("nan")
    comp["std_dev"] = float("nan")
    out = pd.concat([per_indicator, comp[per_indicator.columns]], ignore_index=True)
    return out[list(COEFFICIENT_COLUMNS)].sort_values(GROUP + ["indicator_code"], ignore_index=True)


def write_county_coefficients(con: duckdb.DuckDBPyConnection, years: list[int] | None) -> pd.DataFrame:
    """Recompute `county_coefficients` for `years` (None: every year) from int_school_unit_indicators."""
    cols = ", ".join(f'"{k}" {v}' for k, v in COEFFICIENT_COLUMNS.items())
    con.execute(f"create table if not exists county_coefficients ({cols})")
    query = ("select year, ruleset, county_code, level, indicator_code, students, value "
             "from int_school_unit_indicators")
    if years is None:
        units = con.execute(query).df()
    else:
        units = con.execute(query + " where list_contains(?, year)", [years]).df()
    result = compute_coefficients(units)
    con.execute("begin transaction")
    try:
        if years is None:
            con.execute("delete from county_coefficients")
        else:
            con.execute("delete from county_coefficients where list_contains(?, year)", [years])
        if len(result):
            con.from_df(result).insert_into("county_coefficients")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return result
