"""Blocking asset checks on the marts: a Great Expectations suite per published mart, and the
reconciliation of student counts against the raw tables. A failing check stops publication.

The suites (GX's JSON, `expectations/suites/`) are evaluated **inside DuckDB** by
`expectations.sql_runner`, always, whatever the table's size: not by reading the rows into pandas for
GX (`expectations.runner.validate_frame`). At national scale `fct_school_unit_indicators` holds ≈ 4.5M
rows a year; the pandas + GX check took ≈ 50 s of a ≈ 170 s run and was the run's memory peak (≈ 5 GB),
and grew with the years of a backfill. In DuckDB only counts and ≤ 5 example rows per failing expectation
leave the database (docs/benchmarks.md has the before/after figures).

Why always, not above a row-count threshold: the rows of every published mart are already in DuckDB, so
SQL costs a small table nothing (no copy, no GX import of ≈ 3 s); one engine means a table's verdict
never depends on how big the run happened to be (a threshold would switch engines between a one-year
run and a backfill of the same rows), and there is one code path to test. GX stays the reference: the
SQL runner implements GX's pandas semantics and tests/unit/test_sql_runner.py runs every suite through
both engines (clean and violated rows) and requires the same verdicts, counts and examples.
"""

import dagster as dg

from orchestration.partitions import partition_years
from orchestration.resources import JunhengConfig
from publication.catalog import published_tables

# Published tables, their grain and suites: declared once, in the mart YAML (publication/catalog.py)
MART_SUITES = {t.name: (t.suite, list(t.grain)) for t in published_tables()}
# ... of which the timetable's, rebuilt whole at each run: checked whole
ACROSS_YEARS = {t.name for t in published_tables() if t.across_years}


def build_mart_check(table: str, suite: str, id_columns: list[str]) -> dg.AssetChecksDefinition:
    whole = table in ACROSS_YEARS

    @dg.asset_check(asset=dg.AssetKey(table), name=f"gx_{table}", blocking=True,
                    description=f"Great Expectations suite {suite} on "
                                + ("the whole table (rebuilt over every year held)" if whole else "this run's years"))
    def _check(context: dg.AssetCheckExecutionContext, junheng: JunhengConfig) -> dg.AssetCheckResult:
        from expectations.sql_runner import validate_table

        # the suite runs in DuckDB over the run's rows: nothing is copied to pandas (module docstring)
        if whole:
            relation, params = table, []
        else:
            relation = f"(select * from {table} where list_contains(?, year))"  # noqa: S608
            params = [partition_years(context)]
        with junheng.connect() as con:
            result = validate_table(con, suite, relation, key=id_columns, params=params)
        return dg.AssetCheckResult(passed=result.success, description=result.summary(),
                                   metadata={"rows": result.rows, "expectations": result.evaluated})

    return _check


@dg.asset_check(asset=dg.AssetKey("mart_county_level_resources"), name="students_reconcile_with_raw",
                blocking=True,
                description="Students per county × level × rule set in the mart = raw students minus scope exclusions")
def students_reconcile_with_raw(context: dg.AssetCheckExecutionContext, junheng: JunhengConfig):
    years = partition_years(context)
    with junheng.connect() as con:
        from expectations.reconciliation import reconcile

        diff = reconcile(con, years)
    rows = [f"{r.year} {r.county_code} {r.level} {r.ruleset}: mart {r.mart_students:g} vs raw {r.raw_students:g}"
            for r in diff.head(10).itertuples()]
    return dg.AssetCheckResult(
        passed=diff.empty,
        description="reconciled" if diff.empty else f"{len(diff)} county-level row(s) differ: " + "; ".join(rows),
        metadata={"mismatches": len(diff)},
    )


@dg.asset_check(asset=dg.AssetKey("mart_county_timetable"), name="timeline_inputs_match_publication",
                blocking=True,
                description="The published years this run does not rebuild hold, in the working warehouse, "
                            "what was published (the timetable reads them)")
def timeline_inputs_match_publication(context: dg.AssetCheckExecutionContext, junheng: JunhengConfig):
    from expectations.timeline import diverging_years
    from publication.publish import published_years

    others = sorted(set(published_years(junheng.published_db)) - set(partition_years(context)))
    with junheng.connect() as con:
        differ = diverging_years(con, junheng.published_db, others)
    return dg.AssetCheckResult(
        passed=not differ,
        description=(f"{len(others)} other published year(s) agree" if not differ else
                     "the working warehouse differs from the publication for " + "; ".join(differ)
                     + " (a run of that year was not published: its checks failed or it was stopped); "
                     "re-run that year so the timetable reads audited figures"),
        metadata={"years_compared": len(others), "years_differing": len(differ)},
    )


mart_checks = [build_mart_check(t, s, ids) for t, (s, ids) in MART_SUITES.items()]
all_mart_checks = [*mart_checks, students_reconcile_with_raw, timeline_inputs_match_publication]
