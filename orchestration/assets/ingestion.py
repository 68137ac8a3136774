"""One asset per feed: read the year's file, enforce the contract, load raw_<feed> and
quarantine_<feed>, and run the feed's Great Expectations suite as a blocking check."""

import dagster as dg

from ingestion.contract import FEED_SPECS, FEEDS, SCHOOL_CHILD_FEEDS
from orchestration.partitions import partition_years, single_run, yearly_partitions
from orchestration.resources import JunhengConfig


def build_feed_asset(feed: str) -> dg.AssetsDefinition:
    raw_key, quarantine_key = dg.AssetKey(f"raw_{feed}"), dg.AssetKey(f"quarantine_{feed}")
    deps = [dg.AssetKey("raw_schools")] if feed in SCHOOL_CHILD_FEEDS else []
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
    def _ingest(context: dg.AssetExecutionContext, junheng: JunhengConfig):
        # the parsing stack (pandas, GX) loads when a step runs, not when the code location loads
        from expectations.runner import validate_frame
        from ingestion.load import ingest_feed, table_name
        from ingestion.readers import FeedFileError

        years = partition_years(context)
        summaries = []
        with junheng.connect() as con:
            for year in years:
                try:
                    summaries.append(ingest_feed(con, junheng.landing, year, feed))
                except FeedFileError as e:
                    raise dg.Failure(
                        description=str(e),
                        metadata={"file": e.file, "rule": e.rule, "column": e.column or "",
                                  "rows": ", ".join(map(str, e.rows))},
                    ) from e
            valid = con.execute(
                f"select * exclude (_delivered) from {table_name('raw', feed)} "  # noqa: S608
                "where list_contains(?, year) and not _quarantined", [years]).df()
        for s in summaries:
            for line in s.first_violations:
                context.log.warning(line)
            for note in s.notes:
                context.log.info(f"{feed} {s.year}: {note}")
        delivered = sum(s.rows_delivered for s in summaries)
        quarantined = sum(s.rows_quarantined for s in summaries)
        absent = [str(s.year) for s in summaries if s.status == "absent"]
        yield dg.MaterializeResult(asset_key=raw_key, metadata={
            "rows_delivered": delivered, "rows_valid": len(valid), "years": ", ".join(map(str, years)),
            "files": ", ".join(s.source_file or "(absent)" for s in summaries),
            "encodings": ", ".join(s.encoding or "-" for s in summaries),
            "absent_in_years": ", ".join(absent) or "none",
            "notes": " | ".join(n for s in summaries for n in s.notes) or "none",
        })
        rules: dict[str, int] = {}
        for s in summaries:
            for k, n in s.rules_broken.items():
                rules[k] = rules.get(k, 0) + n
        yield dg.MaterializeResult(asset_key=quarantine_key, metadata={
            "rows_quarantined": quarantined,
            "rules_broken": ", ".join(f"{k}: {n}" for k, n in sorted(rules.items())) or "none",
            "first_violations": "\n".join(v for s in summaries for v in s.first_violations[:3]) or "none",
        })
        result = validate_frame(f"feed_{feed}", valid, id_columns=["year", *spec.key])
        yield dg.AssetCheckResult(
            check_name=check_name, asset_key=raw_key, passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=result.summary(),
            metadata={"expectations": result.evaluated, "rows": len(valid)},
        )

    return _ingest


feed_assets = [build_feed_asset(feed) for feed in FEEDS]
