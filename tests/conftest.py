"""Shared fixtures: offline switches, a fresh manifest, and helpers to run the year job in-process."""

import os

import pytest

from orchestration.environment import OFFLINE_ENV, ensure_manifest

for _k, _v in OFFLINE_ENV.items():
    os.environ.setdefault(_k, _v)


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
