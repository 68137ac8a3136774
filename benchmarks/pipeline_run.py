"""Child-process entry of the benchmark: run the real `junheng_year` job once, then write a JSON record.

    python -m benchmarks.pipeline_run --landing DIR --warehouse DIR --year Y [--since S] --out FILE

One year goes through `orchestration.runner.run_year` (what `junheng run` does). With `--since`, the years
S..Y run as ONE run over a partition range, the way the assets' single-run backfill policy executes a
backfill: `execute_in_process` with the `dagster/asset_partition_range_start/end` tags (Dagster 1.13 has
no range argument on execute_in_process; the assets read `context.partition_time_window`).

The record holds the step timings read back from the run's event log (STEP_START / STEP_SUCCESS, and
for the ingestion steps the split between loading and the Great Expectations check), the run's own
peak RSS (`getrusage(RUSAGE_SELF)`) and the largest peak of its waited-for children (dbt runs in its
own process: `getrusage(RUSAGE_CHILDREN)`). The parent (benchmarks.run) measures the wall time of this
process and samples the RSS of the whole process tree.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
import warnings
from pathlib import Path

STARTED = time.perf_counter()

RUN_START_EVENTS = {"PIPELINE_START", "RUN_START"}
RUN_END_EVENTS = {"PIPELINE_SUCCESS", "PIPELINE_FAILURE", "RUN_SUCCESS", "RUN_FAILURE", "PIPELINE_CANCELED"}
STEP_END_EVENTS = {"STEP_SUCCESS": "success", "STEP_FAILURE": "failure", "STEP_SKIPPED": "skipped"}


def _run_range(settings, first: int, last: int) -> tuple[bool, str, list[str]]:
    """Years first..last as one run (single-run backfill over a partition range)."""
    from orchestration.environment import dagster_home, ensure_manifest, ensure_offline_env

    ensure_offline_env()
    ensure_manifest()
    warnings.filterwarnings("ignore")
    import dagster as dg

    from orchestration.definitions import YEAR_JOB, build_definitions
    from orchestration.partitions import range_tags

    settings.warehouse.mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.from_config(str(dagster_home(settings.warehouse)))
    job = build_definitions(settings).resolve_job_def(YEAR_JOB)
    run_config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    log_dir = settings.warehouse / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"range-{first}-{last}.log", "w", encoding="utf-8") as log, \
            contextlib.redirect_stdout(log):
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config,
                                        tags=range_tags(first, last))
    problems = [f"step {e.step_key} failed" for e in result.all_events if e.is_step_failure]
    instance.dispose()
    return result.success, result.run_id, problems


def step_timings(home: Path, run_id: str) -> dict:
    """Per-step start/end (seconds from the run's start) from the run's Dagster event log."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        logs = instance.all_logs(run_id)
    finally:
        instance.dispose()
    run_start = run_end = None
    steps: dict[str, dict] = {}
    for entry in logs:
        if not entry.is_dagster_event:
            continue
        event = entry.dagster_event
        kind, t = event.event_type_value, entry.timestamp
        if kind in RUN_START_EVENTS:
            run_start = t
        elif kind in RUN_END_EVENTS:
            run_end = t
        if event.step_key is None:
            continue
        s = steps.setdefault(event.step_key, {"key": event.step_key, "start": None, "end": None, "status": None,
                                              "materializations": 0, "checks": 0,
                                              "last_materialization": None, "first_check": None})
        if kind == "STEP_START":
            s["start"] = t
        elif kind in STEP_END_EVENTS:
            s["end"], s["status"] = t, STEP_END_EVENTS[kind]
        elif kind == "ASSET_MATERIALIZATION":
            s["materializations"] += 1
            s["last_materialization"] = t
        elif kind == "ASSET_CHECK_EVALUATION":
            s["checks"] += 1
            if s["first_check"] is None:
                s["first_check"] = t
    t0 = run_start if run_start is not None else min((e.timestamp for e in logs), default=0.0)
    out = []
    for s in steps.values():
        if s["start"] is None:
            continue
        rel = {k: (None if s[k] is None else s[k] - t0) for k in ("start", "end", "last_materialization",
                                                                  "first_check")}
        out.append({**s, **rel})
    out.sort(key=lambda s: s["start"])
    return {"run_seconds": None if run_start is None or run_end is None else run_end - run_start,
            "steps": out}


def _events_only(home: Path, out: Path) -> int:
    import dagster as dg

    warnings.filterwarnings("ignore")
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        runs = instance.get_runs(limit=1)
    finally:
        instance.dispose()
    if not runs:
        return 1
    run_id = runs[0].run_id
    out.write_text(json.dumps({"success": False, "run_id": run_id, "problems": [],
                               **step_timings(home, run_id)}, indent=1), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--landing", required=True)
    p.add_argument("--warehouse", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--since", type=int, default=None)
    p.add_argument("--out", required=True)
    p.add_argument("--events-only", action="store_true",
                   help="only read back the step events of the warehouse's latest run (after a crash or a kill)")
    args = p.parse_args(argv)

    from core.settings import Settings
    from orchestration.environment import dagster_home
    from orchestration.runner import run_year

    settings = Settings(landing=Path(args.landing).resolve(), warehouse=Path(args.warehouse).resolve())
    if args.events_only:
        return _events_only(dagster_home(settings.warehouse), Path(args.out))
    began = time.perf_counter()
    if args.since is None or args.since == args.year:
        outcome = run_year(settings, args.year)
        success, run_id, problems = outcome.success, outcome.run_id, outcome.problems
    else:
        success, run_id, problems = _run_range(settings, args.since, args.year)
    call_seconds = time.perf_counter() - began
    timings = step_timings(dagster_home(settings.warehouse), run_id)
    record = {
        "success": bool(success),
        "run_id": run_id,
        "problems": problems[:20],
        "years": [args.since or args.year, args.year],
        "call_seconds": call_seconds,  # run_year / execute_in_process, imports of the definitions included
        "process_seconds": time.perf_counter() - STARTED,
        "maxrss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "maxrss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        **timings,
    }
    Path(args.out).write_text(json.dumps(record, indent=1), encoding="utf-8")
    return 0 if success else 1


if __name__ == "__main__":
    sys.exit(main())
