"""Run the year job in-process, as the UI would launch it, and collect what blocked publication."""

from __future__ import annotations

import contextlib
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import Settings
from orchestration.environment import dagster_home, ensure_manifest, ensure_offline_env

REPORTS_STEP = "published_reports"  # the reports asset's step: its failure leaves the publication standing


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    seconds: float
    problems: list[str] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: int = 0
    log_path: Path | None = None
    stage_summary: str = ""
    materialized: set[str] = field(default_factory=set)  # asset keys materialized by the run
    reports_problem: str | None = None  # published, but the reports failed (published_reports)

    @property
    def published(self) -> bool:
        return "published_marts" in self.materialized


def run_year(settings: Settings, year: int, full_refresh: bool = False, quiet: bool = True,
             since: int | None = None, progress: bool = False, accept_shrink: bool = False) -> RunOutcome:
    """Run the year job in-process (years `since`..`year` as one single-run range when `since` is
    given); collect what blocked publication, if anything."""
    ensure_offline_env()
    ensure_manifest()
    warnings.filterwarnings("ignore")
    import dagster as dg

    from orchestration.definitions import YEAR_JOB, build_definitions
    from orchestration.partitions import all_years, range_tags
    from orchestration.resources import AdmissionConfig, admission_run_config

    held = all_years()
    for y in {year, since or year}:
        if y not in held:
            raise SystemExit(f"junheng: year {y} is outside the partitions {held[0]}–{held[-1]}")
    if since is not None and since > year:
        raise SystemExit(f"junheng: --since {since} is after --year {year}")
    settings.warehouse.mkdir(parents=True, exist_ok=True)
    from core.locking import hold_warehouse

    # One run per warehouse (core/locking.py): a second run is refused (exit 75), or waits
    # JUNHENG_LOCK_WAIT seconds; a DuckDB file still held by a killed run's dbt child is waited for.
    with hold_warehouse(settings.warehouse, year, settings.working_db):
        instance = dg.DagsterInstance.from_config(str(dagster_home(settings.warehouse)))
        job = build_definitions(settings).resolve_job_def(YEAR_JOB)
        run_config: dict = {"loggers": {"console": {"config": {"log_level": "CRITICAL" if quiet else "INFO"}}}}
        handler = None
        if progress:
            from orchestration.progress import current_handler

            handler = current_handler()
            handler.seconds.clear()
            run_config["loggers"]["progress"] = {}
        run_config["ops"] = {}
        if full_refresh:
            run_config["ops"] = {n: {"config": {"full_refresh": True}}
                                 for n in ("dbt_indicators", "dbt_marts", "county_coefficients")}
        if accept_shrink:
            run_config["ops"].update(admission_run_config(AdmissionConfig(accept_shrink=True)))
        started = time.monotonic()
        log_dir = settings.warehouse / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"run-{year}-{time.strftime('%Y%m%dT%H%M%S')}.log"
        # The run's events go to the run log (the file logger); dagster-dbt echoes dbt's log to stdout,
        # kept in the same file so the CLI prints only the verdict.
        run_config["loggers"]["file"] = {"config": {"path": str(log_path)}}
        with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log if quiet else sys.stdout):
            if since is None or since == year:
                result = job.execute_in_process(partition_key=str(year), instance=instance, raise_on_error=False,
                                                run_config=run_config)
            else:  # a partition range runs as one run: the assets' single-run backfill policy
                result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config,
                                                tags=range_tags(since, year))
    outcome = RunOutcome(success=result.success, run_id=result.run_id, seconds=time.monotonic() - started,
                         log_path=log_path, stage_summary=handler.summary() if handler else "")
    for ev in result.get_asset_check_evaluations():
        if ev.passed:
            outcome.checks_passed += 1
        else:
            outcome.checks_failed += 1
            outcome.problems.append(f"check {ev.asset_key.to_user_string()}:{ev.check_name} failed — {ev.description}")
    for event in result.all_events:
        if event.is_step_failure:
            text = failure_text(event.event_specific_data)
            if event.step_key == REPORTS_STEP:
                outcome.reports_problem = text
            else:
                outcome.problems.append(f"step {event.step_key} failed — {text}")
    if outcome.problems or outcome.reports_problem:
        with open(log_path, "a", encoding="utf-8") as log:
            print("\nPublication BLOCKED:" if outcome.problems else "\nReports not written:", file=log)
            for p in outcome.problems or [outcome.reports_problem]:
                print(f"  - {p}", file=log)
    outcome.materialized = {ev.asset_key.to_user_string() for ev in result.get_asset_materialization_events()
                            if ev.asset_key is not None}
    instance.dispose()
    return outcome


def failure_text(data) -> str:
    """What a failed step says to its user: the description of the `dg.Failure` the step raised (the
    project's own message: file, column, rows, rule), else the innermost error of the chain (an
    unexpected exception), without the exception's class name."""
    user = getattr(data, "user_failure_data", None)
    if user is not None and user.description:
        return user.description.strip()
    err = data.error
    if err is None:
        return "step failed"
    text = err.message.strip()
    cause = err.cause
    while cause is not None:
        text = cause.message.strip()
        cause = cause.cause
    return re.sub(r"^(?:[\w.]+\.)?Failure: ", "", text)


def run_docs(settings: Settings) -> Path | None:
    """Materialize `dbt_docs` (the docs job) in-process, so the UI's docs link works after the demo.
    Returns the docs file, or None when the job failed (the demo's verdicts stand either way)."""
    import dagster as dg

    from core.locking import hold_warehouse
    from orchestration.definitions import DOCS_JOB, build_definitions

    with hold_warehouse(settings.warehouse, 0, settings.working_db):
        instance = dg.DagsterInstance.from_config(str(dagster_home(settings.warehouse)))
        job = build_definitions(settings).resolve_job_def(DOCS_JOB)
        with open(settings.warehouse / "logs" / "dbt-docs.log", "w", encoding="utf-8") as log, \
                contextlib.redirect_stdout(log):
            result = job.execute_in_process(instance=instance, raise_on_error=False, run_config={
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
        instance.dispose()
    target = settings.warehouse / "dbt_docs" / "index.html"
    return target if result.success and target.exists() else None


