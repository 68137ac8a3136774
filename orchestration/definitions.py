"""The Dagster code location (workspace.yaml points here). Loading it parses nothing: the dbt
manifest is prepared ahead (`make manifest`, or the CLI when it is missing)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import dagster as dg

from core.settings import Settings
from orchestration.assets.coefficients import county_coefficients, county_equity_measures, county_roadmap
from orchestration.assets.dbt import dbt_docs, dbt_indicators, dbt_marts
from orchestration.assets.ingestion import feed_assets
from orchestration.assets.publish import published_marts
from orchestration.assets.reports import published_reports
from orchestration.automation import build_automation
from orchestration.automation import default_status as automation_on
from orchestration.checks import all_mart_checks
from orchestration.partitions import yearly_partitions
from orchestration.progress import file_logger, progress_logger
from orchestration.project import dbt_project
from orchestration.resources import JunhengConfig, JunhengDbtCli

YEAR_JOB = "junheng_year"
DOCS_JOB = "dbt_docs_job"


def dbt_executable() -> str:
    """dbt from this interpreter's environment (a venv need not be activated), else from PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build_definitions(settings: Settings) -> dg.Definitions:
    year_job = dg.define_asset_job(
        YEAR_JOB,
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets("dbt_docs"),
        partitions_def=yearly_partitions,
        executor_def=dg.in_process_executor,
        description="Ingest a year's feeds, build indicators and coefficients, check, publish.",
    )
    docs_job = dg.define_asset_job(DOCS_JOB, selection=dg.AssetSelection.assets(dbt_docs),
                                   description="Regenerate the dbt docs site (lineage and data dictionary).")
    schedules, sensors = build_automation(year_job)
    docs_schedule = dg.ScheduleDefinition(name="nightly_dbt_docs", job=docs_job, cron_schedule="30 2 * * *",
                                          execution_timezone="Asia/Shanghai",
                                          default_status=dg.DefaultScheduleStatus.RUNNING if automation_on()
                                          else dg.DefaultScheduleStatus.STOPPED)
    return dg.Definitions(
        assets=[*feed_assets, dbt_indicators, county_coefficients, county_equity_measures, county_roadmap, dbt_marts, published_marts,
                published_reports, dbt_docs],
        asset_checks=all_mart_checks,
        jobs=[year_job, docs_job],
        schedules=[*schedules, docs_schedule],
        sensors=sensors,
        resources={
            "dbt": JunhengDbtCli(project_dir=dbt_project, dbt_executable=dbt_executable()),
            "junheng": JunhengConfig(landing_dir=str(settings.landing), warehouse_dir=str(settings.warehouse)),
        },
        executor=dg.in_process_executor,
        loggers={"console": dg.colored_console_logger, "progress": progress_logger, "file": file_logger},
    )


defs = build_definitions(Settings.from_env())
