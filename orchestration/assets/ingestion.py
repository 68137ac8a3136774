"""One asset per feed: read the year's file, enforce the contract, load raw_<feed> and
quarantine_<feed>, and run the feed's Great Expectations suite as a blocking check. The schools step,
which every other feed waits for, first asks the admission gate (ingestion/admission.py) for every year
of the run: a year with no schools rows, or one that would publish less than is published (unless the
run accepts the shrink), is refused before anything is loaded."""

import dagster as dg

from ingestion.contract import FEED_SPECS, FEEDS
from orchestration.partitions import partition_years, per_year, single_run, yearly_partitions
from orchestration.resources import (
    ADMISSION_STEP,
    AdmissionConfig,
    FeedStepConfig,
    JunhengConfig,
    run_admission,
)


def check_landing(context: dg.AssetExecutionContext, junheng: JunhengConfig, years: list[int],
                  accept_shrink: bool) -> dict:
    """Ask the admission gate for each of `years` before any feed is loaded; a refusal (or a file that
    cannot be read at all) raises dg.Failure with the gate's message. Returns what was delivered and
    what shrink was accepted, for the step's metadata."""
    from ingestion.admission import admit_year, landing_facts
    from ingestion.inventory import max_shrink
    from ingestion.readers import FeedFileError
    from publication.publish import published_inventory

    published = published_inventory(junheng.published_db, years)
    limit = max_shrink()
    found, accepted = [], []
    for year in years:
        try:
            admission = admit_year(landing_facts(junheng.landing, year, published.get(year)),
                                   accept_shrink=accept_shrink, limit=limit)
        except FeedFileError as e:
            raise dg.Failure(description=str(e), metadata={"file": e.file, "rule": e.rule}) from e
        if not admission.admitted:
            raise dg.Failure(description=admission.message,
                             metadata={"landing": str(junheng.landing), "year": year, "rule": admission.rule})
        if admission.accepted:
            context.log.warning(f"shrink accepted by run {context.run_id} for {year}: " + "; ".join(admission.accepted))
            accepted += admission.accepted
        found.append(f"{year}: {admission.now.describe()}")
    return {"landing_delivered": "\n".join(found), "shrink_accepted": " | ".join(accepted) or "none"}


def build_feed_asset(feed: str) -> dg.AssetsDefinition:
    raw_key, quarantine_key = dg.AssetKey(f"raw_{feed}"), dg.AssetKey(f"quarantine_{feed}")
    # every feed waits for the schools step (which checks the landing first); child feeds also need its rows
    deps = [] if feed == "schools" else [dg.AssetKey("raw_schools")]
    spec = FEED_SPECS[feed]
    check_name = f"gx_feed_{feed}"
    step = f"ingest_{feed}"

    def ingest(context: dg.AssetExecutionContext, junheng: JunhengConfig, accept_shrink: bool):
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
        gate = check_landing(context, junheng, years, accept_shrink) if step == ADMISSION_STEP else {}
        summaries = []
        with junheng.connect() as con:
            for year in years:
                try:  # each load asks the gate too (a feed selected without the schools step)
                    summaries.append(ingest_feed(con, junheng.landing, year, feed, accept_shrink=accept_shrink))
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

    # the schools step takes the run's admission config typed; the other feeds read the same section
    if step == ADMISSION_STEP:
        def compute(context: dg.AssetExecutionContext, config: AdmissionConfig, junheng: JunhengConfig):
            yield from ingest(context, junheng, config.accept_shrink)
    else:
        def compute(context: dg.AssetExecutionContext, config: FeedStepConfig, junheng: JunhengConfig):
            yield from ingest(context, junheng, run_admission(context.run.run_config).accept_shrink)

    return dg.multi_asset(
        name=step,
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
    )(compute)


feed_assets = [build_feed_asset(feed) for feed in FEEDS]
