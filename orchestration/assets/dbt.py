"""dbt models as Dagster assets, split around the Python coefficient step:
seeds + staging + intermediate → county_coefficients (Python) → marts."""

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from core.faultpoints import maybe_die
from orchestration.partitions import partition_years, single_run, yearly_partitions
from orchestration.project import dbt_project
from orchestration.resources import JunhengConfig
from publication.publish import published_years


class RunConfig(dg.Config):
    """full_refresh: rebuild every year's models from the raw tables (dbt --full-refresh)."""

    full_refresh: bool = False


class JunhengTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "standards"
        fqn = dbt_resource_props.get("fqn", [])
        if fqn[1:3] == ["marts", "timeline"]:
            return "timeline"  # the timetable across years: shown apart from the yearly marts
        return fqn[1] if len(fqn) > 2 else "dbt"


translator = JunhengTranslator()


def dbt_vars(years: Sequence[int] | None, duckdb_path: Path | str,
             timeline_years: Sequence[int] | None = None) -> dict:
    """The --vars of one run: the years it rebuilds ('all' when None), the absolute DuckDB path, and the
    years the timetable reads (the years published plus the run's own; 'all' when None)."""
    out = {
        "years": "all" if years is None else sorted({int(y) for y in years}),
        "duckdb_path": str(Path(duckdb_path).resolve()),
    }
    if timeline_years is not None:
        out["timeline_years"] = sorted({int(y) for y in timeline_years})
    return out


def dbt_build_args(years: Sequence[int] | None, duckdb_path: Path | str, full_refresh: bool = False,
                   timeline_years: Sequence[int] | None = None) -> list[str]:
    """`dbt build` arguments for a partition run; selection comes from the @dbt_assets definition."""
    args = ["build", "--vars", json.dumps(dbt_vars(years, duckdb_path, timeline_years), sort_keys=True)]
    if full_refresh:
        args.append("--full-refresh")
    return args


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, junheng: JunhengConfig, config: RunConfig,
           timeline: bool = False):
    """`dbt build` of this definition's selection for the run's years; dagster-dbt writes a fresh
    target/ folder per invocation (tens of MB over many runs): removed once the events are read.
    With `timeline`, the timetable's tables are rebuilt over the years published plus the run's."""
    years = partition_years(context)
    timeline_years = sorted(set(published_years(junheng.published_db)) | set(years)) if timeline else None
    args = dbt_build_args(years, junheng.working_db, config.full_refresh, timeline_years)
    invocation = dbt.cli(args, context=context)
    maybe_die("dbt", invocation.process.pid)  # test-only: JUNHENG_TEST_KILL_AT (faultpoints.py)
    try:
        yield from invocation.stream()
    finally:
        shutil.rmtree(invocation.target_path, ignore_errors=True)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="resource_type:seed path:models/staging path:models/intermediate",
    name="dbt_indicators",
    partitions_def=yearly_partitions,
    backfill_policy=single_run,
    dagster_dbt_translator=translator,
)
def dbt_indicators(context: dg.AssetExecutionContext, dbt: DbtCliResource, junheng: JunhengConfig,
                   config: RunConfig):
    yield from _build(context, dbt, junheng, config)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="path:models/marts",
    name="dbt_marts",
    partitions_def=yearly_partitions,
    backfill_policy=single_run,
    dagster_dbt_translator=translator,
)
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, junheng: JunhengConfig,
              config: RunConfig):
    """The yearly marts for the run's years, then the timetable (models/marts/timeline/, group
    'timeline'): whole tables rebuilt over every year published plus the run's own, whichever year
    the run is for — so a backfill or a re-run of one past year refreshes them."""
    yield from _build(context, dbt, junheng, config, timeline=True)


@dg.asset(
    key="dbt_docs",
    group_name="docs",
    kinds={"dbt"},
    deps=[dg.AssetKey("mart_county_readiness")],
    description="dbt docs site (lineage, model and column descriptions): <warehouse>/dbt_docs/index.html",
)
def dbt_docs(context: dg.AssetExecutionContext, dbt: DbtCliResource, junheng: JunhengConfig) -> dg.MaterializeResult:
    """`dbt docs generate --static`: one self-contained HTML file analysts can open without a server."""
    args = ["docs", "generate", "--static", "--vars", dbt_build_args(None, junheng.working_db)[2]]
    invocation = dbt.cli(args, manifest=dbt_project.manifest_path, raise_on_error=True)
    try:
        invocation.wait()
        out_dir = junheng.working_db.parent / "dbt_docs"
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / "index.html"
        shutil.copyfile(invocation.target_path / "static_index.html", target)
    finally:
        shutil.rmtree(invocation.target_path, ignore_errors=True)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(target)),
                                          "bytes": target.stat().st_size})
