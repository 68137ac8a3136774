"""The reports asset: after the publication, the HTML reports of the run's years — and of the latest
year published, so that the current publication always has the current year's reports, even after a
backfill of a past year — (default rule set, every county and city held) are written into the
publication's version folder, and the current publication's `published_reports` link points at them
(publication/reports). A failure fails this asset, visibly, and leaves the publication as it is."""

import dagster as dg

from core.settings import DEFAULT_RULESET
from orchestration.partitions import partition_years, per_year, single_run, yearly_partitions
from orchestration.resources import JunhengConfig
from publication.publish import current_publication, published_years


def _link(path) -> str:
    return f"[{path.name}]({path.as_uri()})"


@dg.asset(
    key="published_reports",
    deps=[dg.AssetKey("published_marts")],
    partitions_def=yearly_partitions,
    backfill_policy=single_run,
    group_name="publish",
    kinds={"html"},
    description="The county self-evaluation reports and city overviews (self-contained HTML) of the run's years "
                "and the latest year published, in the publication's version folder; <warehouse>/published_reports "
                "links to the current ones.",
)
def published_reports(context: dg.AssetExecutionContext, junheng: JunhengConfig) -> dg.MaterializeResult:
    from publication.reports import publish_reports

    junheng.hold_run_lock()  # writes into the warehouse's publications
    held = published_years(junheng.published_db)
    years = sorted(set(partition_years(context)) | set(held[-1:]))
    try:
        result = publish_reports(junheng.published_db, years, DEFAULT_RULESET)
    except Exception as e:  # any failure is this asset's: the publication stands
        raise dg.Failure(description=(
            f"reports not written for {', '.join(map(str, years))}: {type(e).__name__}: {e}. The publication "
            f"{current_publication(junheng.published_db)} stands; re-materialize published_reports, or write them "
            "with `junheng report`.")) from e
    by_year: dict[int, dict] = {}
    for year in years:
        pages = [p for p in result.pages if p.year == year and p.kind != "index"]
        entry: dict = {f"city_{p.code}": dg.MetadataValue.path(str(p.path)) for p in pages if p.kind == "city"}
        rows = [f"| {p.code} | {p.name} | {p.status} | {_link(p.path)} |" for p in pages if p.kind == "county"]
        entry["county_reports"] = dg.MetadataValue.md(
            "| county | name | status | report |\n|---|---|---|---|\n" + "\n".join(rows) if rows else "(none)")
        entry["pages"] = len(pages)
        by_year[year] = entry
    context.log.info(f"{len(result.pages)} report pages for publication {result.publication_id}: {result.index}")
    return dg.MaterializeResult(metadata={
        "index": dg.MetadataValue.path(str(result.index)),
        "index_url": dg.MetadataValue.url(result.index.as_uri()),
        "reports_dir": dg.MetadataValue.path(str(result.folder)),
        "current_reports_link": dg.MetadataValue.path(str(result.link)),
        "publication_id": result.publication_id,
        "ruleset": DEFAULT_RULESET,
        "years": ", ".join(map(str, years)),
        **per_year(by_year),
    })
