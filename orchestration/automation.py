"""What starts runs without a person: the nightly schedule, the landing-directory sensor, and the
run-failure sensor. The decisions are plain functions (tested without Dagster); the decorated
definitions only wire them to the instance.

- Nightly, 02:00 Asia/Shanghai: the latest year(s) found in the landing directory, one run each,
  run_key `nightly-<date>-<year>` (a tick retried by the daemon never launches twice).
- Landing sensor: a year whose feed files were added or changed (by content hash, not mtime)
  gets a run with run_key `landing-<year>-<hash of its files>`: an unchanged file never triggers
  twice, a file changed back and forth does. Years are discovered from the year folders; a folder
  outside the yearly partitions is reported and skipped.
- A year with no `schools` rows (no folder, an empty folder, a file with no data rows) is never
  launched: the schedule and the sensor ask the admission gate (ingestion/admission.py) and skip it
  with the reason, and say so when the landing folder itself does not exist. The landing scan (years,
  feed files, content hashes) is ingestion/landing.py's.
- Run-failure sensor: appends the failure to `<warehouse>/run_failures.jsonl` and, when
  JUNHENG_FAILURE_WEBHOOK is set (off by default), POSTs it there as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.request
from pathlib import Path

import dagster as dg

from ingestion.admission import launchable_years
from ingestion.landing import landing_years, scan_landing
from orchestration.partitions import all_years, run_years
from orchestration.resources import JunhengConfig

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TZ = "Asia/Shanghai"


def nightly_years(landing: Path, how_many: int = 1) -> list[int]:
    return landing_years(landing)[-how_many:] if how_many > 0 else []


def partition_years() -> set[int]:
    return set(all_years())


def _years_text(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else "".join(map(str, years))


def failure_record(run_id: str, job: str, tags: dict, message: str, at: dt.datetime) -> dict:
    return {
        "at": at.isoformat(timespec="seconds"),
        "run_id": run_id,
        "job": job,
        "years": _years_text(run_years(tags)),
        "message": message,
    }


def record_failure(warehouse: Path, record: dict) -> Path:
    path = Path(warehouse) / "run_failures.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def post_webhook(url: str, record: dict, timeout: float = 5.0) -> int:
    """POST the record as JSON; returns the HTTP status. Raises on network errors."""
    data = json.dumps(record, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - operator-configured URL
        return response.status


def default_status(env: dict | None = None) -> bool:
    """Automation starts switched on (JUNHENG_AUTOMATION=off leaves it to be switched on in the UI)."""
    return (env if env is not None else os.environ).get("JUNHENG_AUTOMATION", "on").lower() not in ("off", "0", "false")


def build_automation(year_job) -> tuple[list, list]:
    """The schedule and sensors for `year_job`."""
    on = default_status()
    schedule_status = dg.DefaultScheduleStatus.RUNNING if on else dg.DefaultScheduleStatus.STOPPED
    sensor_status = dg.DefaultSensorStatus.RUNNING if on else dg.DefaultSensorStatus.STOPPED

    @dg.schedule(cron_schedule=NIGHTLY_CRON, execution_timezone=NIGHTLY_TZ, job=year_job, name="nightly_refresh",
                 default_status=schedule_status,
                 description="Refresh the latest year(s) of the landing directory every night at 02:00 Asia/Shanghai.")
    def nightly_refresh(context: dg.ScheduleEvaluationContext, junheng: JunhengConfig):
        how_many = int(os.environ.get("JUNHENG_NIGHTLY_YEARS", "1"))
        day = context.scheduled_execution_time.strftime("%Y-%m-%d")
        if not junheng.landing.is_dir():
            return dg.SkipReason(f"the landing folder {junheng.landing} does not exist (JUNHENG_LANDING)")
        valid = partition_years()
        years, refused = launchable_years(junheng.landing, [y for y in nightly_years(junheng.landing, how_many)
                                                            if y in valid])
        skipped = [f"{reason}; skipped" for reason in refused]
        if not years:
            return dg.SkipReason("; ".join(skipped) if skipped else f"no year folder in {junheng.landing}")
        for reason in skipped:
            context.log.warning(reason)
        return [dg.RunRequest(run_key=f"nightly-{day}-{y}", partition_key=str(y), tags={"junheng/trigger": "nightly"})
                for y in years]

    @dg.sensor(job=year_job, name="landing_files", minimum_interval_seconds=60,
               default_status=sensor_status,
               description="Start a run for a year when its feed files (content hash) differ from what its "
                           "publication was computed from, whoever published it (CLI, UI, an earlier tick).")
    def landing_files(context: dg.SensorEvaluationContext, junheng: JunhengConfig):
        if not junheng.landing.is_dir():
            return dg.SkipReason(f"the landing folder {junheng.landing} does not exist (JUNHENG_LANDING): "
                                 "nothing to watch")
        from publication.publish import published_feed_hashes

        previous = json.loads(context.cursor) if context.cursor else {}
        state, changed = scan_landing(junheng.landing, previous,
                                      published=lambda year: published_feed_hashes(junheng.published_db, year))
        valid = partition_years()
        outside = [f"year folder {year} is outside the yearly partitions" for year in sorted(changed)
                   if year not in valid]
        years, refused = launchable_years(junheng.landing, [year for year in sorted(changed) if year in valid])
        skipped = outside + refused
        requests = [dg.RunRequest(run_key=f"landing-{year}-{changed[year]}", partition_key=str(year),
                                  tags={"junheng/trigger": "landing"}) for year in years]
        for reason in skipped:
            context.log.warning(f"{reason}; skipped")
        context.update_cursor(json.dumps(state, sort_keys=True))
        if requests:
            return requests
        return dg.SkipReason("; ".join(f"{r}; skipped" for r in skipped)
                             or "no year's feed files differ from what it last looked at or from what is published")

    @dg.run_failure_sensor(name="record_run_failures", default_status=sensor_status,
                           description="Record failed runs in <warehouse>/run_failures.jsonl; POST to "
                                       "JUNHENG_FAILURE_WEBHOOK when set.")
    def record_run_failures(context: dg.RunFailureSensorContext, junheng: JunhengConfig):
        run = context.dagster_run
        record = failure_record(run.run_id, run.job_name, dict(run.tags),
                                context.failure_event.message or "run failed", dt.datetime.now(dt.UTC))
        record_failure(Path(junheng.warehouse_dir), record)
        url = os.environ.get("JUNHENG_FAILURE_WEBHOOK")
        if url:
            try:
                post_webhook(url, record)
            except OSError as e:  # a webhook outage must not break the sensor
                context.log.warning(f"failure webhook {url} unreachable: {e}")

    return [nightly_refresh], [landing_files, record_run_failures]
