"""dbt models as Dagster assets, split around the Python steps (equity/): seeds and every model
they do not feed → county_coefficients, county_equity_measures, county_roadmap (Python) → what reads
their tables (source `equity`), the published marts and the timetable."""

import json
import os
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from core.faultpoints import maybe_die
from core.settings import DBT_MEMORY_DEFAULT, DBT_MEMORY_ENV, duckdb_memory_limit
from orchestration.partitions import partition_years, single_run, yearly_partitions
from orchestration.project import dbt_project
from orchestration.resources import JunhengConfig
from publication.publish import published_years


class RunConfig(dg.Config):
    """full_refresh: rebuild every year's models from the raw tables (dbt --full-refresh)."""

    full_refresh: bool = False


# What each kind of dbt test protects, in one line (the Dagster UI shows it under the check's name).
_TEST_WORDS = {
    "unique_combination": "one row per {columns}: no key appears twice",
    "not_null_columns": "no NULL in the key columns {columns}",
    "not_null": "{column} is never NULL",
    "unique": "{column} is unique",
    "accepted_values": "{column} holds only the codes {values}",
    "accepted_range": "{column} stays within [{min_value}, {max_value}]",
    "relationships": "every {column} exists in {to}",
    "school_rule_holds_under_plan": "every school unit passes the school rule once the published plan is "
                                    "applied (a plan that leaves a unit failing is never published)",
}


def describe_dbt_test(test: Mapping[str, Any], model: str | None) -> str:
    """One line saying what a dbt test protects, from its manifest node: the test's own description when
    it has one; for a generic test, its kind with its arguments; for a singular test, the first sentence
    of its SQL's leading comment. Every check of a blocking test stops publication when it fails."""
    if (test.get("description") or "").strip():
        return test["description"].strip()
    meta = test.get("test_metadata") or {}
    kind, kwargs = meta.get("name"), dict(meta.get("kwargs") or {})
    where = f"{model}: " if model else ""
    if kind in _TEST_WORDS:
        args = {"columns": ", ".join(kwargs.get("columns") or []), "column": test.get("column_name") or "",
                "values": " / ".join(map(str, kwargs.get("values") or [])), "to": str(kwargs.get("to", "")),
                "min_value": kwargs.get("min_value"), "max_value": kwargs.get("max_value")}
        return where + _TEST_WORDS[kind].format(**args)
    if kind:
        return f"{where}dbt test {kind}({', '.join(f'{k}={v}' for k, v in kwargs.items() if k != 'model')})"
    comment = [line.lstrip("- ").strip() for line in (test.get("raw_code") or "").splitlines()
               if line.startswith("--")]
    text = " ".join(comment).split(": ")[0] if comment else f"singular test {test.get('name')}"
    return where + text


class JunhengTranslator(DagsterDbtTranslator):
    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        test = manifest["nodes"][unique_id]
        return dg.AssetCheckSpec(name=spec.name, asset=spec.asset_key, additional_deps=spec.additional_deps,
                                 metadata=spec.metadata, blocking=spec.blocking,
                                 description=describe_dbt_test(test, asset_spec.key.path[-1]))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "standards"
        if "timeline" in dbt_resource_props.get("tags", []):
            return "timeline"  # the timetable across years: shown apart from the yearly marts
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"  # the layer: staging, intermediate, marts


translator = JunhengTranslator()

# dbt unit tests check the models' logic on given rows, not the year's data: they run in CI
# (tests/integration/test_dbt_unit_tests.py), not in every run — dbt's own advice for production builds.
RUN_EXCLUDE = "resource_type:unit_test"

# The two runs, by graph and tag rather than by folder (the folders are dbt's layers): the second
# builds what reads the tables the Python steps write (source `equity` and everything downstream of
# it), every published model (tag `marts`, the folder models/marts/) and the timetable with its steps
# (tag `timeline`); the first builds the seeds and every other model — by construction, the two
# partition the project, and nothing of the first reads a Python step's table.
MARTS_SELECT = "source:equity+ tag:marts tag:timeline"
INDICATORS_SELECT = "resource_type:seed resource_type:model"
INDICATORS_EXCLUDE = f"{MARTS_SELECT} {RUN_EXCLUDE}"


def dbt_env(years: Sequence[int] | None, warehouse: Path | str,
            timeline_years: Sequence[int] | None = None) -> dict[str, str]:
    """What one run tells dbt, as environment variables of the dbt child (profiles.yml and
    macros/years.sql read them): the years it rebuilds ('all' when None), the warehouse directory
    (JUNHENG_WAREHOUSE, absolute: the setting's own name and form; profiles.yml adds the file name),
    the years the timetable reads (the years published plus the run's own; 'all' when None), and dbt's
    DuckDB memory limit (JUNHENG_DBT_MEMORY_LIMIT, checked here so a bad value names the setting).
    Not --vars: a --vars value that changes from run to run makes dbt re-parse the whole project
    at every invocation (≈ 4 s each); these are read at execution only."""
    return {
        DBT_MEMORY_ENV: duckdb_memory_limit(DBT_MEMORY_ENV, DBT_MEMORY_DEFAULT),  # a bad value stops here
        "JUNHENG_DBT_YEARS": "all" if years is None else json.dumps(sorted({int(y) for y in years})),
        "JUNHENG_WAREHOUSE": str(Path(warehouse).resolve()),
        "JUNHENG_DBT_TIMELINE_YEARS": ("all" if timeline_years is None
                                       else json.dumps(sorted({int(y) for y in timeline_years}))),
    }


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """`dbt build` arguments for a partition run; selection comes from the @dbt_assets definition."""
    return ["build", "--full-refresh"] if full_refresh else ["build"]


_ENV_LOCK = threading.Lock()


@contextmanager
def dbt_environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set `env` while a dbt command is started: DbtCliResource copies os.environ into the child's
    environment when `cli()` is called (it takes no env of its own). Restored afterwards."""
    with _ENV_LOCK:
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, junheng: JunhengConfig, config: RunConfig,
           timeline: bool = False):
    """`dbt build` of this definition's selection for the run's years; dagster-dbt writes a fresh
    target/ folder per invocation (tens of MB over many runs): removed once the events are read.
    With `timeline`, the timetable's tables are rebuilt over the years published plus the run's."""
    years = partition_years(context)
    timeline_years = sorted(set(published_years(junheng.published_db)) | set(years)) if timeline else None
    with dbt_environment(dbt_env(years, junheng.warehouse, timeline_years)):
        invocation = dbt.cli(dbt_build_args(config.full_refresh), context=context)
    maybe_die("dbt", invocation.process.pid)  # test-only: JUNHENG_TEST_KILL_AT (faultpoints.py)
    try:
        yield from invocation.stream()
    finally:
        keep_partial_parse(invocation.target_path)
        shutil.rmtree(invocation.target_path, ignore_errors=True)


def keep_partial_parse(invocation_target: Path) -> None:
    """dagster-dbt starts each dbt command from the project's target/partial_parse.msgpack, copied
    into a fresh target folder, and that folder is removed afterwards: without this, every command
    re-parses what the last one already parsed for this warehouse (the profile's path is part of
    dbt's parse state). The file is replaced atomically, so a concurrent dbt reads the old or the
    new one; a read-only project just keeps its prepared file."""
    fresh = Path(invocation_target) / "partial_parse.msgpack"
    if not fresh.exists():
        return
    kept = dbt_project.project_dir / "target" / "partial_parse.msgpack"
    tmp = kept.with_name(f".partial_parse.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        shutil.copyfile(fresh, tmp)
        os.replace(tmp, kept)
    except OSError:
        tmp.unlink(missing_ok=True)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=INDICATORS_SELECT,
    exclude=INDICATORS_EXCLUDE,
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
    select=MARTS_SELECT,
    exclude=RUN_EXCLUDE,
    name="dbt_marts",
    partitions_def=yearly_partitions,
    backfill_policy=single_run,
    dagster_dbt_translator=translator,
)
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, junheng: JunhengConfig,
              config: RunConfig):
    """The yearly marts for the run's years, then the timetable (tag and group 'timeline':
    models/marts/timeline/ and its steps in models/intermediate/timeline/): whole tables rebuilt over
    every year published plus the run's own, whichever year the run is for — so a backfill or a
    re-run of one past year refreshes them."""
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
    with dbt_environment(dbt_env(None, junheng.warehouse)):
        invocation = dbt.cli(["docs", "generate", "--static"], manifest=dbt_project.manifest_path,
                             raise_on_error=True)
    try:
        invocation.wait()
        out_dir = junheng.warehouse / "dbt_docs"
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / "index.html"
        shutil.copyfile(invocation.target_path / "static_index.html", target)
    finally:
        keep_partial_parse(invocation.target_path)
        shutil.rmtree(invocation.target_path, ignore_errors=True)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(target)),
                                          "bytes": target.stat().st_size})
