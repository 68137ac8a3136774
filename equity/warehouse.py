"""The Python steps' boundary with the working warehouse: read the school units dbt built, call the
pure kernels of `equity/`, write their tables (the coefficients; the further equity measures)."""

from __future__ import annotations

import duckdb
import pandas as pd

from equity.coefficients import comprehensive_cv, county_coefficients
from equity.measures import MEASURE_COLUMNS, equity_measures

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
    """Recompute `county_coefficients` for `years` (None: every year) from int_school_unit_indicators,
    one year at a time."""
    cols = ", ".join(f'"{k}" {v}' for k, v in COEFFICIENT_COLUMNS.items())
    con.execute(f"create table if not exists county_coefficients ({cols})")
    return _concat(_year_by_year(con, years, ["county_coefficients"], _coefficients_of), COEFFICIENT_COLUMNS)


def _coefficients_of(con: duckdb.DuckDBPyConnection, years: list[int]) -> pd.DataFrame:
    query = ("select year, ruleset, county_code, level, indicator_code, students, value "
             "from int_school_unit_indicators where {where} and ruleset = $ruleset "
             "order by year, ruleset, county_code, level, "
             "indicator_code, school_id")  # a fixed order: the same sums, bit for bit, on every run
    result = _concat([compute_coefficients(_read(con, query, "year", years, {"ruleset": rs}))
                      for rs in _rulesets(con, years)], COEFFICIENT_COLUMNS)
    _replace_years(con, "county_coefficients", years, result)
    return result


def _rulesets(con: duckdb.DuckDBPyConnection, years: list[int]) -> list[str]:
    """The rule sets of `years`, in order. A group never spans two rule sets, so the Python steps read
    and compute one rule set at a time — a third of the year's unit rows in memory (≈ 1.5 M of 4.5 M
    nationally) — and concatenate in rule-set order: the same rows, in the same order, bit for bit."""
    return [r[0] for r in con.execute("select distinct ruleset from int_school_unit_indicators "
                                      "where list_contains(?, year) order by 1", [years]).fetchall()]


MEASURE_TYPES = {c: ("BIGINT" if c == "n_units" else "VARCHAR" if c == "null_reason" else "DOUBLE")
                 for c in MEASURE_COLUMNS}
MEASURES_TABLE_COLUMNS = {**{k: v for k, v in COEFFICIENT_COLUMNS.items() if k in GROUP + ["indicator_code"]},
                          **MEASURE_TYPES}


def _year_by_year(con: duckdb.DuckDBPyConnection, years: list[int] | None, tables: list[str], write) -> list:
    """`write(con, [year])` for each of `years` in turn, so that a backfill of N years holds one year's
    units in memory, not N; None = every year int_school_unit_indicators holds, and rows of years it no
    longer holds are dropped from `tables` (a full refresh)."""
    held = [r[0] for r in con.execute("select distinct year from int_school_unit_indicators order by 1").fetchall()]
    out = [write(con, [y]) for y in (held if years is None else sorted({int(y) for y in years}))]
    if years is None:
        for table in tables:
            con.execute(f"delete from {table} where not list_contains(?, year)", [held])  # noqa: S608
    return out


def _concat(frames: list[pd.DataFrame], columns: dict[str, str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(columns))


def _read(con: duckdb.DuckDBPyConnection, query: str, year_column: str, years: list[int] | None,
          params: dict | None = None) -> pd.DataFrame:
    """`query` over `years` (None: every year): {where} in it becomes the filter on `year_column`."""
    if years is None:
        return con.execute(query.format(where="true"), params or None).df()
    return con.execute(query.format(where=f"list_contains($years, {year_column})"),
                       {"years": years, **(params or {})}).df()


def _replace_years(con: duckdb.DuckDBPyConnection, table: str, years: list[int] | None, rows: pd.DataFrame) -> None:
    con.execute("begin transaction")
    try:
        if years is None:
            con.execute(f"delete from {table}")  # noqa: S608 (a module constant)
        else:
            con.execute(f"delete from {table} where list_contains(?, year)", [years])  # noqa: S608
        if len(rows):  # by name: a table that gained a column (alter table) has it last
            con.register("_replace_rows", rows)
            try:
                con.execute(f"insert into {table} by name select * from _replace_rows")  # noqa: S608
            finally:
                con.unregister("_replace_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def write_equity_measures(con: duckdb.DuckDBPyConnection, years: list[int] | None, area_mode: str) -> pd.DataFrame:
    """Recompute `county_equity_measures` for `years` (None: every year) over the same school units
    as the coefficients, each with its school's urban/rural code (a merged teaching point counts with
    its parent, whose unit it is)."""
    cols = ", ".join(f'"{k}" {v}' for k, v in MEASURES_TABLE_COLUMNS.items())
    con.execute(f"create table if not exists county_equity_measures ({cols})")
    frames = _year_by_year(con, years, ["county_equity_measures"],
                           lambda c, ys: _equity_measures_of(c, ys, area_mode))
    return _concat(frames, MEASURES_TABLE_COLUMNS)


def _equity_measures_of(con: duckdb.DuckDBPyConnection, years: list[int], area_mode: str) -> pd.DataFrame:
    query = ("select u.year, u.ruleset, u.county_code, u.level, u.indicator_code, u.students, u.value, "
             "s.urban_rural from int_school_unit_indicators u "
             "left join stg_census__schools s on s.year = u.year and s.school_id = u.school_id "
             "where {where} and u.ruleset = $ruleset "
             "order by u.year, u.ruleset, u.county_code, u.level, u.indicator_code, u.school_id")
    group = GROUP + ["indicator_code"]
    frames = [equity_measures(_read(con, query, "u.year", years, {"ruleset": rs}), group, area_mode=area_mode)
              for rs in _rulesets(con, years)]
    result = _concat([f[list(MEASURES_TABLE_COLUMNS)] for f in frames], MEASURES_TABLE_COLUMNS)
    result = result.sort_values(group, ignore_index=True)
    _replace_years(con, "county_equity_measures", years, result)
    return result


# ------------------------------------------------------------------------------------------------
# The roadmap: the least-cost plan per year × rule set × county × level (equity/planner.py)

PLAN_UNITS_QUERY = """
    select i.year, i.ruleset, i.county_code, i.level, i.school_id, i.indicator_code, i.students, i.value,
           i.threshold, st.per_students::double as scale, st.indivisible as "integer",
           c.cost_yuan as unit_cost, k.cost_kind,
           case when st.whole_school then coalesce(u.resource_share, 1.0) else 1.0 end as school_share,
           st.whole_school as shared,
           coalesce(sc.is_private, false) as is_private
    from int_school_unit_indicators i
    join standards st on st.ruleset = i.ruleset and st.level = i.level and st.indicator_code = i.indicator_code
    left join int_unit_costs c on c.year = i.year and c.level = i.level and c.indicator_code = i.indicator_code
    -- the kind of the cost (one_off / recurring) is the seed's, whichever figure priced it
    left join unit_costs k on k.level = i.level and k.indicator_code = i.indicator_code
    left join int_school_units u
        on u.year = i.year and u.ruleset = i.ruleset and u.school_id = i.school_id and u.level = i.level
    -- a private school (民办): its additions are the owner's, never the county's money (roadmap.md §1);
    -- the unit is its school's (a merged teaching point counts with its parent), unknown = public
    left join stg_census__schools sc on sc.year = i.year and sc.school_id = i.school_id
    where i.students > 0 and {where}
    order by i.year, i.ruleset, i.county_code, i.level, i.school_id, i.indicator_code
"""
PLAN_GROUPS_QUERY = """
    select distinct i.year, i.ruleset, i.county_code, i.level, b.cv_max as cap, r.balance_rule,
           r.has_school_rule
    from int_school_unit_indicators i
    join rulesets r on r.ruleset = i.ruleset
    left join balance_standards b on b.ruleset = i.ruleset and b.level = i.level
    where {where}
    order by 1, 2, 3, 4
"""
_KEYS = {"year": "INTEGER", "ruleset": "VARCHAR", "county_code": "VARCHAR", "level": "VARCHAR"}
# money by kind (roadmap.md §1): cost_yuan = one-off + one year of recurring, each carried apart
_BY_KIND = {"one_off_cost_yuan": "DOUBLE", "recurring_cost_yuan_per_year": "DOUBLE"}
# a private school's cost (民办: the owner's duty, outside the county's cost), by kind as the county's
_OWNER = {"owner_cost_yuan": "DOUBLE", "owner_one_off_cost_yuan": "DOUBLE",
          "owner_recurring_cost_yuan_per_year": "DOUBLE"}
# The plan tables' columns and types, fixed (not inferred from a year's frame: a year where nothing is
# planned, or every value is NULL, must not give a table another shape).
PLAN_SCHEMAS: dict[str, dict[str, str]] = {
    "plan_unit_additions": {**_KEYS, "school_id": "VARCHAR", "indicator_code": "VARCHAR", "value_now": "DOUBLE",
                            "value_planned": "DOUBLE", "addition": "DOUBLE", "unit_gain": "DOUBLE",
                            "cost_yuan": "DOUBLE", "cost_kind": "VARCHAR", "reason": "VARCHAR",
                            "driven_by_level": "VARCHAR", "shared": "BOOLEAN", "funded_by": "VARCHAR",
                            "owner_cost_yuan": "DOUBLE"},
    "plan_county_indicators": {**_KEYS, "indicator_code": "VARCHAR", "balance_rule": "VARCHAR", "cv_now": "DOUBLE",
                               "cv_planned": "DOUBLE", "cap": "DOUBLE", "units_failing_now": "BIGINT",
                               "units_touched": "BIGINT", "addition_total": "DOUBLE", "cost_yuan": "DOUBLE",
                               **_BY_KIND, "floor_cost_yuan": "DOUBLE", "plan_passes": "BOOLEAN", **_OWNER},
    "plan_county_levels": {**_KEYS, "planned": "BOOLEAN", "plan_passes": "BOOLEAN", "cost_yuan": "DOUBLE",
                           **_BY_KIND, "floor_cost_yuan": "DOUBLE", "reason_if_not_planned": "VARCHAR",
                           "reason_if_fails": "VARCHAR", **_OWNER, "relies_on_owners": "BOOLEAN"},
    "plan_cost_curve": {**_KEYS, "target_step": "BIGINT", "target": "DOUBLE", "cost_yuan": "DOUBLE", **_BY_KIND,
                        "reachable": "BOOLEAN", "planned": "BOOLEAN", "reason_if_not_planned": "VARCHAR"},
}
PLAN_TABLES = tuple(PLAN_SCHEMAS)
_PANDAS_TYPES = {"INTEGER": "Int32", "BIGINT": "Int64", "DOUBLE": "float64", "VARCHAR": "string",
                 "BOOLEAN": "boolean"}


def _typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """The frame's schema columns, in order, as nullable pandas types matching the table's (a NaN in a
    count or a flag is NULL, never a float)."""
    out = pd.DataFrame(index=frame.index)
    for col, sql_type in schema.items():
        values = frame[col]
        if sql_type in ("BIGINT", "INTEGER", "BOOLEAN"):
            values = values.astype(object).where(values.notna(), None)
        out[col] = values.astype(_PANDAS_TYPES[sql_type])
    return out


def write_roadmap(con: duckdb.DuckDBPyConnection, years: list[int] | None, *, min_passing: int,
                  floor_ratio: float) -> dict[str, pd.DataFrame]:
    """Plan every county level of `years` (None: every year) and write the plan tables, one year at a time."""
    for name, schema in PLAN_SCHEMAS.items():
        cols = ", ".join(f'"{k}" {v}' for k, v in schema.items())
        con.execute(f"create table if not exists {name} ({cols})")
        for col, sql_type in schema.items():  # a table written before a column was added gains it
            con.execute(f'alter table {name} add column if not exists "{col}" {sql_type}')
    per_year = _year_by_year(con, years, list(PLAN_SCHEMAS),
                             lambda c, ys: _roadmap_of(c, ys, min_passing=min_passing, floor_ratio=floor_ratio))
    return {name: pd.concat([t[name] for t in per_year], ignore_index=True) if per_year else
            _typed(pd.DataFrame(columns=list(PLAN_SCHEMAS[name])), PLAN_SCHEMAS[name]) for name in PLAN_SCHEMAS}


def _roadmap_of(con: duckdb.DuckDBPyConnection, years: list[int], *, min_passing: int,
                floor_ratio: float) -> dict[str, pd.DataFrame]:
    """The plan tables of `years`, planned a few hundred counties at a time (`plan_by_pieces`: the
    same figures as one plan of them all; at national scale one plan and its cost curve of every
    county at once held ~16 GB)."""
    from equity.planner import plan_by_pieces

    groups = _read(con, PLAN_GROUPS_QUERY, "i.year", years)
    pieces = (_read(con, PLAN_UNITS_QUERY.replace("{where}", "{where} and i.county_code between $lo and $hi"),
                    "i.year", years, {"lo": lo, "hi": hi})
              for lo, hi in _county_ranges(con, years))
    result = plan_by_pieces(pieces, groups, min_passing=min_passing, floor_ratio=floor_ratio)
    tables = {
        "plan_unit_additions": result["unit_plan"],
        "plan_county_indicators": result["group_plan"],
        "plan_county_levels": result["group_status"],
        "plan_cost_curve": result["cost_curve"],
    }
    for name, frame in tables.items():
        tables[name] = _typed(frame, PLAN_SCHEMAS[name])
        _replace_years(con, name, years, tables[name])
    return tables


PIECE_ROWS = 500_000  # unit rows planned at once (a piece holds whole counties; one county may exceed it)


def _county_ranges(con: duckdb.DuckDBPyConnection, years: list[int]) -> list[tuple[str, str]]:
    """Consecutive ranges of county codes holding about PIECE_ROWS planned unit rows each."""
    query = ("select i.county_code, count(*) from int_school_unit_indicators i where i.students > 0 and {where} "
             "group by 1 order by 1")
    counts = _read(con, query, "i.year", years)
    ranges, first, rows = [], None, 0
    for code, n in counts.itertuples(index=False):
        first = code if first is None else first
        rows += n
        if rows >= PIECE_ROWS:
            ranges.append((first, code))
            first, rows = None, 0
    if first is not None:
        ranges.append((first, code))
    return ranges
