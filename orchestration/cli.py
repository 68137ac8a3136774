"""The `junheng` command: generate synthetic feeds, run a year through Dagster, run the demo.

    junheng generate --counties N --year Y --out DIR [--seed S] [--format csv|xlsx|parquet]
                     [--encoding utf-8|gb18030] [--headers canonical|zh]
    junheng run --landing DIR --year Y [--warehouse DIR] [--ruleset NAME] [--full-refresh] [--accept-shrink]
    junheng demo [--year Y] [--counties N] [--warehouse DIR] [--keep-landing DIR]

`run` and `demo` go through the same Dagster job the UI launches (`junheng_year`), in-process,
recording the run in DAGSTER_HOME (default <warehouse>/dagster_home) so the UI shows it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import time
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, RULESETS, Settings

OFFLINE_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DO_NOT_TRACK": "1",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}
DAGSTER_YAML = """\
# Written by junheng. No network at run time: telemetry off. One run at a time (DuckDB has one writer).
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
# No newsletter prompt in the UI (it would reach out to the network)
nux:
  enabled: false
"""


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


def ensure_offline_env() -> None:
    """Switch off telemetry and version checks for this process and the dbt it starts."""
    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)


def _dbt_sources_mtime() -> float:
    files = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for sub in ("models", "macros", "seeds", "tests"):
        files += [p for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files)


def ensure_manifest(force: bool = False) -> Path:
    """dbt's manifest, parsed ahead of loading the definitions (never at import) when missing or
    older than the dbt project's files."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if force or not manifest.exists() or manifest.stat().st_mtime < _dbt_sources_mtime():
        dbt = Path(sys.executable).parent / "dbt"
        cmd = [str(dbt) if dbt.exists() else "dbt", "parse", "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"]
        subprocess.run(cmd, cwd=DBT_PROJECT_DIR, check=True, env={**os.environ, **OFFLINE_ENV})
    return manifest


def dagster_home(warehouse: Path) -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or warehouse / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def run_year(settings: Settings, year: int, full_refresh: bool = False, quiet: bool = True,
             since: int | None = None, progress: bool = False, accept_shrink: bool = False) -> RunOutcome:
    """Run the year job in-process (years `since`..`year` as one single-run range when `since` is
    given); collect what blocked publication, if anything."""
    ensure_offline_env()
    ensure_manifest()
    warnings.filterwarnings("ignore")
    import dagster as dg

    from orchestration.assets.ingestion import INVENTORY_OP
    from orchestration.definitions import YEAR_JOB, build_definitions
    from orchestration.partitions import yearly_partitions

    keys = yearly_partitions.get_partition_keys()
    for y in {year, since or year}:
        if str(y) not in keys:
            raise SystemExit(f"junheng: year {y} is outside the partitions {keys[0]}–{keys[-1]}")
    if since is not None and since > year:
        raise SystemExit(f"junheng: --since {since} is after --year {year}")
    settings.warehouse.mkdir(parents=True, exist_ok=True)
    from orchestration.locking import hold_warehouse

    # One run per warehouse (orchestration/locking.py): a second run is refused (exit 75), or waits
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
            run_config["ops"][INVENTORY_OP] = {"config": {"accept_shrink": True}}
        started = time.monotonic()
        log_dir = settings.warehouse / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"run-{year}-{time.strftime('%Y%m%dT%H%M%S')}.log"
        # dagster-dbt echoes dbt's log to stdout; keep it in a file so the CLI prints only the verdict.
        with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log if quiet else sys.stdout):
            if since is None or since == year:
                result = job.execute_in_process(partition_key=str(year), instance=instance, raise_on_error=False,
                                                run_config=run_config)
            else:  # a partition range runs as one run: the assets' single-run backfill policy
                result = job.execute_in_process(
                    instance=instance, raise_on_error=False, run_config=run_config,
                    tags={"dagster/asset_partition_range_start": str(since),
                          "dagster/asset_partition_range_end": str(year)})
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
            err = event.event_specific_data.error
            text = err.message.strip() if err else "step failed"
            cause = err.cause if err else None
            while cause is not None:  # the user-facing reason is the innermost Failure / error
                text = cause.message.strip()
                cause = cause.cause
            text = re.sub(r"^(?:[\w.]+\.)?Failure: ", "", text)  # the message, not the exception's class
            outcome.problems.append(f"step {event.step_key} failed — {text}")
    instance.dispose()
    return outcome


def run_docs(settings: Settings) -> Path | None:
    """Materialize `dbt_docs` (the docs job) in-process, so the UI's docs link works after the demo.
    Returns the docs file, or None when the job failed (the demo's verdicts stand either way)."""
    import dagster as dg

    from orchestration.definitions import DOCS_JOB, build_definitions
    from orchestration.locking import hold_warehouse

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


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, n: int) -> str:
    return s + " " * max(0, n - _width(s))


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) if rows else _width(h) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _cv(x) -> str:
    return "—" if x is None or x != x else f"{x:.3f}"


def _short(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def readiness_table(published: Path, year: int, ruleset: str) -> str:
    """The county verdicts (every item) and the resource dimension by level, as printed tables."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        counties = con.execute(
            "select county_code, county_name, status, items_total - items_fail - items_unknown, items_fail, "
            "items_unknown, failing_items, unknown_items, blocking_reasons, veto_triggered, disagreements "
            "from mart_county_readiness where year = ? and ruleset = ? order by county_code",
            [year, ruleset]).fetchall()
        levels = con.execute(
            "select county_code, county_name, level, status, max_cv, comprehensive_cv, units_failing, units_total, "
            "blocking_reasons from mart_county_level_resources where year = ? and ruleset = ? "
            "order by county_code, level desc", [year, ruleset]).fetchall()
        synthetic = con.execute(
            "select bool_or(is_synthetic) from mart_county_readiness where year = ?", [year]).fetchone()[0]
    finally:
        con.close()
    label = "  [SYNTHETIC DATA — generated, not real schools]" if synthetic else ""
    verdicts = []
    for code, name, status, n_pass, n_fail, n_unknown, failing, unknown, reasons, veto, disagree in counties:
        blocking = ", ".join(x for x in (failing, f"unknown: {unknown}" if unknown else None) if x) or "—"
        verdicts.append([code, name, status + (" (veto)" if veto else ""), f"{n_pass or 0}/{n_fail or 0}/{n_unknown or 0}",
                         _short(blocking, 40), _short(reasons if status != "ready" else "", 80)
                         + (f" [{disagree} disagreement(s)]" if disagree else "")])
    out = [f"County verdicts {year}, rule set {ruleset} (every item: resource, guarantee, quality, "
           f"recognition, vetoes, prerequisite){label}",
           format_table(["county", "name", "verdict", "pass/fail/unk", "blocking items", "first reasons"], verdicts),
           "", f"Resource dimension by level, {ruleset}",
           format_table(["county", "name", "level", "status", "max CV", "comp. CV", "failing units", "reasons"],
                        [[c, n, lvl, st, _cv(mx), _cv(comp), f"{int(f or 0)}/{int(t or 0)}", _short(r, 70)]
                         for c, n, lvl, st, mx, comp, f, t, r in levels])]
    return "\n".join(out)


def _print_outcome(settings: Settings, year: int, ruleset: str, outcome: RunOutcome) -> int:
    if not outcome.success:
        print(f"\nPublication BLOCKED for {year} (run {outcome.run_id}, {outcome.seconds:.1f} s).", file=sys.stderr)
        for p in outcome.problems:
            print(f"  - {p}", file=sys.stderr)
        state = "unchanged" if settings.published_db.exists() else "not created"
        print(f"The published file {settings.published_db} is {state}. Run log: {outcome.log_path}", file=sys.stderr)
        return 1
    print(readiness_table(settings.published_db, year, ruleset))
    if outcome.stage_summary:
        print(f"\n{outcome.stage_summary}")
    print(f"\nPublished: {settings.published_db}  (run {outcome.run_id}, {outcome.seconds:.1f} s, "
          f"{outcome.checks_passed} checks passed)")
    print(f"Open the Dagster UI on these runs:  DAGSTER_HOME={dagster_home(settings.warehouse)} "
          f"JUNHENG_WAREHOUSE={settings.warehouse} JUNHENG_LANDING={settings.landing} make ui   "
          "(then http://127.0.0.1:3000)")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from ingestion.generate import generate_feeds

    started = time.monotonic()
    paths = generate_feeds(args.out, counties=args.counties, year=args.year, seed=args.seed, fmt=args.format,
                           encoding=args.encoding, headers=args.headers)
    for feed, path in paths.items():
        print(f"{feed:18s} {path}")
    print(f"generated {len(paths)} synthetic feeds in {time.monotonic() - started:.1f} s")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    landing = Path(args.landing).resolve()
    if not landing.is_dir():
        print(f"junheng: landing directory {landing} does not exist", file=sys.stderr)
        return 2
    env = Settings.from_env()
    settings = Settings(landing=landing, warehouse=Path(args.warehouse).resolve() if args.warehouse else env.warehouse,
                        ruleset=args.ruleset)
    print(f"Running {args.year}: landing {landing} → warehouse {settings.warehouse}", flush=True)
    outcome = run_year(settings, args.year, full_refresh=args.full_refresh, since=args.since, progress=True,
                       accept_shrink=args.accept_shrink)
    return _print_outcome(settings, args.year, args.ruleset, outcome)


def cmd_demo(args: argparse.Namespace) -> int:
    from ingestion.generate import generate_feeds

    warehouse = Path(args.warehouse).resolve()
    # The feeds stay in the warehouse folder: the UI, the sensor and a backfill read the same landing.
    landing = Path(args.keep_landing).resolve() if args.keep_landing else warehouse / "landing"
    first = args.year - 2  # Q1 (3-year junior consolidation) needs the entrants of Y − 2
    for y in range(first, args.year + 1):
        generate_feeds(landing, counties=args.counties, year=y, seed=args.seed)
    print(f"Demo: {args.counties} synthetic county units of Anshan (鞍山), years {first}–{args.year}, "
          f"feeds in {landing}", flush=True)
    settings = Settings(landing=landing, warehouse=warehouse, ruleset=args.ruleset)
    outcome = run_year(settings, args.year, since=first, progress=True)
    code = _print_outcome(settings, args.year, args.ruleset, outcome)
    if code == 0:
        docs = run_docs(settings)
        print(f"dbt docs (lineage, data dictionary): {docs}" if docs else
              f"dbt docs were not generated (see {settings.warehouse / 'logs' / 'dbt-docs.log'})")
    return code


def cmd_publications(args: argparse.Namespace) -> int:
    from orchestration.locking import WarehouseBusy, warehouse_lock
    from orchestration.publish import list_publications, rollback

    warehouse = Path(args.warehouse).resolve() if args.warehouse else Settings.from_env().warehouse
    published = warehouse / "published.duckdb"
    if args.action == "list":
        versions = list_publications(published)
        if not versions:
            print(f"no publication kept in {warehouse / 'publications'}")
            return 0
        rows = [["*" if v["current"] else "", v["id"], v["published_at"][:19], v["run_id"][:8],
                 ",".join(map(str, v["years"])), str(sum(v["row_counts"].values())), str(v["checks_passed"])]
                for v in versions]
        print(format_table(["", "id", "published (UTC)", "run", "years", "rows", "checks"], rows))
        return 0
    if not args.id:
        print("junheng: publications rollback needs a publication id (see `junheng publications list`)",
              file=sys.stderr)
        return 2
    try:
        with warehouse_lock(warehouse, wait=float(os.environ.get("JUNHENG_LOCK_WAIT", "0"))):
            manifest = rollback(published, args.id)
    except KeyError as e:
        print(f"junheng: {e.args[0]}", file=sys.stderr)
        return 2
    except WarehouseBusy as e:
        print(f"junheng: {e}", file=sys.stderr)
        return 75
    print(f"rolled back: {published} is now publication {manifest['id']} "
          f"(run {manifest['run_id'][:8]}, years {','.join(map(str, manifest['years']))})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="junheng", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="write synthetic feeds to <out>/<year>/")
    g.add_argument("--counties", type=int, default=9)
    g.add_argument("--year", type=int, default=2024)
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv")
    g.add_argument("--encoding", choices=["utf-8", "gb18030"], default="utf-8")
    g.add_argument("--headers", choices=["canonical", "zh"], default="canonical")
    g.set_defaults(func=cmd_generate)

    r = sub.add_parser("run", help="run one year through Dagster: ingest, compute, check, publish")
    r.add_argument("--landing", required=True)
    r.add_argument("--year", type=int, required=True)
    r.add_argument("--warehouse", default=None, help="default: $JUNHENG_WAREHOUSE or <repo>/warehouse")
    r.add_argument("--ruleset", choices=RULESETS, default="moe_2017", help="the rule set the printed table shows")
    r.add_argument("--since", type=int, default=None,
                   help="also (re)run every year from this one up to --year, in one run (Q1 needs Y-2)")
    r.add_argument("--full-refresh", action="store_true", help="rebuild every year's models from raw")
    r.add_argument("--accept-shrink", action="store_true",
                   help="publish even though a year would hold less than its publication (a feed gone, schools "
                        "or pupils down by more than JUNHENG_MAX_SHRINK); logged in publication_log")
    r.set_defaults(func=cmd_run)

    pb = sub.add_parser("publications", help="list kept publications or roll back to one")
    pb.add_argument("action", choices=["list", "rollback"])
    pb.add_argument("id", nargs="?", default=None)
    pb.add_argument("--warehouse", default=None, help="default: $JUNHENG_WAREHOUSE or <repo>/warehouse")
    pb.set_defaults(func=cmd_publications)

    d = sub.add_parser("demo", help="generate the Anshan demo feeds and run every stage")
    d.add_argument("--year", type=int, default=2024)
    d.add_argument("--counties", type=int, default=9)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--warehouse", default=str(REPO_ROOT / "warehouse" / "demo"))
    d.add_argument("--ruleset", choices=RULESETS, default="moe_2017")
    d.add_argument("--keep-landing", default=None, help="write the feeds here instead of <warehouse>/landing")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
