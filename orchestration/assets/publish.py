"""The publish asset: runs only when every blocking check upstream passed (Dagster skips it
otherwise), verifies that no check of this run failed, then replaces published.duckdb atomically."""

import dagster as dg

from core.settings import DEFAULT_RULESET
from orchestration.partitions import partition_years, per_year, single_run, yearly_partitions
from orchestration.resources import JunhengConfig, run_admission
from publication.publish import (
    PUBLISHED_TABLES,
    current_publication,
    parquet_link,
    publish,
    published_inventory,
    working_inventory,
)


def run_check_outcomes(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, bool, str]]:
    """(check, passed, description) of every asset check evaluated in the run."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000).records
    out = []
    for r in records:
        data = r.event_log_entry.dagster_event.event_specific_data
        name = f"{data.asset_key.to_user_string()}:{data.check_name}"
        out.append((name, bool(data.passed), data.description or ""))
    return out


def guard_against_shrink(context: dg.AssetExecutionContext, junheng: JunhengConfig, years: list[int]) -> str | None:
    """The last guard, whatever was selected: the admission gate asked on what the working warehouse will
    publish (a year it holds no schools for is never published; one that holds less than its
    publication only when the run accepts the shrink). Returns what was accepted (for the publication
    log), or None."""
    from ingestion.admission import admit_year, publication_facts
    from ingestion.inventory import max_shrink

    with junheng.connect() as con:
        now = working_inventory(con, years)
    before = published_inventory(junheng.published_db, years)
    accept_shrink, limit = run_admission(context.run.run_config).accept_shrink, max_shrink()
    accepted = []
    for year in years:
        admission = admit_year(publication_facts(junheng.landing, year, now.get(year), before.get(year)),
                               accept_shrink=accept_shrink, limit=limit)
        if not admission.admitted:
            raise dg.Failure(description=admission.message, metadata={"year": year, "rule": admission.rule})
        accepted += admission.accepted
    return f"run {context.run_id}: " + "; ".join(accepted) if accepted else None


@dg.asset(
    key="published_marts",
    deps=[dg.AssetKey(t) for t in PUBLISHED_TABLES] + [dg.AssetKey("county_coefficients")],
    partitions_def=yearly_partitions,
    backfill_policy=single_run,
    group_name="publish",
    kinds={"duckdb"},
    description="published.duckdb, the file BI tools read: replaced atomically, only after every check passed.",
)
def published_marts(context: dg.AssetExecutionContext, junheng: JunhengConfig) -> dg.MaterializeResult:
    years = partition_years(context)
    outcomes = run_check_outcomes(context.instance, context.run_id)
    failed = [f"{n}: {d}" for n, ok, d in outcomes if not ok]
    if failed:
        raise dg.Failure(description="publication refused, checks failed: " + " | ".join(failed))
    accepted = guard_against_shrink(context, junheng, years)
    counts = publish(junheng.working_db, junheng.published_db, years, context.run_id,
                     checks=[n for n, _, _ in outcomes], accepted_shrink=accepted)
    with junheng.connect() as con:
        preview = con.execute(
            "select year, county_code, county_name, ruleset, status from mart_county_readiness "
            "where list_contains(?, year) and ruleset = ? order by year, county_code", [years, DEFAULT_RULESET]).df()
    current = current_publication(junheng.published_db)
    by_year = {}
    for year in years:
        mine = preview[preview["year"] == year].drop(columns="year")
        by_year[year] = {
            f"readiness_{DEFAULT_RULESET}": dg.MetadataValue.md(mine.to_markdown(index=False) if len(mine) else "(none)"),
            "counties_ready": int((mine["status"] == "ready").sum()),
            "counties_not_ready": int((mine["status"] == "not_ready").sum()),
            "counties_incomplete": int((mine["status"] == "incomplete").sum()),
        }
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(junheng.published_db)),
        "publication_id": current or "",
        "parquet": dg.MetadataValue.path(str(parquet_link(junheng.published_db))),
        "checks_passed": len(outcomes),
        **{f"rows_{t}": n for t, n in counts.items()},
        "years": ", ".join(map(str, years)),
        **per_year(by_year),
    })
