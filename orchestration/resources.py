"""Resources: where the landing directory and the warehouse are, and connections to the warehouse;
the run's admission config (the one switch of the admission gate, ingestion/admission.py); and the
dbt resource (dagster-dbt's, without the costs it pays per command that nothing here uses)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version
from pydantic import Field, PrivateAttr

from core.settings import Settings


class JunhengConfig(dg.ConfigurableResource):
    """Paths of one deployment: the directories of `Settings` (absolute, as Settings made them), as text
    because Dagster's config is; the file names inside them are Settings'. The working DuckDB has one
    writer: connections are opened per step and closed before dbt (a separate process) runs."""

    landing_dir: str
    warehouse_dir: str
    _run_lock: object = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        return Settings.from_env(landing=self.landing_dir, warehouse=self.warehouse_dir)

    @property
    def landing(self) -> Path:
        return self.settings.landing

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse

    @property
    def working_db(self) -> Path:
        return self.settings.working_db

    @property
    def published_db(self) -> Path:
        return self.settings.published_db

    def hold_run_lock(self) -> None:
        """Take the warehouse lock (core/locking.py) at the run's first use of the warehouse
        and keep it until the run ends, so a run the daemon launched and one `junheng run` started
        never interleave. Re-entrant: inside `junheng run`, which holds it already, this is a no-op.
        Sensors and schedules use this resource for paths only and never take the lock."""
        if self._run_lock is None:
            from core.locking import lock_wait_seconds, warehouse_lock

            cm = warehouse_lock(self.warehouse, wait=lock_wait_seconds(), command="dagster run")
            cm.__enter__()
            self._run_lock = cm

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_lock is not None:
            self._run_lock.__exit__(None, None, None)
            self._run_lock = None

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.hold_run_lock()
        self.working_db.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.working_db))
        try:
            yield con
        finally:
            con.close()


# The run's admission config is the schools step's (ops.ingest_schools.config): that step, which every other
# feed waits for, asks the gate first; the key is the one operators have saved in launchpad configs.
ADMISSION_STEP = "ingest_schools"


class AdmissionConfig(dg.Config):
    """The admission gate's one switch, typed; the schools step takes it as its config."""

    accept_shrink: bool = Field(
        default=False, description="Publish a year even though it holds less than its publication: a feed "
                                   "gone, a schools file or a county's evaluated schools or pupils down by more "
                                   "than JUNHENG_MAX_SHRINK, a county no longer evaluated")


class FeedStepConfig(dg.PermissiveConfig):
    """The other feed steps' config: no setting of their own. Permissive, so that a launchpad config saved
    when every feed step showed accept_shrink stays valid; the run's switch is the schools step's."""


def run_admission(run_config: Mapping | None) -> AdmissionConfig:
    """The run's admission config, for the steps after the schools step (the other feeds, publish):
    its config section parsed by the same typed class; the defaults when the run does not hold it."""
    section = ((run_config or {}).get("ops") or {}).get(ADMISSION_STEP) or {}
    return AdmissionConfig(**(section.get("config") or {}))


def admission_run_config(config: AdmissionConfig) -> dict:
    """The run config's `ops` entry that sets `config` (for runs launched in Python, e.g. the CLI)."""
    return {ADMISSION_STEP: {"config": config.model_dump()}}


class JunhengDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without two costs it pays per run that nothing here uses (measured on a
    5-school run: ≈ 7.5 s of ≈ 55 s, docs/benchmarks.md round four):

    - `dbt --version` in a child process, to learn the dbt version (≈ 2.6 s): read instead from the
      installed dbt-core package, which the dbt executable beside this interpreter runs;
    - a dbt adapter built in this process before each command (≈ 2.5 s each: dbt's project, profile and
      macros loaded), which dagster-dbt uses only to fetch column metadata and row counts — this project
      fetches neither.

    Both override private members of dagster-dbt 0.29 (pinned); tests/unit/test_definitions.py fails if
    an upgrade renames them, rather than letting the costs come back unnoticed."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None
