"""Shared fixtures: offline switches, a fresh manifest, and helpers to run the year job in-process.

`make test` runs two xdist workers with `--dist loadfile`: a module is one unit of work, and a worker
is handed the next module when it has two tests or fewer left. xdist would hand out the modules with
the most tests first, which leaves the slowest (single-test) modules for the end; they are handed
out slowest first instead (longest-processing-time first: the two workers end close together)."""

import os

import pytest

from orchestration.environment import OFFLINE_ENV, ensure_manifest

for _k, _v in OFFLINE_ENV.items():
    os.environ.setdefault(_k, _v)

# The slowest modules, slowest first (seconds on two workers, measured); any other module follows in
# file order. A new module that runs the pipeline belongs in this list, by its duration.
SLOWEST_FIRST = (
    "integration/test_ui_backfill.py",  # ≈ 5 min, much of it waiting on the daemon: started first
    "integration/test_pipeline.py",
    "integration/test_crash_safety.py",
    "integration/test_timeline_demo.py",
    "integration/test_no_shrink.py",
    "integration/test_reports_browser.py",
    "integration/test_faults.py",
    "integration/test_bad_input.py",
    "integration/test_evaluation_items.py",
    "integration/test_concurrency.py",
    "integration/test_bi_access.py",
    "integration/test_fidelity.py",
    "integration/test_scope_by_hand.py",
    "integration/test_timeline.py",
    "unit/test_planner.py",
)
HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_configure(config):
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist: keep the order set below
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}

    def module_rank(item) -> int:
        rel = os.path.relpath(str(item.path), HERE).replace(os.sep, "/")
        return rank.get(rel, len(rank))

    items.sort(key=module_rank)  # stable: tests keep their order within a module, others their file order


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """No test is skipped: a skip (a missing dependency, an `importorskip`) fails instead. The dev install
    provides every dependency the suite needs; a test that does not run proves nothing and says so
    only in a summary line nobody reads."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} was skipped ({report.longrepr}); no test of this suite may be skipped"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped at import (`pytest.importorskip` at its top)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{collector.nodeid} was skipped ({report.longrepr}); no test of this suite may be skipped"


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    return ensure_manifest()


# The suite's wall time, for `make bench` (issue 16 reports it against its target): written by the
# controlling process (not an xdist worker) at the end of every run, with what was run.
_STARTED = {}


def pytest_sessionstart(session):
    import time

    _STARTED["t"] = time.monotonic()


def pytest_sessionfinish(session, exitstatus):
    import datetime as dt
    import json
    import subprocess
    import time
    from pathlib import Path

    if hasattr(session.config, "workerinput") or "t" not in _STARTED:
        return
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    record = {
        "finished_at": dt.datetime.now().isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - _STARTED["t"], 1),
        "tests": session.testscollected,
        "failed": session.testsfailed,
        "exit_status": int(exitstatus),
        "args": list(session.config.invocation_params.args),
        "whole_suite": not any(a.startswith("tests/") or "::" in a or a.startswith("-k") or a == "-m"
                               for a in session.config.invocation_params.args),
        "revision": rev,
    }
    out = root / "bench_cache" / "results"
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / ("test-suite-last-whole.json" if record["whole_suite"] else "test-suite-last.json")).write_text(
            json.dumps(record, indent=1), encoding="utf-8")
    except OSError:
        pass


def pytest_terminal_summary(terminalreporter):
    """The screenshots the browser tests kept (their `screenshot` property), so a reader finds them."""
    shots = sorted({value for reports in terminalreporter.stats.values() for rep in reports
                    for key, value in getattr(rep, "user_properties", ()) if key == "screenshot"})
    if shots:
        terminalreporter.write_sep("-", "report screenshots")
        for shot in shots:
            terminalreporter.write_line(shot)
