"""One asset per feed: read the year's file, enforce the contract, load raw_<feed> and
quarantine_<feed>, and run the feed's Great Expectations suite as a blocking check. The schools step,
which every other feed waits for, first counts what the year delivers and refuses a year with no
schools rows, or one that would publish less than is published (unless the run accepts the shrink)."""

import dagster as dg
from pydantic import Field

from ingestion.contract import FEED_SPECS, FEEDS
from orchestration.partitions import partition_years, per_year, single_run, yearly_partitions
from orchestration.resources import JunhengConfig

# The landing gate runs in the schools step, which every other feed waits for: its op config is where
# a run accepts a shrink (ops.ingest_schools.config.accept_shrink: true).
INVENTORY_OP = "ingest_schools"


class InventoryConfig(dg.Config):
    accept_shrink: bool = Field(
        default=False, description="Publish a year even though it holds less than its publication: a feed "
                                   "gone, a schools file or a county's evaluated schools or pupils down by more "
                                   "than JUNHENG_MAX_SHRINK, a county no longer evaluated")


def run_accepts_shrink(run_config: dict) -> bool:
    """Whether the run was launched with ops.ingest_schools.config.accept_shrink: true."""
    op = (run_config or {}).get("ops", {}).get(INVENTORY_OP, {})
    return bool((op.get("config") or {}).get("accept_shrink", False))


def check_landing(context: dg.AssetExecutionContext, config: InventoryConfig, junheng: JunhengConfig,
                  years: list[int]) -> dict:
    """Before any feed of `years` is loaded: refuse a year with no schools rows, or one whose files would
    publish less than is published (a feed gone, the schools file down by more than JUNHENG_MAX_SHRINK of
    its rows) unless the run accepts the shrink. What will be evaluated (per county: schools and pupils
    that pass the contract) is compared at publication, by the publish step's guard. Raises dg.Failure naming the landing, the year and what is published;
    returns what was delivered and what shrink was accepted, for the step's metadata."""
    from ingestion.inventory import (
        ShrinkRefused,
        empty_year_message,
        judge_shrink,
        max_shrink,
        schools_delivered,
    )
    from ingestion.inventory import landing_inventory as count_landing
    from ingestion.readers import FeedFileError
    from publication.publish import published_inventory

    published = published_inventory(junheng.published_db, years)
    limit = max_shrink()
    found, accepted = [], []
    for year in years:
        ok, why = schools_delivered(junheng.landing, year)
        if not ok:
            raise dg.Failure(description=empty_year_message(junheng.landing, year, why, published.get(year)),
                             metadata={"landing": str(junheng.landing), "year": year, "reason": why})
        try:
            now = count_landing(junheng.landing, year)
        except FeedFileError as e:
            raise dg.Failure(description=str(e), metadata={"file": e.file, "rule": e.rule}) from e
        try:
            problems = judge_shrink(published.get(year), now, limit, config.accept_shrink)
        except ShrinkRefused as e:
            raise dg.Failure(description=str(e), metadata={"year": year}) from e
        if problems:
            context.log.warning(f"shrink accepted by run {context.run_id} for {year}: " + "; ".join(problems))
            accepted += problems
        found.append(f"{year}: {now.describe()}")
    return {"landing_delivered": "\n".join(found), "shrink_accepted": " | ".join(accepted) or "none"}


def build_feed_asset(feed: str) -> dg.AssetsDefinition:
    raw_key, quarantine_key = dg.AssetKey(f"raw_{feed}"), dg.AssetKey(f"quarantine_{feed}")
    # every feed waits for the schools step (which checks the landing first); child feeds also need its rows
    deps = [] if feed == "schools" else [dg.AssetKey("raw_schools")]
    spec = FEED_SPECS[feed]
    check_name = f"gx_feed_{feed}"

    @dg.multi_asset(
        name=f"ingest_{feed}",
        specs=[
            dg.AssetSpec(raw_key, deps=deps, group_name="ingestion", kinds={"duckdb"},
                         description=f"Every delivered row of the {feed} feed ({spec.zh}), typed, with lineage."),
            dg.AssetSpec(quarantine_key, deps=deps, group_name="ingestion", kinds={"duckdb"},
                         description=f"Rows of the {feed} feed that broke a contract rule, with the rule."),
        ],
        check_specs=[dg.AssetCheckSpec(check_name, asset=raw_key, blocking=True,
                                       description=f"Great Expectations suite feed_{feed} on the valid rows")],
        partitions_def=yearly_partitions,
        backfill_policy=single_run,
    )
    def _ingest(context: dg.AssetExecutionContext, config: InventoryConfig, junheng: JunhengConfig):
        # the parsing stack (pandas, the suite runner) loads when a step runs, not when the code location loads
        from expectations.sql_runner import validate_table
        from ingestion.inventory import EmptyYearError, ShrinkRefused
        from ingestion.load import ingest_feed, table_name
        from ingestion.readers import FeedFileError

        years = partition_years(context)
        # the valid rows of the run's years; the feed's suite runs on them in DuckDB, as the mart checks do
        # (orchestration/checks.py: no copy to pandas; a national feed has up to ≈ 700k rows)
        valid = (f"(select * exclude (_delivered) from {table_name('raw', feed)} "  # noqa: S608
                 "where list_contains(?, year) and not _quarantined)")
        gate = check_landing(context, config, junheng, years) if feed == "schools" else {}
        summaries = []
        allow_erase = run_accepts_shrink(context.run.run_config)
        with junheng.connect() as con:
            for year in years:
                try:
                    summaries.append(ingest_feed(con, junheng.landing, year, feed, allow_erase=allow_erase))
                except (EmptyYearError, ShrinkRefused) as e:
                    raise dg.Failure(description=str(e), metadata={"landing": str(junheng.landing),
                                                                   "year": year}) from e
                except FeedFileError as e:
                    raise dg.Failure(
                        description=str(e),
                        metadata={"file": e.file, "rule": e.rule, "column": e.column or "",
                                  "rows": ", ".join(map(str, e.rows))},
                    ) from e
            valid_by_year = dict(con.execute(f"select year, count(*) from {valid} as v group by year",  # noqa: S608
                                             [years]).fetchall())
        for s in summaries:
            for line in s.first_violations:
                context.log.warning(line)
            for note in s.notes:
                context.log.info(f"{feed} {s.year}: {note}")
        yield dg.MaterializeResult(asset_key=raw_key, metadata={
            "years": ", ".join(map(str, years)),
            **gate,
            **per_year({s.year: {
                "rows_delivered": s.rows_delivered, "rows_valid": int(valid_by_year.get(s.year, 0)),
                "file": s.source_file or "(absent)", "encoding": s.encoding or "-",
                "notes": " | ".join(s.notes) or "none"} for s in summaries}),
        })
        yield dg.MaterializeResult(asset_key=quarantine_key, metadata=per_year({s.year: {
            "rows_quarantined": s.rows_quarantined,
            "rules_broken": ", ".join(f"{k}: {n}" for k, n in sorted(s.rules_broken.items())) or "none",
            "first_violations": "\n".join(s.first_violations[:3]) or "none"} for s in summaries}))
        with junheng.connect() as con:
            result = validate_table(con, f"feed_{feed}", valid, key=["year", *spec.key], params=[years])
        yield dg.AssetCheckResult(
            check_name=check_name, asset_key=raw_key, passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=result.summary(),
            metadata={"expectations": result.evaluated, "rows": result.rows},
        )

    return _ingest


feed_assets = [build_feed_asset(feed) for feed in FEEDS]
