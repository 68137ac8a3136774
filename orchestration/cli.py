"""The `junheng` command: generate synthetic feeds, run a year through Dagster, run the demo.

    junheng generate --counties N --year Y --out DIR [--seed S] [--format csv|xlsx|parquet]
                     [--encoding utf-8|gb18030] [--headers canonical|zh]
    junheng run --landing DIR --year Y [--warehouse DIR] [--ruleset NAME] [--full-refresh] [--accept-shrink]
    junheng demo [--year Y] [--counties N] [--warehouse DIR] [--keep-landing DIR]
    junheng report --year Y [--county CODE | --city CODE] [--ruleset NAME] --out DIR [--warehouse DIR]

`run` and `demo` go through the same Dagster job the UI launches (`junheng_year`), in-process,
recording the run in DAGSTER_HOME (default <warehouse>/dagster_home) so the UI shows it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from core.settings import DEFAULT_RULESET, REPO_ROOT, RULESETS, Settings
from orchestration.environment import dagster_home
from orchestration.runner import RunOutcome, run_docs, run_year
from publication.summary import equity_table, format_table, readiness_table, roadmap_lines, timetable_tables


def _print_outcome(settings: Settings, year: int, ruleset: str, outcome: RunOutcome, list_reports: bool = False) -> int:
    if not outcome.success and not (outcome.published and not outcome.problems):
        print(f"\nPublication BLOCKED for {year} (run {outcome.run_id}, {outcome.seconds:.1f} s).", file=sys.stderr)
        for p in outcome.problems:
            print(f"  - {p}", file=sys.stderr)
        state = "unchanged" if settings.published_db.exists() else "not created"
        print(f"The published file {settings.published_db} is {state}. Run log: {outcome.log_path}", file=sys.stderr)
        return 1
    print(readiness_table(settings.published_db, year, ruleset))
    equity = equity_table(settings.published_db, year, ruleset)
    if equity:
        print(f"\n{equity}")
    print(f"\n{roadmap_lines(settings.published_db, year, ruleset)}")
    timetable = timetable_tables(settings.published_db, ruleset)
    if timetable:
        print(f"\n{timetable}")
    if outcome.stage_summary:
        print(f"\n{outcome.stage_summary}")
    print(f"\nPublished: {settings.published_db}  (run {outcome.run_id}, {outcome.seconds:.1f} s, "
          f"{outcome.checks_passed} checks passed)")
    if outcome.reports_problem:
        print(f"Reports NOT written: {outcome.reports_problem}", file=sys.stderr)
    else:
        print(report_summary(settings.published_db, year if list_reports else None))
    print(f"Open the Dagster UI on these runs:  DAGSTER_HOME={dagster_home(settings.warehouse)} "
          f"JUNHENG_WAREHOUSE={settings.warehouse} JUNHENG_LANDING={settings.landing} make ui   "
          "(then http://127.0.0.1:3000)")
    return 3 if outcome.reports_problem else 0


def report_summary(published_db: Path, year: int | None = None) -> str:
    """Where the current publication's reports are: the index, and with `year` that year's pages."""
    from publication.publish import current_publication, list_publications, reports_link

    current = [v for v in list_publications(published_db) if v["current"]]
    if not current or not current[0]["reports"]:
        return f"Reports: none for publication {current_publication(published_db)} (see `junheng report`)"
    link = reports_link(published_db)
    lines = [f"Reports ({current[0]['reports']} pages of publication {current[0]['id']}): {link / 'index.html'}"]
    if year is not None:
        folder = Path(current[0]["reports_dir"])
        lines += [f"  {p.relative_to(folder).as_posix():40s} {link / p.relative_to(folder)}"
                  for p in sorted(folder.glob(f"{year}/*/*.html"), key=lambda p: (not p.name.startswith("city"), p.name))]
    return "\n".join(lines)


def cmd_generate(args: argparse.Namespace) -> int:
    from synthetic import generate_feeds

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
    settings = Settings.from_env(landing=landing, warehouse=args.warehouse, ruleset=args.ruleset)
    print(f"Running {args.year}: landing {landing} → warehouse {settings.warehouse}", flush=True)
    outcome = run_year(settings, args.year, full_refresh=args.full_refresh, since=args.since, progress=True,
                       accept_shrink=args.accept_shrink)
    return _print_outcome(settings, args.year, args.ruleset, outcome)


def cmd_demo(args: argparse.Namespace) -> int:
    from synthetic import generate_feeds, write_demo_certification, write_demo_plan

    warehouse = Settings.from_env(warehouse=args.warehouse).warehouse
    # The feeds stay in the warehouse folder: the UI, the sensor and a backfill read the same landing.
    landing = Path(args.keep_landing).resolve() if args.keep_landing else warehouse / "landing"
    # Q1 (3-year junior consolidation) needs the entrants of Y − 2: at least 3 years
    first = args.year - max(3, args.history) + 1
    plans = []
    for y in range(first, args.year + 1):
        generate_feeds(landing, counties=args.counties, year=y, seed=args.seed)
        if write_demo_plan(landing, y):  # the city's plan table, in the years it was delivered
            plans.append(y)
        write_demo_certification(landing, y)  # the evaluation process, likewise (2020, 2021, 2022)
    print(f"Demo: {args.counties} synthetic county units of Anshan (鞍山), years {first}–{args.year} "
          f"(plan table delivered in {', '.join(map(str, plans)) or 'no year'}), feeds in {landing}", flush=True)
    settings = Settings.from_env(landing=landing, warehouse=warehouse, ruleset=args.ruleset)
    outcome = run_year(settings, args.year, since=first, progress=True)
    code = _print_outcome(settings, args.year, args.ruleset, outcome, list_reports=True)
    if code == 0:
        docs = run_docs(settings)
        print(f"dbt docs (lineage, data dictionary): {docs}" if docs else
              f"dbt docs were not generated (see {settings.warehouse / 'logs' / 'dbt-docs.log'})")
    return code


def cmd_publications(args: argparse.Namespace) -> int:
    from core.locking import WarehouseBusy, warehouse_lock
    from publication.publish import list_publications, rollback

    settings = Settings.from_env(warehouse=args.warehouse)
    warehouse, published = settings.warehouse, settings.published_db
    if args.action == "list":
        versions = list_publications(published)
        if not versions:
            print(f"no publication kept in {warehouse / 'publications'}")
            return 0
        rows = [["*" if v["current"] else "", v["id"], v["published_at"][:19], v["run_id"][:8],
                 ",".join(map(str, v["years"])), str(sum(v["row_counts"].values())), str(v["checks_passed"]),
                 str(v["reports"]) if v["reports"] else "—"]
                for v in versions]
        print(format_table(["", "id", "published (UTC)", "run", "years", "rows", "checks", "report pages"], rows))
        print(report_summary(published))
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


def cmd_report(args: argparse.Namespace) -> int:
    from publication.reports import build_reports

    published = Settings.from_env(warehouse=args.warehouse).published_db
    try:
        written = build_reports(published, Path(args.out).resolve(), args.year, args.ruleset,
                                county=args.county, city=args.city)
    except (FileNotFoundError, KeyError) as e:
        print(f"junheng: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    for r in written:
        print(f"{r.kind:6s} {r.code}  {r.name}  {r.year} {r.ruleset}  {r.status:10s} {r.path}")
    print(f"wrote {len(written)} report(s) from {published}")
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
    r.add_argument("--ruleset", choices=RULESETS, default=DEFAULT_RULESET, help="the rule set the printed table shows")
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

    rp = sub.add_parser("report", help="write the HTML reports (county self-evaluation, city overview) of a year")
    rp.add_argument("--year", type=int, required=True)
    scope = rp.add_mutually_exclusive_group()
    scope.add_argument("--county", default=None, help="one county's report (default: every county and city)")
    scope.add_argument("--city", default=None, help="one city (4-digit code): its overview and its counties' reports")
    rp.add_argument("--ruleset", choices=RULESETS, default=DEFAULT_RULESET)
    rp.add_argument("--out", required=True, help="folder to write into (<out>/<year>/<ruleset>/…, <out>/index.html)")
    rp.add_argument("--warehouse", default=None, help="read <warehouse>/published.duckdb; default: $JUNHENG_WAREHOUSE "
                                                        "or <repo>/warehouse")
    rp.set_defaults(func=cmd_report)

    d = sub.add_parser("demo", help="generate the Anshan demo feeds and run every stage")
    d.add_argument("--year", type=int, default=2024)
    d.add_argument("--counties", type=int, default=9)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--history", type=int, default=7,
                   help="years ending at --year (default 7: 2018–2024, so the 2020 and 2023 milestones are held; min 3)")
    d.add_argument("--warehouse", default=str(REPO_ROOT / "warehouse" / "demo"))
    d.add_argument("--ruleset", choices=RULESETS, default=DEFAULT_RULESET)
    d.add_argument("--keep-landing", default=None, help="write the feeds here instead of <warehouse>/landing")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
