"""`make bench`: national-scale figures for Junheng, printed next to their targets.

    python -m benchmarks.run [--quick] [--repeat N] [--runs M] [--counties N] [--seed S] [--year Y]
                             [--budget MIN] [--rss-cap GB] [--full] [--skip-backfill]
                             [--keep-warehouses]

1. Synthetic national feeds (2850 county units ≈ 190k schools + 52k teaching points; seed 0), generated
   once into bench_cache/feeds/seed<S>-counties<N>/<year>/ and reused (regenerated when the
   generator -- synthetic/, the contract, or the rules it reads from the seeds and dbt vars -- changes).
1b. Ingestion alone (benchmarks/ingestion.py in a child process): read + validate + load of each feed of
   the year on a fresh warehouse, wall time and peak RSS per feed.
2. One year end to end through the real pipeline (`orchestration.runner.run_year`, i.e. the Dagster job
   `junheng_year` in-process) in a child process, on a fresh warehouse; wall time per stage from the
   run's Dagster step events, and peak RSS (see `RssSampler` and benchmarks/pipeline_run.py).
3. The coefficient kernel on the run's `int_school_unit_indicators`: vectorised (equity/) vs a naive
   pandas groupby().apply() vs one DuckDB query; they must agree (|Δcv| < 1e-9).
4. A lower bound: one DuckDB query from the raw CSVs to every row of fct_county_coefficients for the
   year (three rule sets, each indicator and COMPREHENSIVE, both levels; lower_bound.sql), checked row
   by row against the published table (same rows, same NULLs, same n_units, |Δcv| < 1e-6).
5. Code-location load time: fresh `python -c "import orchestration.definitions"` processes.
6. A 5-year backfill (one run over the partition range) against one year. It runs last, within
   `--budget` minutes (default 15) for the whole benchmark and under `--rss-cap` (default 60 % of the
   machine's memory): when a national backfill would not fit either (projected from the one-year
   run), it runs on fewer county units against a one-year run at that same scale, and says so;
   `--full` always runs it at full scale. Any run whose process tree passes the cap is killed and
   reported with the step it reached.

`--quick` runs everything on 300 county units (a smoke run; the targets are for national scale).
`--repeat N` runs the one-year end-to-end measurement N times (median reported); `--runs M` (≥ 5) is
the number of timed runs of the in-process measurements (kernels, lower bound, code-location load).
Absolute times are noisy on a shared 2-core machine: compare medians and ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.settings import DBT_PROJECT_DIR, OFFLINE_ENV, PUBLISHED_DB, REPO_ROOT, WORKING_DB
from ingestion.contract import CORE_FEEDS

CACHE = REPO_ROOT / "bench_cache"
LOWER_BOUND_SQL = Path(__file__).resolve().parent / "lower_bound.sql"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
NATIONAL_COUNTIES = 2850
QUICK_COUNTIES = 300
GB = 1024**3

# Targets (issue 6, tightened by issue 16 and by issue 28: a small re-run's fixed cost, a national year
# with its reports, the tree RSS of a year and of a five-year backfill, the backfill's ratio to one
# year, the test suite's wall time).
TARGET_WORKED_EXAMPLE_RERUN_S = 12.0
TARGET_DEMO_YEAR_RERUN_S = 20.0
TARGET_E2E_S = 120.0
TARGET_RSS = 2 * GB
TARGET_KERNEL_SPEEDUP = 20.0
TARGET_KERNEL_S = 1.0
TARGET_LOWER_BOUND_RATIO = 10.0
AIM_LOWER_BOUND_RATIO = 5.0
TARGET_BACKFILL_RATIO = 5.0
TARGET_BACKFILL_RSS = 4 * GB
TARGET_TEST_SUITE_S = 12 * 60.0
AGREE_KERNELS = 1e-9
AGREE_LOWER_BOUND = 1e-6
BUDGET_SAFETY = 0.7  # share of the remaining budget a scaled-down backfill (and its baseline) may plan on


# ----------------------------------------------------------------------------------------------------------
# small helpers


def say(text: str = "") -> None:
    print(text, flush=True)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def fmt_s(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    return f"{x:.3f} s" if x < 1 else f"{x:.1f} s"


def fmt_bytes(n: float | None) -> str:
    return "—" if n is None else f"{n / GB:.2f} GB"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "MISS")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def child_env() -> dict[str, str]:
    env = {**os.environ, **OFFLINE_ENV}
    env.pop("DAGSTER_HOME", None)  # each run records into its own fresh <warehouse>/dagster_home
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def timed_runs(fn: Callable[[], object], runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + (" (working tree modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict:
    cpu = "unknown"
    mem = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    import duckdb
    import numpy
    import pandas

    return {"cores": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "pandas": pandas.__version__, "numpy": numpy.__version__,
            "revision": git_revision()}


# ----------------------------------------------------------------------------------------------------------
# 1. feeds, generated once and cached


def generator_fingerprint() -> str:
    """The generator's code (synthetic/*.py, the contract) and the rules it reads from the seeds and vars."""
    from synthetic.rules import RULES

    h = hashlib.sha256()
    for path in [*sorted((REPO_ROOT / "synthetic").glob("*.py")), REPO_ROOT / "ingestion" / "contract.py"]:
        h.update(path.read_bytes())
    h.update(repr(RULES).encode())
    return h.hexdigest()[:16]


def ensure_feeds(seed: int, counties: int, years: list[int]) -> tuple[Path, dict[int, float | None]]:
    """<cache>/feeds/seed<S>-counties<N>/<year>/<feed>.csv; {year: generation seconds, None if cached}."""
    from synthetic import generate_feeds

    landing = CACHE / "feeds" / f"seed{seed}-counties{counties}"
    fingerprint = generator_fingerprint()
    took: dict[int, float | None] = {}
    for year in years:
        year_dir = landing / str(year)
        marker = year_dir / ".bench-complete"
        complete = (marker.exists() and marker.read_text().strip() == fingerprint
                    and all((year_dir / f"{f}.csv").exists() for f in CORE_FEEDS))
        if complete:
            took[year] = None
            continue
        shutil.rmtree(year_dir, ignore_errors=True)
        t = time.perf_counter()
        generate_feeds(landing, counties=counties, year=year, seed=seed)
        marker.write_text(fingerprint)
        took[year] = time.perf_counter() - t
    return landing, took


# ----------------------------------------------------------------------------------------------------------
# 2. the pipeline in a child process, with its process tree's RSS sampled


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _rss_and_name(pid: int) -> tuple[int, str]:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError, ValueError):
        return 0, ""
    return pages * os.sysconf("SC_PAGE_SIZE"), _process_name([c.decode(errors="replace") for c in cmd if c])


def _process_name(argv: list[str]) -> str:
    """'benchmarks.pipeline_run' for python -m, 'dbt' for a script, 'python -c' for -c."""
    if not argv:
        return "?"
    if "-m" in argv[1:-1]:
        return argv[argv.index("-m", 1) + 1]
    if "-c" in argv[1:]:
        return "python -c"
    script = next((w for w in argv[1:] if not w.startswith("-")), argv[0])
    return Path(script).name[:30]


class RssSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants from /proc every `interval` s.

    The sum counts shared pages once per process (a slight over-estimate); a peak shorter than the
    interval can be missed — the child's own getrusage figures are exact per process. Over `cap`
    bytes it kills the child's process group (the child runs in its own session): on a shared machine
    a run that would exhaust memory must fail alone, not wake the OOM killer. With `progress`, the peak
    so far is written there every few seconds (a long run stopped before its end still reports it)."""

    def __init__(self, pid: int, cap: int | None = None, interval: float = 0.2, progress: Path | None = None):
        super().__init__(daemon=True)
        self.pid, self.cap, self.interval, self.progress = pid, cap, interval, progress
        self._written = 0.0
        self.peak_total = 0
        self.peak_by_name: dict[str, int] = {}
        self.killed_at: float | None = None
        self._t0 = time.perf_counter()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            kids = _children_map()
            todo, total = [self.pid], 0
            while todo:
                pid = todo.pop()
                rss, name = _rss_and_name(pid)
                total += rss
                if name:
                    self.peak_by_name[name] = max(self.peak_by_name.get(name, 0), rss)
                todo.extend(kids.get(pid, []))
            self.peak_total = max(self.peak_total, total)
            if self.cap and total > self.cap and self.killed_at is None:
                self.killed_at = time.perf_counter() - self._t0
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
            elapsed = time.perf_counter() - self._t0
            if self.progress is not None and elapsed - self._written >= 5:
                self._written = elapsed
                with contextlib.suppress(OSError):
                    self.progress.write_text(json.dumps({"seconds": round(elapsed, 1), "peak_tree_rss": self.peak_total,
                                                         "peak_by_name": self.peak_by_name}), encoding="utf-8")
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_pipeline(name: str, landing: Path, year: int, since: int | None = None, rss_cap: int | None = None) -> dict:
    """One run of the job in a child process on a fresh warehouse; the child's record + our measurements."""
    run_dir = CACHE / "runs" / name
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    warehouse, out = run_dir / "warehouse", run_dir / "record.json"
    cmd = [sys.executable, "-m", "benchmarks.pipeline_run", "--landing", str(landing), "--warehouse",
           str(warehouse), "--year", str(year), "--out", str(out)]
    if since is not None:
        cmd += ["--since", str(since)]
    load_before = loadavg()
    with open(run_dir / "child.log", "w", encoding="utf-8") as log:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        sampler = RssSampler(proc.pid, cap=rss_cap, progress=run_dir / "rss_peak.json")
        try:
            sampler.start()
            code = proc.wait()
        except BaseException:  # Ctrl-C or an error here: the child runs in its own session, stop it too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        wall = time.perf_counter() - t
        sampler.stop()
    if out.exists():
        record = json.loads(out.read_text(encoding="utf-8"))
    else:  # killed or crashed: read back what the run's event log holds
        subprocess.run([*cmd, "--events-only"], cwd=REPO_ROOT, env=child_env(), capture_output=True)
        record = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"steps": []}
        record["success"] = False
        record["problems"] = [*record.get("problems", []), f"the run process exited with code {code}"]
    if sampler.killed_at is not None:
        record["problems"].insert(0, f"killed by the benchmark after {sampler.killed_at:.0f} s: the process tree "
                                     f"exceeded the RSS cap of {fmt_bytes(rss_cap)} (--rss-cap)")
    record.update({"exit_code": code, "wall_seconds": wall, "warehouse": str(warehouse), "run_dir": str(run_dir),
                   "peak_tree_rss": sampler.peak_total, "peak_rss_by_process": sampler.peak_by_name,
                   "killed_over_cap": sampler.killed_at is not None,
                   "load_before": load_before, "load_after": loadavg()})
    # the child's bookkeeping after the run (reading the event log back) is not part of the pipeline
    if "process_seconds" in record:
        record["e2e_seconds"] = wall - (record["process_seconds"] - record["call_seconds"])
    else:
        record["e2e_seconds"] = wall
    return record


STAGE_ORDER = ["ingestion", "dbt indicators", "coefficients", "dbt marts", "checks", "publication", "other"]


def classify(step: dict) -> tuple[str, str]:
    key = step["key"]
    if key.startswith("ingest_"):
        return "ingestion", key.removeprefix("ingest_")
    named = {"dbt_indicators": "dbt indicators", "county_coefficients": "coefficients", "dbt_marts": "dbt marts",
             "published_marts": "publication"}
    if key in named:
        return named[key], key
    if step.get("materializations", 0) == 0:  # an asset-check step (or one stopped before it reported)
        return "checks", key
    return "other", key


def stage_table(record: dict) -> tuple[dict[str, float], list[tuple[str, str, float, str]]]:
    """({stage: seconds}, rows (stage, step, seconds, note)) from the child's step timings."""
    totals: dict[str, float] = {}
    rows = []
    for s in record.get("steps", []):
        if s.get("end") is None:
            continue
        stage, label = classify(s)
        secs = s["end"] - s["start"]
        totals[stage] = totals.get(stage, 0.0) + secs
        note = "" if s.get("status") == "success" else str(s.get("status"))
        if stage == "ingestion" and s.get("last_materialization") and s.get("first_check"):
            load = s["last_materialization"] - s["start"]
            gx = s["first_check"] - s["last_materialization"]
            note = f"read+validate+load {load:.1f} s, GX suite {gx:.1f} s " + note
        rows.append((stage, label, secs, note.strip()))
    for s in record.get("steps", []):
        if s.get("end") is None and s.get("start") is not None:
            stage, label = classify(s)
            rows.append((stage, label, float("nan"), f"unfinished (started at +{s['start']:.0f} s)"))
    return totals, rows


def print_run(record: dict, title: str) -> None:
    totals, rows = stage_table(record)
    say(f"  {title}: {'published' if record.get('success') else 'FAILED'}"
        f" (run {record.get('run_id', '?')}, load avg before/after {record['load_before']} / {record['load_after']})")
    for p in record.get("problems", [])[:5]:
        say(f"    problem: {p}")
    say(f"    {'stage':16s} {'step':58s} {'seconds':>8s}")
    for stage in STAGE_ORDER:
        for st, label, secs, note in rows:
            if st == stage:
                say(f"    {stage:16s} {label[:58]:58s} {secs:8.1f}  {note}")
    steps_sum = sum(totals.values())
    run_s = record.get("run_seconds")
    say(f"    {'':16s} {'sum of steps':58s} {steps_sum:8.1f}")
    if run_s is not None:
        say(f"    {'':16s} {'Dagster run (RUN_START → RUN_SUCCESS)':58s} {run_s:8.1f}")
    say(f"    {'':16s} {'process wall (interpreter, imports, definitions, run)':58s} {record['e2e_seconds']:8.1f}")
    if record.get("killed_over_cap"):
        say("    KILLED over the RSS cap: the times above stop where the run was stopped")
    by_stage = "  ".join(f"{k} {totals[k]:.1f}" for k in STAGE_ORDER if k in totals)
    say(f"    by stage (s): {by_stage}")
    kids = sorted(record["peak_rss_by_process"].items(), key=lambda kv: -kv[1])[:4]
    if "maxrss_self_kb" in record:
        say(f"    peak RSS: run process {fmt_bytes(record['maxrss_self_kb'] * 1024)} (getrusage self), "
            f"largest child {fmt_bytes(record['maxrss_children_kb'] * 1024)} (getrusage children: dbt), "
            f"process tree {fmt_bytes(record['peak_tree_rss'])} (sampled sum)")
    else:
        say(f"    peak RSS: process tree {fmt_bytes(record['peak_tree_rss'])} (sampled sum; the run did not finish)")
    say("    per process (sampled): " + ", ".join(f"{n} {fmt_bytes(b)}" for n, b in kids))


# ----------------------------------------------------------------------------------------------------------
# 3. kernels and 4. lower bound


def load_units(warehouse: Path, year: int):
    import duckdb

    con = duckdb.connect(str(warehouse / WORKING_DB), read_only=True)
    try:
        t = time.perf_counter()
        units = con.execute(
            "select year, ruleset, county_code, level, indicator_code, students, value "
            "from int_school_unit_indicators where year = ?", [year]).df()
        return units, time.perf_counter() - t
    finally:
        con.close()


def bench_kernels(warehouse: Path, year: int, runs: int) -> dict:
    from benchmarks import kernels

    units, load_s = load_units(warehouse, year)
    say(f"  unit table: {len(units):,} rows (read from int_school_unit_indicators in {load_s:.1f} s)")
    con = kernels.duckdb_connection(units)
    results = {}
    for name, fn in (("vectorised", lambda: kernels.vectorised(units)),
                     ("naive_pandas", lambda: kernels.naive_pandas(units)),
                     ("duckdb_sql", lambda: kernels.duckdb_sql(con))):
        times, out = timed_runs(fn, runs)
        results[name] = {"times": times, "median": median(times), "groups": len(out), "frame": out}
        say(f"  {name:13s} median {fmt_s(median(times)):>9s}  (runs: {', '.join(f'{x:.2f}' for x in times)})"
            f"  {len(out):,} groups")
    con.close()
    ref = results["vectorised"]["frame"]
    agreement = {name: kernels.compare(ref, results[name]["frame"]) for name in ("naive_pandas", "duckdb_sql")}
    for name, a in agreement.items():
        ok = a["unmatched_groups"] == 0 and a["null_mismatch_cv"] == 0 and a["max_abs_diff_cv"] < AGREE_KERNELS
        a["agree"] = ok
        say(f"  vectorised vs {name}: max |Δcv| {a['max_abs_diff_cv']:.2e}, max |Δmean| "
            f"{a['max_abs_diff_weighted_mean']:.2e}, NULL mismatches {a['null_mismatch_cv']}, unmatched groups "
            f"{a['unmatched_groups']} → {'agree' if ok else 'DISAGREE'}")
    for r in results.values():
        r.pop("frame")
    return {"rows": len(units), "load_seconds": load_s, "results": results, "agreement": agreement}


def lower_bound(landing: Path, year: int, warehouse: Path, runs: int) -> dict:
    import duckdb

    sql = LOWER_BOUND_SQL.read_text(encoding="utf-8")
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute("set variable feed_dir = ?", [str(landing / str(year))])
    con.execute("set variable seed_dir = ?", [str(SEEDS_DIR)])
    con.execute("set variable year = ?", [year])
    times, lb = timed_runs(lambda: con.execute(sql).df(), runs)
    con.close()
    published = warehouse / PUBLISHED_DB
    source = published if published.exists() else warehouse / WORKING_DB
    pub_con = duckdb.connect(str(source), read_only=True)
    try:
        pub = pub_con.execute(
            "select ruleset, county_code, level, indicator_code, n_units, cv from fct_county_coefficients "
            "where year = ?", [year]).df()
    finally:
        pub_con.close()
    check = {**compare_coefficients(lb, pub), "compared_with": source.name}
    check["agree"] = (check["unmatched"] == 0 and check["null_mismatch"] == 0 and check["n_units_mismatch"] == 0
                      and check["max_abs_diff_cv"] < AGREE_LOWER_BOUND)
    say(f"  lower bound (lower_bound.sql, DuckDB from the raw CSVs): median {fmt_s(median(times))} "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)}), {len(lb):,} coefficients "
        f"({', '.join(f'{k} {v:,}' for k, v in lb.groupby('ruleset').size().items())})")
    say(f"  vs {source.name} fct_county_coefficients (every rule set, indicator and COMPREHENSIVE): "
        f"max |Δcv| {check['max_abs_diff_cv']:.2e}, NULL mismatches {check['null_mismatch']}, "
        f"n_units mismatches {check['n_units_mismatch']}, unmatched {check['unmatched']} "
        f"({check['only_lower_bound']} only here, {check['only_published']} only published) → "
        f"{'agree' if check['agree'] else 'DISAGREE'}")
    return {"times": times, "median": median(times), "check": check}


def compare_coefficients(lb, pub) -> dict:
    """Row by row (ruleset × county × level × indicator_code) the lower bound against the published
    coefficients: rows on one side only, cv NULL on one side only, n_units differing, max |Δcv|."""
    import numpy as np

    keys = ["ruleset", "county_code", "level", "indicator_code"]
    m = lb.merge(pub, on=keys, how="outer", suffixes=("", "_pub"), indicator=True, validate="one_to_one")
    x, y = m["cv"].to_numpy(dtype=float), m["cv_pub"].to_numpy(dtype=float)
    matched = (m["_merge"] == "both").to_numpy()
    both = matched & ~np.isnan(x) & ~np.isnan(y)
    n_lb = m["n_units"].to_numpy(dtype=float)
    n_pub = m["n_units_pub"].to_numpy(dtype=float)
    return {
        "groups": len(lb), "published_groups": len(pub),
        "unmatched": int((~matched).sum()),
        "only_lower_bound": int((m["_merge"] == "left_only").sum()),
        "only_published": int((m["_merge"] == "right_only").sum()),
        "null_mismatch": int((matched & (np.isnan(x) != np.isnan(y))).sum()),
        "n_units_mismatch": int((matched & (n_lb != n_pub)).sum()),
        "max_abs_diff_cv": float(np.max(np.abs(x[both] - y[both]))) if both.any() else float("nan"),
    }


# ----------------------------------------------------------------------------------------------------------
# 6. code-location load


def code_location_load(runs: int) -> dict:
    cmd = [sys.executable, "-c", "import orchestration.definitions"]
    subprocess.run(cmd, cwd=REPO_ROOT, env=child_env(), check=True, capture_output=True)  # warm the disk cache
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=REPO_ROOT, env=child_env(), check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    base = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], cwd=REPO_ROOT, env=child_env(), check=True)
        base.append(time.perf_counter() - t)
    say(f"  python -c 'import orchestration.definitions': median {fmt_s(median(times))} "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)}); bare interpreter {fmt_s(median(base))}")
    return {"times": times, "median": median(times), "interpreter_median": median(base)}


# ----------------------------------------------------------------------------------------------------------


def bench_ingestion_child(landing: Path, year: int) -> dict:
    """benchmarks/ingestion.py in a child process: read + validate + load of each feed, on its own."""
    out = CACHE / "results" / f"ingestion-{os.getpid()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "benchmarks.ingestion", str(landing), "--year", str(year),
                           "--json", str(out)], cwd=REPO_ROOT, env=child_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
    for line in proc.stdout.splitlines():
        say(line)
    res = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return res


def run_fixed_seconds(e2e_seconds: float) -> float:
    """The part of a run that does not grow with size (interpreter, imports, dbt start-ups, GX import,
    per-step overhead): ≈ 28 s on a quiet machine (one-year runs at 1150 and 2850 units), ≈ 65 s on a
    busy one; it grows with contention like everything else, hence planned as a share of the run."""
    return min(e2e_seconds, max(30.0, 0.35 * e2e_seconds))


def bench_equity(seed: int, runs: int) -> dict:
    from benchmarks.equity import bench_equity_measures, national_units

    out = bench_equity_measures(national_units(seed), runs)
    say(f"  equity measures: {out['rows']:,} rows, {out['groups']:,} groups, median {fmt_s(out['seconds'])} "
        f"(CPU {fmt_s(out['cpu_seconds'])})")
    return out


def bench_planner(seed: int, runs: int) -> dict:
    from benchmarks.planner import national_units
    from equity.planner import plan

    units, groups = national_units(seed)
    times, result = timed_runs(lambda: plan(units, groups), runs)
    st = result.group_status
    out = {"rows": len(units), "county_levels": len(groups), "times": times, "median": median(times),
           "passing": int(st["plan_passes"].fillna(False).sum()), "cost_bn_yuan": float(st["cost_yuan"].sum() / 1e9)}
    say(f"  planner: {out['rows']:,} rows, {out['county_levels']:,} county levels, median {fmt_s(out['median'])}; "
        f"{out['passing']:,} plans pass")
    return out


def guarded(fn: Callable[[], dict]) -> dict | None:
    """A measurement that needs what a failed run may not have produced: report, do not stop."""
    try:
        return fn()
    except Exception as e:  # any failure here is reported and the benchmark goes on
        say(f"  skipped: {type(e).__name__}: {e}")
        return None


def backfill_scale(counties: int, years: int, e2e_seconds: float, remaining: float, peak_rss: int,
                   rss_cap: int | None, full: bool) -> tuple[int, list[str]]:
    """County units at which the backfill fits (1) in the remaining time budget, with a one-year baseline
    at the same scale when scaled down — a run costs a fixed part plus a part proportional to
    counties × years, calibrated on the one-year run just measured — and (2) under the RSS cap, the
    run's peak being taken as proportional to counties × years (it is: the checks hold every row of
    the run's years in pandas). Returns the scale and the reasons it is below `counties`."""
    if full:
        return counties, []
    reasons, fits = [], [counties]
    fixed = run_fixed_seconds(e2e_seconds)
    variable = max(e2e_seconds - fixed, 1.0) / counties  # seconds per county-year
    projected = fixed + years * counties * variable
    if projected > remaining:
        fits.append((BUDGET_SAFETY * remaining - 2 * fixed) / ((1 + years) * variable))
        reasons.append(f"≈ {projected / 60:.0f} min at {counties} units, {remaining / 60:.1f} min of the budget left")
    if rss_cap and peak_rss:
        per_county_year = peak_rss / counties
        if years * counties * per_county_year > rss_cap:
            fits.append(0.8 * rss_cap / (years * per_county_year))
            reasons.append(f"peak RSS ≈ {fmt_bytes(years * counties * per_county_year)} at {counties} units, "
                           f"over the {fmt_bytes(rss_cap)} cap")
    scale = max(QUICK_COUNTIES, min(counties, int(min(fits) // 50 * 50)))
    return scale, (reasons if scale < counties else [])


def _junheng_run(landing: Path, warehouse: Path, year: int, log: Path) -> tuple[float, int]:
    """`junheng run` as a user types it (a child process): its wall time and exit code."""
    cmd = [str(Path(sys.executable).parent / "junheng"), "run", "--landing", str(landing), "--year", str(year),
           "--warehouse", str(warehouse)]
    with open(log, "a", encoding="utf-8") as out:
        t = time.perf_counter()
        code = subprocess.run(cmd, cwd=REPO_ROOT, env=child_env(), stdout=out, stderr=subprocess.STDOUT).returncode
    return time.perf_counter() - t, code


def bench_small_reruns(runs: int) -> dict:
    """The fixed cost of a run, as a city's nightly run pays it: one year re-run through `junheng run` on a
    warehouse that already holds it (published, reports written), for the spec's worked example (5
    schools, tests/worked_example.py) and the demo's 2024 (9 county units, ≈ 450 school units, with its
    plan table and certifications). One untimed first run builds the warehouse; then `runs` timed re-runs
    (median). Wall time of the child process: interpreter start, imports, definitions, the run, reports."""
    from synthetic import generate_feeds, write_demo_certification, write_demo_plan
    from tests import worked_example

    def demo(landing: Path) -> None:
        generate_feeds(landing, counties=9, year=2024, seed=0)
        write_demo_plan(landing, 2024)
        write_demo_certification(landing, 2024)

    out = {}
    for name, write in (("worked_example", lambda landing: worked_example.write(landing, year=2024)),
                        ("demo_year", demo)):
        base = CACHE / "runs" / f"small-{name}"
        shutil.rmtree(base, ignore_errors=True)
        landing, warehouse, log = base / "landing", base / "warehouse", base / "runs.log"
        base.mkdir(parents=True)
        write(landing)
        first, code = _junheng_run(landing, warehouse, 2024, log)
        times, codes = [], [code]
        for _ in range(runs):
            secs, code = _junheng_run(landing, warehouse, 2024, log)
            times.append(secs)
            codes.append(code)
        out[name] = {"first_run": first, "reruns": times, "median": median(times), "exit_codes": codes,
                     "ok": all(c == 0 for c in codes), "log": str(log)}
        say(f"  {name}: first run {first:.1f} s; re-runs {', '.join(f'{t:.1f}' for t in times)} s "
            f"(median {median(times):.1f} s); exit codes {codes}")
    return out


def test_suite_figure(run_it: bool) -> dict | None:
    """The test suite's wall time: run now (`--test-suite`, the same pytest command as `make test`), else the
    last whole-suite run recorded by tests/conftest.py in bench_cache/results/test-suite-last-whole.json."""
    record = CACHE / "results" / "test-suite-last-whole.json"
    if run_it:
        say("\n7. Test suite (pytest -q -n 2 --dist loadfile, as make test)")
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile"], cwd=REPO_ROOT,
                              env=child_env(), capture_output=True, text=True)
        say(f"  {proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else 'no output'} "
            f"({time.perf_counter() - started:.0f} s)")
    if not record.exists():
        return None
    return json.loads(record.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help=f"smoke run on {QUICK_COUNTIES} county units")
    p.add_argument("--counties", type=int, default=None, help=f"county units (default {NATIONAL_COUNTIES})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--repeat", type=int, default=1, help="one-year end-to-end runs (median reported)")
    p.add_argument("--runs", type=int, default=5, help="timed runs of kernels, lower bound, load (min 5)")
    p.add_argument("--backfill-years", type=int, default=5)
    p.add_argument("--budget", type=float, default=15.0,
                   help="minutes for the whole benchmark: a backfill that would not fit runs on fewer county "
                        "units, against a one-year run at that scale (default 15)")
    p.add_argument("--full", action="store_true", help="always run the backfill at full scale (ignore --budget)")
    p.add_argument("--rss-cap", type=float, default=None,
                   help="GB: a pipeline run whose process tree exceeds it is killed and reported "
                        "(default 60%% of the machine's memory)")
    p.add_argument("--skip-backfill", action="store_true")
    p.add_argument("--test-suite", action="store_true",
                   help="run the test suite (as make test runs it) and time it; otherwise the last whole-suite "
                        "run recorded by tests/conftest.py is reported")
    p.add_argument("--small-only", action="store_true",
                   help="only the two small re-runs (section 0: the fixed cost of a run), a couple of minutes")
    p.add_argument("--keep-warehouses", action="store_true",
                   help="keep the backfill warehouses (several GB at national scale)")
    args = p.parse_args(argv)
    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)
    counties = args.counties or (QUICK_COUNTIES if args.quick else NATIONAL_COUNTIES)
    runs = max(5, args.runs)
    repeat = max(1, args.repeat)
    started = time.perf_counter()
    results: dict = {"started_at": dt.datetime.now().isoformat(timespec="seconds"), "counties": counties,
                     "seed": args.seed, "year": args.year, "repeat": repeat, "runs": runs}

    info = machine()
    results["machine"] = info
    rss_cap = int(args.rss_cap * GB) if args.rss_cap else (int(0.6 * info["memory"]) if info["memory"] else None)
    results["rss_cap"] = rss_cap
    say(f"Junheng benchmark — {counties} county units, seed {args.seed}, year {args.year}"
        f"{'  [--quick: targets are for national scale, verdicts indicative only]' if args.quick else ''}")
    say(f"machine: {info['cores']} cores, {fmt_bytes(info['memory'])} RAM, {info['cpu']}; Python {info['python']}, "
        f"DuckDB {info['duckdb']}, pandas {info['pandas']}; revision {info['revision']}; "
        f"load avg {loadavg()}; RSS cap per run {fmt_bytes(rss_cap)}")
    say("Absolute times are noisy when other work shares the machine: read medians and ratios.\n")

    # 0. the fixed cost: small re-runs (issue 28)
    say(f"0. A year re-run on its warehouse through `junheng run`, {min(runs, 3)} timed re-runs each")
    small = results["small_reruns"] = guarded(lambda: bench_small_reruns(min(runs, 3)))
    if args.small_only:
        for key, target in (("worked_example", TARGET_WORKED_EXAMPLE_RERUN_S), ("demo_year", TARGET_DEMO_YEAR_RERUN_S)):
            fig = (small or {}).get(key)
            if fig:
                say(f"  {key}: {fmt_s(fig['median'])} against ≤ {target:.0f} s: "
                    f"{verdict(fig['ok'] and fig['median'] <= target)}")
        return 0

    # 1. feeds
    say("\n1. Feeds")
    landing, took = ensure_feeds(args.seed, counties, [args.year])
    say(f"  {landing}/{args.year}: " + ("cached" if took[args.year] is None
                                          else f"generated in {took[args.year]:.1f} s"))

    # 1b. ingestion alone
    say(f"\n1b. Ingestion of {args.year} feed by feed (read + validate + load; benchmarks/ingestion.py, a child process)")
    ingestion = guarded(lambda: bench_ingestion_child(landing, args.year))
    results["ingestion"] = ingestion

    # 2. one year end to end
    say(f"\n2. One year ({args.year}) end to end, {repeat} run(s)")
    e2e = []
    for i in range(repeat):
        rec = run_pipeline(f"s{args.seed}-c{counties}-{args.year}-run{i + 1}", landing, args.year,
                           rss_cap=rss_cap)
        print_run(rec, f"run {i + 1}")
        e2e.append(rec)
    results["e2e"] = e2e
    e2e_median = median([r["e2e_seconds"] for r in e2e])
    rss_peak = max(r["peak_tree_rss"] for r in e2e)
    rss_exact = max(max(r.get("maxrss_self_kb", 0), r.get("maxrss_children_kb", 0)) * 1024 for r in e2e)
    stage_medians = {}
    for stage in STAGE_ORDER:
        vals = [stage_table(r)[0].get(stage) for r in e2e]
        if all(v is not None for v in vals):
            stage_medians[stage] = median(vals)
    results["e2e_median"], results["stage_medians"] = e2e_median, stage_medians
    last = Path(e2e[-1]["warehouse"])
    pipeline_ok = all(r.get("success") for r in e2e)
    have_warehouse = (last / WORKING_DB).exists()

    # 3. kernels
    say(f"\n3. Coefficient kernel, {runs} runs each")
    kern = guarded(lambda: bench_kernels(last, args.year, runs)) if have_warehouse else None
    results["kernels"] = kern

    # 4. lower bound
    say(f"\n4. Lower bound, {runs} runs")
    lb = guarded(lambda: lower_bound(landing, args.year, last, runs)) if have_warehouse else None
    results["lower_bound"] = lb
    if not have_warehouse:
        say("  skipped: the run left no warehouse")

    # 5. code location
    say(f"\n5. Code-location load, {runs} fresh processes")
    load = code_location_load(runs)
    results["code_location_load"] = load

    # 5b. the equity measures and the planner on national-size unit tables (their own benchmarks)
    say(f"\n5b. Equity measures and the least-cost planner, {runs} runs each (national-size unit tables)")
    results["equity_measures"] = guarded(lambda: bench_equity(args.seed, runs))
    results["planner"] = guarded(lambda: bench_planner(args.seed, runs))

    # 6. backfill
    backfill = baseline = None
    scale = counties
    if not args.skip_backfill and args.backfill_years > 1:
        first = args.year - args.backfill_years + 1
        remaining = args.budget * 60 - (time.perf_counter() - started)
        scale, why = backfill_scale(counties, args.backfill_years, e2e_median, remaining, rss_peak, rss_cap,
                                    args.full)
        say(f"\n6. Backfill {first}–{args.year} as one run (partition range, single-run backfill policy)")
        if scale != counties:
            say(f"  projected: {'; '.join(why)} → measured at {scale} county units against a one-year run at "
                f"that scale (--full runs it at {counties}, --budget/--rss-cap move the limits)")
        years = list(range(first, args.year + 1))
        landing_b, took_b = ensure_feeds(args.seed, scale, years)
        gen = [f"{y} {'cached' if took_b[y] is None else f'generated {took_b[y]:.1f} s'}" for y in years]
        say("  feeds: " + ", ".join(gen))
        if scale != counties:
            baseline = run_pipeline(f"s{args.seed}-c{scale}-{args.year}-baseline", landing_b, args.year,
                                    rss_cap=rss_cap)
            print_run(baseline, f"one year at {scale} county units")
        backfill = run_pipeline(f"s{args.seed}-c{scale}-{first}-{args.year}-backfill", landing_b, args.year,
                                since=first, rss_cap=rss_cap)
        print_run(backfill, f"backfill {first}–{args.year} at {scale} county units")
        results["backfill"], results["backfill_baseline"], results["backfill_counties"] = backfill, baseline, scale
        if not args.keep_warehouses:
            for r in (backfill, baseline):
                if r is not None:
                    shutil.rmtree(Path(r["warehouse"]), ignore_errors=True)

    # summary
    say(f"\nSummary ({counties} county units; medians; machine {info['cores']} cores)")
    rows: list[tuple[str, str, str, str]] = []
    for key, label, target in (("worked_example", "re-run: worked example, 5 schools", TARGET_WORKED_EXAMPLE_RERUN_S),
                               ("demo_year", "re-run: demo year, ≈ 450 units", TARGET_DEMO_YEAR_RERUN_S)):
        fig = (small or {}).get(key)
        rows.append((label, fmt_s(fig["median"]) if fig else "—", f"≤ {target:.0f} s wall",
                     verdict(fig["ok"] and fig["median"] <= target) if fig else "—"))
    rows.append(("one year end to end, reports included", fmt_s(e2e_median), f"≤ {TARGET_E2E_S:.0f} s",
                 verdict(pipeline_ok and e2e_median <= TARGET_E2E_S)))
    for stage, secs in stage_medians.items():
        rows.append((f"  {stage}", fmt_s(secs), "", ""))
    if any(r.get("killed_over_cap") for r in e2e):  # stopped at the cap: the real peak is higher
        rows.append(("peak RSS, process tree (sampled)", f"> {fmt_bytes(rss_cap)}", f"≤ {fmt_bytes(TARGET_RSS)}",
                     verdict(False) if rss_cap and rss_cap >= TARGET_RSS else "—"))
    else:
        rows.append(("peak RSS, process tree (sampled)", fmt_bytes(rss_peak), f"≤ {fmt_bytes(TARGET_RSS)}",
                     verdict(rss_peak <= TARGET_RSS)))
    if rss_exact:
        rows.append(("peak RSS, largest single process", fmt_bytes(rss_exact), f"≤ {fmt_bytes(TARGET_RSS)}",
                     verdict(rss_exact <= TARGET_RSS)))
    if kern:
        r = kern["results"]
        vec, naive, sql = r["vectorised"]["median"], r["naive_pandas"]["median"], r["duckdb_sql"]["median"]
        agree = all(a["agree"] for a in kern["agreement"].values())
        rows.append(("kernel: vectorised (equity/)", fmt_s(vec), f"< {TARGET_KERNEL_S:.0f} s",
                     verdict(vec < TARGET_KERNEL_S)))
        rows.append(("kernel: naive pandas groupby.apply", fmt_s(naive), "", ""))
        rows.append(("kernel: one DuckDB query", fmt_s(sql), "", ""))
        rows.append(("kernel speed-up vs naive pandas", f"{naive / vec:.1f}×", f"≥ {TARGET_KERNEL_SPEEDUP:.0f}×",
                     verdict(naive / vec >= TARGET_KERNEL_SPEEDUP)))
        rows.append(("DuckDB query time / vectorised time", f"{sql / vec:.2f}×", "", ""))
        rows.append(("kernels agree (|Δcv| < 1e-9)", "yes" if agree else "NO", "agree", verdict(agree)))
    if lb:
        ratio = e2e_median / lb["median"]
        rows.append(("lower bound (one DuckDB query from CSV)", fmt_s(lb["median"]), "", ""))
        rows.append(("pipeline / lower bound", f"{ratio:.0f}×",
                     f"≤ {TARGET_LOWER_BOUND_RATIO:.0f}× (aim {AIM_LOWER_BOUND_RATIO:.0f}×)",
                     verdict(pipeline_ok and ratio <= TARGET_LOWER_BOUND_RATIO)))
        rows.append(("lower bound = published (|Δcv| < 1e-6)", f"{lb['check']['max_abs_diff_cv']:.1e}", "agree",
                     verdict(lb["check"]["agree"])))
    rows.append(("code-location load (import definitions)", fmt_s(load["median"]), "", ""))
    if ingestion:
        validate_s = sum(f["validate"] for f in ingestion["feeds"].values())
        rows.append(("ingestion of a year, read+validate+load", fmt_s(ingestion["total"]), "", ""))
        rows.append(("  of which typing and row rules", fmt_s(validate_s), "", ""))
    eq, pl = results.get("equity_measures"), results.get("planner")
    if eq:
        rows.append(("equity measures, national year", fmt_s(eq["seconds"]), "< 2 s", verdict(eq["seconds"] < 2)))
    if pl:
        rows.append(("least-cost planner, national year", fmt_s(pl["median"]), "a few s", ""))
    if backfill:
        one = baseline["e2e_seconds"] if baseline else e2e_median
        ratio = backfill["e2e_seconds"] / one
        at = "" if scale == counties else f" ({scale} units)"
        ok = backfill.get("success", False) and (baseline is None or baseline.get("success", False))
        if scale != counties:
            rows.append((f"one year{at}", fmt_s(one), "", ""))
        rows.append((f"backfill {args.backfill_years} years{at}", fmt_s(backfill["e2e_seconds"]), "", ""))
        if backfill.get("killed_over_cap") or not backfill.get("success"):
            rows.append((f"backfill / one year{at}", "did not finish", f"≤ {TARGET_BACKFILL_RATIO:.1f}×", "MISS"))
        else:
            rows.append((f"backfill / one year{at}", f"{ratio:.2f}×", f"≤ {TARGET_BACKFILL_RATIO:.1f}×",
                         verdict(ok and ratio <= TARGET_BACKFILL_RATIO)))
        peak = fmt_bytes(backfill["peak_tree_rss"])
        rows.append((f"peak RSS of the backfill{at}",
                     f"> {fmt_bytes(rss_cap)}" if backfill.get("killed_over_cap") else peak, f"≤ {fmt_bytes(TARGET_BACKFILL_RSS)}",
                     verdict(not backfill.get("killed_over_cap") and backfill["peak_tree_rss"] <= TARGET_BACKFILL_RSS)))
        results["backfill_ratio"] = ratio
    suite = results["test_suite"] = test_suite_figure(args.test_suite)
    if suite:
        what = "" if suite.get("whole_suite") else " (not the whole suite)"
        rows.append((f"test suite wall time{what}", fmt_s(suite["seconds"]),
                     f"≤ {TARGET_TEST_SUITE_S / 60:.0f} min (pytest)",
                     verdict(suite.get("whole_suite") and suite.get("failed") == 0
                             and suite["seconds"] <= TARGET_TEST_SUITE_S)))
        rows.append(("  measured", f"{suite.get('revision') or '?'}", suite.get("finished_at", ""), ""))
    else:
        rows.append(("test suite wall time", "not measured", "run make test, or --test-suite", "—"))
    w = max(len(r[0]) for r in rows)
    say(f"  {'figure':{w}s}  {'measured':>10s}  {'target':22s}  verdict")
    for name, value, target, v in rows:
        say(f"  {name:{w}s}  {value:>10s}  {target:22s}  {v}")
    if not pipeline_ok:
        say("  NOTE: a pipeline run failed (see its problems above and child.log): its times are not a valid figure.")
    total = time.perf_counter() - started
    say(f"\nbenchmark wall time {total / 60:.1f} min; load avg now {loadavg()}; "
        f"this process peak RSS {fmt_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}")
    results["summary"] = [dict(zip(("figure", "measured", "target", "verdict"), r, strict=True)) for r in rows]
    results["bench_seconds"] = total
    out_dir = CACHE / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"bench-{time.strftime('%Y%m%dT%H%M%S')}-c{counties}.json"
    out.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    say(f"figures saved to {out.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
