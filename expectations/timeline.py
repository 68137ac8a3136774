"""The timetable's inputs for the years a run does not rebuild must be what was published.

The timetable (dbt_project/models/marts/timeline/) is rebuilt from every year published plus the run's
own. For the other years it reads the working warehouse, which normally holds exactly what was
published — but not after a run whose checks failed, or that was killed before it published: that
year's working rows were never audited. Publishing a timetable over them would publish unaudited
figures by another door. This compares, year by year, a fingerprint of what the timetable reads in the
working warehouse with the same in the publication, and names the years that differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

# What the timetable reads from each yearly mart: the columns that decide its figures, cast so that
# the working table and its published copy (where counts are cast to BIGINT) hash alike.
TIMELINE_INPUTS: dict[str, str] = {
    "mart_county_readiness": "ruleset, county_code, county_name, status",
    "fct_county_items": "ruleset, county_code, item_code, dimension, status",
    "fct_school_unit_indicators": "ruleset, school_id, level, indicator_code, passes, value::double, "
                                  "threshold::double, unit_passes_school_rule",
    "fct_county_coefficients": "ruleset, county_code, level, indicator_code, cv::double, cv_max::double, within_cap",
    "mart_county_level_resources": "ruleset, county_code, level, balance_rule, units_failing::double",
    "mart_county_roadmap": "ruleset, county_code, level, level_cost_yuan::double, "
                           "level_one_off_cost_yuan::double, level_recurring_cost_yuan_per_year::double, plan_passes",
}


def _columns(con: duckdb.DuckDBPyConnection, table: str, catalogs: list[str]) -> str:
    """TIMELINE_INPUTS[table], keeping the columns every catalog has: a publication made before a column
    was added compares on the columns it has (the run that adds one rebuilds only its own years)."""
    have = [{c for c, in con.execute("select column_name from information_schema.columns where table_catalog = ? "
                                     "and table_name = ?", [catalog, table]).fetchall()} for catalog in catalogs]
    kept = [x.strip() for x in TIMELINE_INPUTS[table].split(",")
            if all(x.strip().split("::")[0] in h for h in have)]
    return ", ".join(kept)


def _fingerprints(con: duckdb.DuckDBPyConnection, prefix: str, years: list[int],
                  tables: list[str], columns_of: dict[str, str]) -> dict[tuple[str, int], tuple]:
    out = {}
    for table in tables:
        columns = columns_of[table]
        rows = con.execute(
            f"select year, count(*), sum(hash({columns})::hugeint)::varchar from {prefix}{table} "  # noqa: S608
            "where list_contains(?, year) group by year", [years]).fetchall()
        out.update({(table, int(y)): (n, h) for y, n, h in rows})
    return out


def diverging_years(con: duckdb.DuckDBPyConnection, published_db: Path, years: Sequence[int]) -> list[str]:
    """For each of `years` (published years the run does not rebuild): the tables whose timetable inputs
    differ between the working warehouse (`con`) and the publication, as 'YEAR: table, table'. Empty = agree."""
    years = sorted({int(y) for y in years})
    if not years or not Path(published_db).exists():
        return []
    path = str(Path(published_db)).replace("'", "''")
    con.execute(f"attach '{path}' as timeline_publication (read_only)")
    try:
        # a table an older publication lacks has nothing to compare with (the timetable reads only its
        # latest year of the roadmap, which the run rebuilds)
        tables = [t for t, in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'timeline_publication' "
            "and list_contains(?, table_name)", [list(TIMELINE_INPUTS)]).fetchall()]
        tables = [t for t in TIMELINE_INPUTS if t in tables]
        working_catalog = con.execute("select current_database()").fetchall()[0][0]
        columns_of = {t: _columns(con, t, [working_catalog, "timeline_publication"]) for t in tables}
        working = _fingerprints(con, "", years, tables, columns_of)
        published = _fingerprints(con, "timeline_publication.main.", years, tables, columns_of)
    finally:
        con.execute("detach timeline_publication")
    out = []
    for year in years:
        differ = [t for t in tables if working.get((t, year)) != published.get((t, year))]
        if differ:
            out.append(f"{year}: {', '.join(differ)}")
    return out
